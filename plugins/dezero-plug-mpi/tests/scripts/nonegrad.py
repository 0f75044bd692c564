"""Under mpiexec -n 2: rank 0's loss does not use the second layer, so that layer's gradients are None there.

The all-reduce must treat them as zeros on rank 0 (the same on every rank): after the updates the ranks'
parameters are bitwise equal and the second layer moved on rank 0 too. Prints ``rank R digest D moved M``.
"""

import hashlib

import numpy as np

import dezero_plug as dz
import dezero_plug.functions as F
import dezero_plug.layers as L
from dezero_plug.distributed import create_communicator
from dezero_plug.distributed import create_multi_node_optimizer

comm = create_communicator()
np.random.seed(0)
model = dz.Model()
model.first, model.second = L.Linear(3, in_size=4), L.Linear(3, in_size=4)
before = model.second.W.data.copy()
optimizer = create_multi_node_optimizer(dz.optimizers.SGD(lr=0.5), comm).setup(model)
x, t = np.random.randn(6, 4).astype(np.float32), np.array([0, 1, 2, 0, 1, 2])
for _ in range(3):
    y = model.first(x) if comm.rank == 0 else model.first(x) + model.second(x)
    loss = F.softmax_cross_entropy(y, t)
    model.cleargrads()
    loss.backward()
    optimizer.update()
params = b"".join(np.ascontiguousarray(p.data).tobytes() for p in model.params())
moved = not np.array_equal(before, model.second.W.data)
print(f"rank {comm.rank} digest {hashlib.sha256(params).hexdigest()[:16]} moved {moved}", flush=True)
