"""Make dezero_0.0.13.npz and the DeZero-saved weights with dezero 0.0.13 itself (not with dezero_plug).

dezero 0.0.13 only imports with numpy < 1.24 (it uses np.int), so run this in
a venv of its own, from the repository root:

    python3 -m venv /tmp/venv-dezero
    /tmp/venv-dezero/bin/pip install "numpy<1.24" matplotlib dezero==0.0.13
    /tmp/venv-dezero/bin/python tests/golden/make_golden.py

The files are committed; tests/test_golden.py compares dezero_plug against them.
"""

import os
import sys

import dezero as dz
import dezero.functions as F
import dezero.layers as L
import dezero.models
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
from cases import CASES  # noqa: E402

assert dz.__version__ == "0.0.13", dz.__version__

arrays = {}
for name, run in CASES.items():
    y, xs = run(dz, F)
    arrays[f"{name}/y"] = np.asarray(y.data)
    if y.creator is not None:
        y.backward()
    for i, x in enumerate(xs):
        if x.grad is not None:
            arrays[f"{name}/grad{i}"] = np.asarray(x.grad.data)
np.savez(os.path.join(here, "dezero_0.0.13.npz"), **arrays)

# Weights saved by DeZero itself, for the load test of Layer.load_weights.
np.random.seed(0)
model = dezero.models.MLP((5, 3))
model(np.random.rand(4, 2))
model.save_weights(os.path.join(here, "dezero_mlp_weights.npz"))
np.save(os.path.join(here, "dezero_mlp_input.npy"), np.random.RandomState(1).rand(4, 2))
np.save(os.path.join(here, "dezero_mlp_output.npy"), model(np.load(os.path.join(here, "dezero_mlp_input.npy"))).data)

conv = L.Conv2d(4, kernel_size=3, stride=1, pad=1)
conv(np.random.rand(1, 2, 5, 5))
conv.save_weights(os.path.join(here, "dezero_conv_weights.npz"))
x, t = dezero.datasets.get_spiral(train=True)
np.savez(os.path.join(here, "dezero_spiral.npz"), x=x, t=t)
print(f"wrote {len(arrays)} arrays for {len(CASES)} cases")
