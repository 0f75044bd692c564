"""The watchdog: collectives that end the job instead of waiting forever for a rank that will not come.

Every collective of the ``mpi`` communicator is started non-blocking and waited on here. While it waits,
the watchdog reads the other ranks' notes on a communicator of its own: each rank notes every collective it
enters ("arrived at collective k") and, when its process ends for any reason — the end of the script, a
loop that stopped early, ``raise SystemExit`` — how many collectives it entered ("left after k"). A
waiting rank aborts the whole job (``MPI_Abort``), naming the rank, when

* a rank left after fewer collectives than the one it waits in: that rank will never arrive (it returned
  early, or this one runs more steps than it did);
* the collective has not completed after ``timeout`` seconds (``DEZERO_PLUG_MPI_TIMEOUT``, 1,800 by
  default, as PyTorch's watchdog for its own collectives): it names the ranks that have not arrived (a rank
  that stalls, or computes longer than that between two collectives: raise the timeout then).

Ranks that all leave after the same number of collectives end normally.
"""

from __future__ import annotations

import atexit
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np

ARRIVED, LEFT = 1, 2  # the tags of the notes
DEFAULT_TIMEOUT = 1800.0
SPIN_SECONDS = 0.002  # how long a wait polls without sleeping, then 1 ms between polls


def timeout_from_environment() -> float:
    """``DEZERO_PLUG_MPI_TIMEOUT`` in seconds (a positive number), else the default."""
    text = os.environ.get("DEZERO_PLUG_MPI_TIMEOUT", "")
    if not text:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise ValueError(f"DEZERO_PLUG_MPI_TIMEOUT must be a positive number of seconds; got {text!r}")
    return seconds


class Watchdog:
    """Waits on one rank's collectives (``wait``) and notes its end to the others (at exit)."""

    def __init__(self, comm: Any, timeout: float, abort: Callable[[str], None]) -> None:
        self.notes = comm.Dup()  # collective: every rank makes it, as it makes the communicator
        self.rank, self.size = comm.Get_rank(), comm.Get_size()
        self.timeout = timeout
        self.abort = abort  # MpiCommunicator.abort_naming: writes the line naming the cause, MPI_Abort; never returns
        self.entered = 0  # collectives this rank has entered
        self.arrived = [0] * self.size  # the last collective each rank noted entering
        self.left: dict[int, int] = {}  # rank -> collectives it had entered when it ended
        self._sending: list[Any] = []
        atexit.register(self.note_leaving)

    def wait(self, start: Callable[[], Any], what: str) -> None:
        """Run one collective (``start`` returns its request) to completion, or abort the job naming why."""
        self.entered += 1
        self._note(ARRIVED, self.entered)
        request = start()
        began = time.monotonic()
        while not request.Test():
            self._read()
            behind = {rank: count for rank, count in self.left.items() if count < self.entered}
            if behind:
                rank, count = min(behind.items())
                self.abort(
                    f"rank {rank} ended after {count} collectives while rank {self.rank} waits in collective "
                    f"{self.entered} ({what}): the ranks ran different numbers of steps"
                )
            waited = time.monotonic() - began
            if waited > self.timeout:
                missing = [r for r in range(self.size) if r != self.rank and self.arrived[r] < self.entered]
                self.abort(
                    f"rank {self.rank} waited {waited:.0f} s in collective {self.entered} ({what}) for "
                    f"rank{'s' if len(missing) > 1 else ''} {', '.join(map(str, missing)) or '?'}, which did not "
                    "arrive (DEZERO_PLUG_MPI_TIMEOUT sets the limit, in seconds)"
                )
            if waited > SPIN_SECONDS:
                time.sleep(0.001)
        self._read()

    def note_leaving(self) -> None:
        """At this process's exit: tell every other rank how many collectives this one entered."""
        self._note(LEFT, self.entered)
        from mpi4py import MPI

        MPI.Request.Waitall(self._sending)
        self._sending = []

    def _note(self, tag: int, count: int) -> None:
        for rank in range(self.size):
            if rank != self.rank:
                self._sending.append(self.notes.Isend(np.array([count], dtype=np.int64), dest=rank, tag=tag))
        if len(self._sending) > 64:  # sent long ago (small messages leave at once): forget the finished ones
            from mpi4py import MPI

            self._sending = [r for r in self._sending if not MPI.Request.Test(r)]

    def _read(self) -> None:
        from mpi4py import MPI

        status, note = MPI.Status(), np.zeros(1, dtype=np.int64)
        while self.notes.Iprobe(source=MPI.ANY_SOURCE, tag=MPI.ANY_TAG, status=status):
            self.notes.Recv(note, source=status.Get_source(), tag=status.Get_tag())
            rank, count = status.Get_source(), int(note[0])
            if status.Get_tag() == LEFT:
                self.left[rank] = count
            else:
                self.arrived[rank] = max(self.arrived[rank], count)
