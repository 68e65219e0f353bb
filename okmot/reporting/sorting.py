"""Kyrgyz alphabetical order for report lists, from the shared okmot.identity.collation."""

from __future__ import annotations

from okmot.identity.collation import sort_key


#: Joins the parts of a sort key; below every character a name can hold, so a joined key orders exactly as
#: the tuple of its parts would (a shorter part sorts first).
SEP = "\x00"


def name_key(*parts: str) -> str:
    """Sort key for names given as parts (surname, given name, patronymic; or a street name).

    One string (primary₁, text₁, primary₂, text₂, … joined by SEP): the same order as a tuple of per-part
    keys, but a 50 000-name list sorts on plain string comparisons — sorting holds the interpreter lock
    throughout, so a fast sort keeps the window responsive while a report is built.
    """
    return SEP.join(x for p in parts for x in sort_key(p or ""))


def joined(*keys: str) -> str:
    """Several string keys as one, ordered as their tuple would be."""
    return SEP.join(keys)
