"""Report data: queries over the household book that return plain frozen dataclasses for ``reports/``."""
