"""Kyrgyz alphabetical order for report lists, from the shared okmot.identity.collation."""

from __future__ import annotations

from okmot.identity.collation import sort_key


def name_key(*parts: str) -> tuple[tuple[str, str], ...]:
    """Sort key for names given as parts (surname, given name, patronymic; or a street name)."""
    return tuple(sort_key(p or "") for p in parts)
