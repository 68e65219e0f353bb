"""Pause Python's cyclic garbage collector while background jobs build large heaps, so the window never freezes."""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_running = 0
_was_enabled = True


@contextlib.contextmanager
def background_job() -> Iterator[None]:
    """Run a big job (a report of 50 000 rows, a book import) with the cyclic collector paused.

    A full collection walks every live object while holding the interpreter lock: with a report and an
    import in memory at once it took seconds, and the GUI thread, waiting for the lock, froze that long
    (bench/village.py measures it). Reference counting still frees almost everything as it goes; the
    few cycles left are collected after the last running job ends, when the heap is small again.
    Jobs may overlap: the collector comes back only when the last one ends.
    """
    global _running, _was_enabled
    with _lock:
        if _running == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0 and _was_enabled:
                gc.enable()


def settle_after_start() -> None:
    """Collect once, then hide every object alive now from the cyclic collector (``gc.freeze``).

    The modules, Qt wrappers and SQLAlchemy metadata of a started app live until it closes; without this,
    every full collection — notably the one that runs when the last background job ends — walks them all
    again while holding the interpreter lock, a visible pause in the window.
    """
    gc.collect()
    gc.freeze()
