"""batch_norm: exact second derivatives, a working backward in test mode, running statistics."""

import numpy as np
import pytest

import dezero_plug as dezero
import dezero_plug.functions as F
from dezero_plug import Variable
from dezero_plug.testing import check_double_backward


def test_second_derivative_in_x_is_exact(backend):
    # DeZero treats 1/std as a constant in its backward: its second derivative in x is wrong.
    rng = np.random.default_rng(0)
    x, gamma, beta = (
        backend.from_numpy(a) for a in (rng.normal(size=(5, 3)), rng.uniform(0.5, 1.5, 3), rng.normal(size=3))
    )

    def bn(x, gamma, beta):
        mean, var = Variable(backend.from_numpy(np.zeros(3))), Variable(backend.from_numpy(np.ones(3)))
        return F.batch_norm(x, gamma, beta, mean, var)

    check_double_backward(bn, [x, gamma, beta], backend=backend)


def test_backward_works_in_test_mode(asarray, to_numpy):
    # DeZero's backward reads inv_std, which only training sets: it crashes in test mode.
    x = Variable(asarray(np.ones((2, 3))))
    gamma = Variable(asarray(np.full(3, 2.0)))
    with dezero.test_mode():
        y = F.batch_norm(
            x, gamma, Variable(asarray(np.zeros(3))), asarray(np.zeros(3)), asarray(np.full(3, 3.0)), eps=1.0
        )
    y.backward()
    np.testing.assert_allclose(to_numpy(x.grad), np.full((2, 3), 1.0))  # gamma / sqrt(var + eps) = 2 / 2


def test_running_statistics_held_by_variables_are_rebound_on_every_backend(asarray, to_numpy):
    mean, var = Variable(asarray(np.zeros(2))), Variable(asarray(np.ones(2)))
    before = mean.data
    x = asarray(np.array([[1.0, 2.0], [3.0, 6.0]]))
    F.batch_norm(x, asarray(np.ones(2)), asarray(np.zeros(2)), mean, var, decay=0.5)
    np.testing.assert_allclose(to_numpy(mean.data), [1.0, 2.0])  # 0.5·0 + 0.5·[2, 4]
    np.testing.assert_allclose(to_numpy(var.data), [1.5, 4.5])  # 0.5·1 + 0.5·(2/1)·[1, 4]
    np.testing.assert_allclose(to_numpy(before), [0.0, 0.0])  # a new array: the old one was not written


def test_raw_running_statistics_are_updated_in_place_where_arrays_are_mutable(backend, asarray, to_numpy):
    mean, var = asarray(np.zeros(2)), asarray(np.ones(2))
    x = asarray(np.array([[1.0, 2.0], [3.0, 6.0]]))
    if not backend.mutable_arrays:  # DeZero's API needs writable arrays: refused, naming the way out
        with pytest.raises(TypeError, match=r"^batch_norm: the running mean is a raw \w+ array.*pass it as a Variable"):
            F.batch_norm(x, asarray(np.ones(2)), asarray(np.zeros(2)), mean, var, decay=0.5)
        return
    F.batch_norm(x, asarray(np.ones(2)), asarray(np.zeros(2)), mean, var, decay=0.5)
    np.testing.assert_allclose(to_numpy(mean), [1.0, 2.0])
    np.testing.assert_allclose(to_numpy(var), [1.5, 4.5])


def test_batch_nrom_is_the_documented_alias():
    assert "batch_norm" in F.batch_nrom.__doc__


def test_wrong_channel_count_names_it(asarray):
    with pytest.raises(ValueError, match=r"^batch_norm: input has 3 channels but gamma has shape \(2,\)"):
        F.batch_norm(
            asarray(np.ones((4, 3))),
            asarray(np.ones(2)),
            asarray(np.zeros(2)),
            Variable(asarray(np.zeros(2))),
            Variable(asarray(np.ones(2))),
        )
