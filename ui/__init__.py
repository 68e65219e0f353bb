"""PySide6 user interface: talks to okmot services, never to SQL or ORM models."""
