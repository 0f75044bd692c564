"""Atomic file writes: a temporary file beside the target, renamed into place only when complete.

Used by ``Layer.save_weights`` and ``download.get_file``: a failure, a failed
check or Ctrl-C inside the block leaves the old file (or none) and no partial one.

A process killed outright (SIGKILL, power loss) cannot remove its temporary
file, so temporary files are named to be recognised later:
``.<target>.dezero-plug-<pid>.<random><suffix>``. Every atomic write first
removes those in its directory whose writer process no longer runs — never
one whose writer is alive (a concurrent save of another process).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

MARK = ".dezero-plug-"
_TEMPORARY = re.compile(r"^\..+\.dezero-plug-(\d+)\.[A-Za-z0-9_]+\.(tmp|part)$")


def writer_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (on this machine); unknown counts as alive, so its file is kept."""
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def remove_stale_temporaries(directory: str) -> list[str]:
    """Remove this project's temporary files in ``directory`` whose writer no longer runs; return their names."""
    removed = []
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return removed
    for entry in entries:
        match = _TEMPORARY.match(entry.name)
        if match and not writer_alive(int(match.group(1))):
            with contextlib.suppress(FileNotFoundError):  # another process removed it first
                os.unlink(entry.path)
                removed.append(entry.name)
    return removed


@contextlib.contextmanager
def atomic_write(path: str, suffix: str = ".tmp") -> Iterator[BinaryIO]:
    """Yield a binary file that replaces ``path`` (synced to disk) when the block ends without an exception."""
    directory, name = os.path.split(os.path.abspath(path))
    remove_stale_temporaries(directory)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}{MARK}{os.getpid()}.", suffix=suffix, dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
