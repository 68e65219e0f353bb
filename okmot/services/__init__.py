"""Use cases: functions over a session that return frozen dataclasses, never live ORM objects."""
