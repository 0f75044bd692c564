"""Under mpiexec -n 2: a model with a BatchNorm, seeded alike, on different data per rank.

The running statistics differ per rank after the first forward (by design); the first update must
still step (they are not weights to agree on). With ``seed-per-rank`` the weights differ and the first
update is skipped, with a warning naming the ranks. Prints ``rank R moved M``: whether the weights
moved from rank 0's initial ones, which every rank has after the first update's broadcast.
"""

import sys
import warnings

import numpy as np

import dezero_plug as dz
import dezero_plug.functions as F
import dezero_plug.layers as L
from dezero_plug.distributed import create_communicator
from dezero_plug.distributed import create_multi_node_optimizer

comm = create_communicator()
np.random.seed(0)
rank0_initial = L.Linear(3, in_size=4).W.data.copy()  # rank 0's first weights: what every rank starts from
np.random.seed(comm.rank if sys.argv[1:] == ["seed-per-rank"] else 0)
model = dz.Model()
model.fc, model.bn = L.Linear(3, in_size=4), L.BatchNorm()
optimizer = create_multi_node_optimizer(dz.optimizers.SGD(lr=0.5), comm).setup(model)
rng = np.random.default_rng(comm.rank)  # each rank its own data
x, t = rng.standard_normal((6, 4)).astype(np.float32), np.array([0, 1, 2, 0, 1, 2])
loss = F.softmax_cross_entropy(model.bn(model.fc(x)), t)
loss.backward()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    optimizer.update()
for w in caught:
    print(f"rank {comm.rank} warning {w.message}", flush=True)
print(f"rank {comm.rank} moved {not np.array_equal(rank0_initial, model.fc.W.data)}", flush=True)
