"""dezero_plug matches dezero 0.0.13 to 1e-6 (float64) wherever DeZero is correct.

The expected values were made by tests/golden/make_golden.py running dezero
0.0.13 itself in a venv of its own; the same case table drives both sides.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

import dezero_plug as dz
import dezero_plug.functions as F

GOLDEN = Path(__file__).parent / "golden"
sys.path.insert(0, str(GOLDEN))
from cases import CASES  # noqa: E402

EXPECTED = np.load(GOLDEN / "dezero_0.0.13.npz")


@pytest.mark.backend("numpy")
@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_dezero(name):
    y, xs = CASES[name](dz, F)
    np.testing.assert_allclose(y.data, EXPECTED[f"{name}/y"], rtol=1e-6, atol=1e-9, err_msg=f"{name}: forward")
    if y.creator is not None:
        y.backward()
    for i, x in enumerate(xs):
        key = f"{name}/grad{i}"
        if key in EXPECTED:
            assert x.grad is not None, f"{name}: input {i} got no gradient, DeZero's did"
            np.testing.assert_allclose(x.grad.data, EXPECTED[key], rtol=1e-6, atol=1e-9, err_msg=f"{name}: grad {i}")


def test_every_case_has_golden_values():
    assert {key.split("/")[0] for key in EXPECTED.files} == set(CASES)
