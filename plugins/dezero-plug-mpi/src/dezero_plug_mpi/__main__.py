"""``mpiexec -n N python -m dezero_plug_mpi SCRIPT [ARGS...]``: run SCRIPT on every rank with the job's
safeguards on from its first line.

``create_communicator()`` installs them (an error or ``sys.exit(1)`` on one rank ends the job; the watchdog)
when the script calls it; a failure before that line — an import, reading a configuration — leaves the other
ranks waiting in MPI's start-up or their first collective until the launcher is killed. Started this way,
the communicator exists before the script runs, so those failures end the job too, naming the rank.
"""

from __future__ import annotations

import runpy
import sys

import dezero_plug  # first: its plugin discovery imports this plugin's communicator module whole


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    dezero_plug.distributed.create_communicator("mpi")  # the safeguards, once per process, for the whole script
    sys.argv = list(argv)
    runpy.run_path(argv[0], run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
