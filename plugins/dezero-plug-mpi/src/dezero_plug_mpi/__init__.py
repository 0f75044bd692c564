"""dezero-plug-mpi: the ``mpi`` communicator for dezero_plug.distributed, on mpi4py.

mpi4py is imported when the communicator is made, never at registration: with
mpi4py but no MPI library the plugin still loads, and ``python -m dezero_plug
plugins`` / ``create_communicator("mpi")`` say what to install.

Importing this package imports neither dezero_plug nor mpi4py (its hook marker is pluggy's own, for the
project ``dezero_plug``): ``python -m dezero_plug_mpi`` imports the package before dezero_plug, whose
plugin discovery then finds it whole instead of half imported.
"""

from __future__ import annotations

from typing import Any

import pluggy

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("dezero_plug")  # what dezero_plug.extend.hookimpl is


@hookimpl
def dezero_plug_communicators() -> list[Any]:
    from dezero_plug_mpi.communicator import MpiCommunicator

    return [MpiCommunicator]
