"""Atomic file writes: a temporary file beside the target, renamed into place only when complete.

Used by ``Layer.save_weights`` and ``download.get_file``: a failure, a failed
check or Ctrl-C inside the block leaves the old file (or none) and no partial one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from typing import BinaryIO


@contextlib.contextmanager
def atomic_write(path: str, suffix: str = ".tmp") -> Iterator[BinaryIO]:
    """Yield a binary file that replaces ``path`` (synced to disk) when the block ends without an exception."""
    directory, name = os.path.split(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=suffix, dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
