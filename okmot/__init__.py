"""Okmot core: household book, identity rules and storage, with no Qt dependency."""

__version__ = "0.1.0"
APP_NAME = "Okmot"
APP_ID = "okmot"
