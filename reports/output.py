"""Atomic file output: a report appears complete under its name, or not at all."""

from __future__ import annotations

from collections.abc import Callable

# One atomic write for the whole program: a report appears complete under its name, or not at all.
from okmot.atomic import atomic_path


class Cancelled(Exception):
    """The user cancelled the report; nothing was written."""


def checker(progress: Callable[[int, int], None] | None, cancelled: Callable[[], bool] | None):
    """A function ``step(done, total)`` that reports progress and raises Cancelled when asked to stop."""
    def step(done: int, total: int) -> None:
        if cancelled is not None and cancelled():
            raise Cancelled()
        if progress is not None:
            progress(done, total)
    return step


__all__ = ["Cancelled", "atomic_path", "checker"]
