"""Under mpiexec -n 2: rank 1's model has one parameter more; the first update must end the job, naming it."""

import numpy as np

import dezero_plug as dz
import dezero_plug.functions as F
from dezero_plug.distributed import create_communicator
from dezero_plug.distributed import create_multi_node_optimizer

comm = create_communicator()
model = dz.models.MLP((8, 3) if comm.rank == 0 else (8, 8, 3))
optimizer = create_multi_node_optimizer(dz.optimizers.SGD(), comm).setup(model)
x, t = np.ones((4, 5), dtype=np.float32), np.zeros(4, dtype=np.int64)
loss = F.softmax_cross_entropy(model(x), t)
loss.backward()
optimizer.update()
print("finished: the mismatch went unnoticed", flush=True)
