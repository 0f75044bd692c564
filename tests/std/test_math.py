"""Elementwise math and training-time noise: bad arguments name the op."""

import numpy as np
import pytest

import dezero_plug as dezero
import dezero_plug.functions as F
from dezero_plug import Variable


def test_clip_with_min_above_max(asarray):
    with pytest.raises(ValueError, match=r"^clip: x_min 1 is greater than x_max 0"):
        F.clip(Variable(asarray(np.ones(2))), 1, 0)


@pytest.mark.parametrize("ratio", [-0.1, 1.0])
def test_dropout_ratio_outside_0_1(asarray, ratio):
    with pytest.raises(ValueError, match=rf"^dropout: dropout_ratio must be in \[0, 1\); got {ratio}"):
        F.dropout(Variable(asarray(np.ones(2))), ratio)


def test_dropout_is_the_identity_in_test_mode_and_scales_in_training(asarray, to_numpy):
    x = Variable(asarray(np.ones((50, 40))))
    with dezero.test_mode():
        assert F.dropout(x) is x
    kept = to_numpy(F.dropout(x, 0.5))
    assert set(np.unique(kept)) <= {0.0, 2.0} and 0.4 < (kept > 0).mean() < 0.6


def test_accuracy_with_a_label_count_mismatch(asarray):
    with pytest.raises(ValueError, match=r"^accuracy: 3 predictions \(scores \(3, 2\)\) but 2 labels"):
        F.accuracy(asarray(np.ones((3, 2))), asarray(np.array([0, 1])))
