"""``keep_freed_memory()``: let this process reuse the array memory it frees, instead of handing it back.

glibc's malloc returns a freed block above its mmap threshold (which moves,
up to 32 MiB) to the system at once, and trims the top of its heap above its
trim threshold; every new array of that size then faults its pages in again.
A training loop frees and reallocates the same arrays every step, so with the
defaults a step of a small CNN spends a large share of its time in page faults
(measured in benchmarks/RESULTS.md). PyTorch and CuPy avoid this with caching
allocators of their own; numpy has none.

This call sets malloc's mmap threshold to its maximum (32 MiB) and its trim
threshold to 1 GiB: freed memory below 32 MiB a block is kept in the process
and reused. It changes malloc for the **whole process** — every library in it,
not only dezero_plug — and memory freed this way is not returned to the system
while the process runs (the peak is unchanged). So ``import dezero_plug`` never
does it: a program opts in, by calling it (the examples and benchmarks/ do) or
by setting ``DEZERO_PLUG_KEEP_FREED_MEMORY=1`` before the import. Linux with
glibc only; elsewhere it does nothing and returns False.
"""

from __future__ import annotations

import ctypes
import os
import sys

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h
_kept = False


def keep_freed_memory() -> bool:
    """Keep freed memory in this process for reuse (see the module docstring); True when malloc took it."""
    global _kept
    if not _kept and sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None)  # the C library this process runs on
        if hasattr(libc, "gnu_get_libc_version"):  # glibc: musl's mallopt does nothing
            _kept = bool(libc.mallopt(_M_MMAP_THRESHOLD, 32 * 2**20)) and bool(libc.mallopt(_M_TRIM_THRESHOLD, 2**30))
    return _kept


def kept() -> bool:
    """Whether ``keep_freed_memory`` changed malloc's thresholds in this process."""
    return _kept


def keep_if_asked() -> bool:
    """``keep_freed_memory()`` when the environment sets ``DEZERO_PLUG_KEEP_FREED_MEMORY=1`` (at import)."""
    return os.environ.get("DEZERO_PLUG_KEEP_FREED_MEMORY") == "1" and keep_freed_memory()
