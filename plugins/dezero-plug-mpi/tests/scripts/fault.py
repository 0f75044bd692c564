"""Under mpiexec: train an MLP; at step 3 rank 1 fails (``raise``), leaves (``exit``: ``sys.exit(1)``, as after a
logged error; ``systemexit``: ``raise SystemExit(1)`` written out; ``return``: the end of the script, as a loop that
stops early), dies (``kill``: SIGKILL), runs two steps more than the others (``more``), stalls (``sleep``), or
fails before the communicator exists (``before``); the others go on into the next all-reduce, where they would wait
forever if nothing ended the job.
"""

import os
import signal
import sys
import time

import numpy as np

import dezero_plug as dz
import dezero_plug.functions as F
from dezero_plug.distributed import create_communicator
from dezero_plug.distributed import create_multi_node_optimizer

how = sys.argv[1]
if how == "before" and "1" in (os.environ.get("PMI_RANK"), os.environ.get("PMIX_RANK")):  # MPICH, Open MPI
    raise RuntimeError("planted failure before the communicator")
comm = create_communicator()
np.random.seed(0)
model = dz.models.MLP((16, 3))
optimizer = create_multi_node_optimizer(dz.optimizers.SGD(), comm).setup(model)
x, t = np.random.randn(8, 4).astype(np.float32), np.zeros(8, dtype=np.int64)
steps = 1000 if how not in ("more", "return") else 5
for step in range(steps + (2 if how == "more" and comm.rank == 1 else 0)):
    if step == 3 and comm.rank == 1 and how == "return":
        break
    if step == 3 and comm.rank == 1 and how == "sleep":
        time.sleep(600)
    if step == 3 and comm.rank == 1 and how not in ("more", "return", "sleep"):
        if how == "raise":
            raise RuntimeError("planted failure on one rank")
        if how == "exit":
            print("rank 1: cannot read the next batch", file=sys.stderr, flush=True)
            sys.exit(1)
        if how == "systemexit":
            raise SystemExit(1)
        os.kill(os.getpid(), signal.SIGKILL)
    loss = F.softmax_cross_entropy(model(x), t)
    model.cleargrads()
    loss.backward()
    optimizer.update()
print("finished: nothing ended the job", flush=True)
