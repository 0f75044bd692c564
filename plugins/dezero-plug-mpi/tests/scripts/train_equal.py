"""Under mpiexec: each rank trains on its half of every batch; rank 0 also trains one process on whole batches.

Prints, per rank, one line: ``rank R digest D`` (a hash of the parameters' bytes) and, on rank 0,
``same`` when the data-parallel parameters equal the one-process ones within the dtype's tolerance.
Usage: train_equal.py MODEL(mlp|conv) OPTIMIZER(SGD|MomentumSGD|Adam) DTYPE(float64|float32) [BACKEND]
With BACKEND (array_api_strict, jax ...) the ranks train on it: gradients are staged through host memory.
"""

import hashlib
import sys

import numpy as np

import dezero_plug as dz
import dezero_plug.functions as F
import dezero_plug.layers as L
from dezero_plug.distributed import create_communicator
from dezero_plug.distributed import create_multi_node_optimizer

model_kind, optimizer_name, dtype_name = sys.argv[1:4]
backend = dz.backends.get_backend(sys.argv[4]) if len(sys.argv) > 4 else dz.backends.get_backend("numpy")
dtype = np.dtype(dtype_name)
STEPS, BATCH = 20, 12


class ConvPool(dz.Model):
    def __init__(self):
        super().__init__()
        self.conv = L.Conv2d(3, kernel_size=3, pad=1, dtype=dtype)
        self.fc = L.Linear(3, dtype=dtype)

    def forward(self, x):
        h = F.pooling(F.relu(self.conv(x)), 2, 2)
        return self.fc(F.reshape(h, (h.shape[0], -1)))


class Perceptron(dz.Model):
    def __init__(self):
        super().__init__()
        self.l0, self.l1 = L.Linear(8, dtype=dtype), L.Linear(3, dtype=dtype)

    def forward(self, x):
        return self.l1(F.tanh(self.l0(x)))


def make_model():
    np.random.seed(1)  # every rank and the one-process run start from the same weights
    return ConvPool() if model_kind == "conv" else Perceptron()


def make_optimizer():
    return {
        "SGD": lambda: dz.optimizers.SGD(lr=0.1),
        "MomentumSGD": lambda: dz.optimizers.MomentumSGD(lr=0.05),
        "Adam": lambda: dz.optimizers.Adam(alpha=0.01),
    }[optimizer_name]()


rng = np.random.default_rng(0)
shape = (STEPS, BATCH, 1, 6, 6) if model_kind == "conv" else (STEPS, BATCH, 4)
xs = rng.standard_normal(shape).astype(dtype)
ts = rng.integers(0, 3, size=(STEPS, BATCH))


NUMPY = dz.backends.get_backend("numpy")


def train(model, optimizer, part, on=NUMPY):
    with dz.no_grad():
        model(xs[0][part])  # lazy layers make their weights (on numpy, from the same seed on every rank)
    model.to_backend(on)
    for x, t in zip(xs, ts):
        loss = F.softmax_cross_entropy(model(on.from_numpy(x[part])), on.from_numpy(t[part]))
        model.cleargrads()
        loss.backward()
        optimizer.update()
    return [on.to_numpy(p.data) for p in model.params()]


comm = create_communicator()
half = BATCH // comm.size
mine = slice(comm.rank * half, (comm.rank + 1) * half)
model = make_model()
parallel = train(model, create_multi_node_optimizer(make_optimizer(), comm).setup(model), mine, backend)
digest = hashlib.sha256(b"".join(np.ascontiguousarray(p).tobytes() for p in parallel)).hexdigest()[:16]
print(f"rank {comm.rank} digest {digest}", flush=True)
if comm.rank == 0:
    alone = make_model()
    single = train(alone, make_optimizer().setup(alone), slice(None))
    tolerance = 1e-6 if dtype == np.float64 else 1e-5
    for i, (a, b) in enumerate(zip(single, parallel)):
        assert a.dtype == dtype and b.dtype == dtype, (a.dtype, b.dtype)
        np.testing.assert_allclose(b, a, rtol=tolerance, atol=tolerance, err_msg=f"parameter {i}")
    print("same", flush=True)
