"""dezero-plug-mpi: the ``mpi`` communicator for dezero_plug.distributed, on mpi4py.

mpi4py is imported when the communicator is made, never at registration: with
mpi4py but no MPI library the plugin still loads, and ``python -m dezero_plug
plugins`` / ``create_communicator("mpi")`` say what to install.
"""

from __future__ import annotations

from typing import Any

from dezero_plug.extend import hookimpl
from dezero_plug_mpi.communicator import MpiCommunicator

__version__ = "0.1.0"


@hookimpl
def dezero_plug_communicators() -> list[Any]:
    return [MpiCommunicator]
