"""Atomic file output: a report appears complete under its name, or not at all."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from okmot.errors import EnvironmentProblem
from okmot.i18n import _


class Cancelled(Exception):
    """The user cancelled the report; nothing was written."""


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path in the target's folder; renamed onto ``path`` when the block ends without error."""
    path = Path(path).expanduser()
    folder = path.parent
    if not folder.is_dir():
        raise EnvironmentProblem(_("Cannot write {path}: the folder does not exist.").format(path=path))
    if path.is_dir():
        raise EnvironmentProblem(_("Cannot write {path}: it is a folder.").format(path=path))
    tmp = folder / f".{path.name}.{os.getpid()}.partial"
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        _fsync_dir(folder)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise EnvironmentProblem(_("Cannot write {path}: {reason}").format(
            path=path, reason=exc.strerror or exc)) from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def checker(progress: Callable[[int, int], None] | None, cancelled: Callable[[], bool] | None):
    """A function ``step(done, total)`` that reports progress and raises Cancelled when asked to stop."""
    def step(done: int, total: int) -> None:
        if cancelled is not None and cancelled():
            raise Cancelled()
        if progress is not None:
            progress(done, total)
    return step
