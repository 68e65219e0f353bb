"""Atomic file writes: a temporary file beside the target, fsync, rename; never a half-written file."""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path

from okmot.errors import EnvironmentProblem
from okmot.i18n import _


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; Windows has no directory handles to sync)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_problem(path: Path, exc: OSError) -> EnvironmentProblem:
    """The translated message for a failed write, naming the usual causes a clerk can act on."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return EnvironmentProblem(_("The disk is full: {path} could not be written. Free some space (or choose "
                                    "another disk) and try again; nothing was changed.").format(path=path))
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return EnvironmentProblem(_("Okmot may not write {path} (the disk or folder is read-only, or access is "
                                    "denied). Choose another folder.").format(path=path))
    return EnvironmentProblem(_("Cannot write {path}: {reason}").format(path=path, reason=exc.strerror or exc))


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path in the target's folder, renamed onto ``path`` when the block ends without error.

    Any error leaves the previous file of that name, if any, as it was, and removes the temporary file.
    """
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
        fsync_dir(folder)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise write_problem(path, exc) from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path."""
    path = Path(path).expanduser()
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
    return path
