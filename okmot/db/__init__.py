"""Storage: SQLAlchemy engine and sessions, the change journal and migrations."""
