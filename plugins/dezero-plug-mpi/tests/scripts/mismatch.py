"""Under mpiexec -n 2: rank 1 builds a wider first layer than rank 0 (``extra``: one layer more); the first update
must end the job, saying which parameter."""

import sys

import numpy as np

import dezero_plug as dz
import dezero_plug.functions as F
from dezero_plug.distributed import create_communicator
from dezero_plug.distributed import create_multi_node_optimizer

comm = create_communicator()
if comm.rank == 0:
    model = dz.models.MLP((8, 3))
else:
    model = dz.models.MLP((8, 8, 3) if sys.argv[1:] == ["extra"] else (9, 3))
optimizer = create_multi_node_optimizer(dz.optimizers.SGD(), comm).setup(model)
x, t = np.ones((4, 5), dtype=np.float32), np.zeros(4, dtype=np.int64)
loss = F.softmax_cross_entropy(model(x), t)
loss.backward()
optimizer.update()
print("finished: the mismatch went unnoticed", flush=True)
