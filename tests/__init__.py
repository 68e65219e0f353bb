"""Okmot test suite."""
