"""Losses: labels are validated (DeZero accepts (N, 1) and negative labels silently), broadcasting grads."""

import numpy as np
import pytest

import dezero_plug.functions as F
from dezero_plug import Variable


@pytest.fixture
def scores(asarray):
    return Variable(asarray(np.random.default_rng(0).uniform(-1, 1, (4, 3))))


def test_labels_of_shape_n_by_1_are_refused(scores, asarray):
    with pytest.raises(
        ValueError, match=r"^softmax_cross_entropy: labels must have shape \(N,\) = \(4,\) .* got \(4, 1\)"
    ):
        F.softmax_cross_entropy(scores, asarray(np.array([[0], [1], [2], [0]])))


def test_negative_or_too_large_labels_are_refused(scores, asarray):
    with pytest.raises(ValueError, match=r"labels must be class ids in \[0, 3\); got values from -1 to 2"):
        F.softmax_cross_entropy(scores, asarray(np.array([0, -1, 2, 1])))
    with pytest.raises(ValueError, match=r"labels must be class ids in \[0, 3\); got values from 0 to 3"):
        F.softmax_cross_entropy_simple(scores, asarray(np.array([0, 3, 2, 1])))


def test_float_labels_are_a_type_error(scores, asarray):
    with pytest.raises(TypeError, match=r"^softmax_cross_entropy: labels must be integer class ids; got dtype"):
        F.softmax_cross_entropy(scores, asarray(np.array([0.0, 1.0, 2.0, 1.0])))


def test_softmax_cross_entropy_float32_stays_float32(asarray, xp):
    x = Variable(asarray(np.zeros((2, 3)), dtype=np.float32))
    loss = F.softmax_cross_entropy(x, asarray(np.array([0, 2])))
    loss.backward()
    assert loss.dtype == xp.float32 and x.grad.dtype == xp.float32
    assert float(loss.data) == pytest.approx(np.log(3.0), rel=1e-6)


def test_mean_squared_error_gradients_have_the_input_shapes_when_broadcasting(asarray):
    # DeZero returns gradients of the broadcast shape for both inputs.
    a, b = Variable(asarray(np.ones((4, 3)))), Variable(asarray(np.zeros((3,))))
    F.mean_squared_error(a, b).backward()
    assert a.grad.shape == (4, 3) and b.grad.shape == (3,)


def test_targets_of_another_size_are_refused(asarray):
    with pytest.raises(
        ValueError, match=r"^sigmoid_cross_entropy: targets of shape \(3,\) do not match scores of shape \(4, 1\)"
    ):
        F.sigmoid_cross_entropy(Variable(asarray(np.zeros((4, 1)))), asarray(np.array([1, 0, 1])))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_numpy_kernel_of_softmax_cross_entropy_agrees_with_the_array_api_forward(dtype):
    """numpy runs its kernel (numpy_kernels); the op's own forward is what every other backend runs."""
    from dezero_plug.registry import REGISTRY
    from dezero_plug.std.loss import SoftmaxCrossEntropy
    from dezero_plug.std.numpy_kernels import softmax_cross_entropy_backward
    from dezero_plug.std.numpy_kernels import softmax_cross_entropy_forward

    kernel = REGISTRY.kernels[SoftmaxCrossEntropy]["numpy"]
    assert (kernel.forward, kernel.backward_arrays) == (softmax_cross_entropy_forward, softmax_cross_entropy_backward)
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((7, 5)) * 30).astype(dtype)  # large scores: the shift by the row max matters
    t = rng.integers(0, 5, 7)
    by_kernel, by_forward = SoftmaxCrossEntropy(), SoftmaxCrossEntropy()
    kernel_loss, forward_loss = softmax_cross_entropy_forward(by_kernel, x, t), by_forward.forward(x, t)
    assert np.asarray(kernel_loss).dtype == dtype
    np.testing.assert_allclose(kernel_loss, forward_loss, rtol=1e-6 if dtype == np.float32 else 1e-13)
    for name in ("exp_scores", "exp_sums"):  # what the plain backward reads
        np.testing.assert_allclose(getattr(by_kernel, name), getattr(by_forward, name), rtol=1e-6)
    by_kernel.inputs = by_forward.inputs = (Variable(x), Variable(t))
    gy = np.asarray(2.0, dtype=dtype)  # the kernel's in-place backward against the op's own
    by_op = SoftmaxCrossEntropy.backward_arrays(by_forward, gy)[0]
    np.testing.assert_allclose(softmax_cross_entropy_backward(by_kernel, gy)[0], by_op, rtol=1e-5, atol=1e-7)
    xv = Variable(x)
    F.softmax_cross_entropy(xv, t).backward()
    p = np.exp(x - x.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(7), t] -= 1
    np.testing.assert_allclose(xv.grad.data, p / 7, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-7)


def test_softmax_cross_entropy_backward_twice_on_one_graph_gives_the_same_gradient(asarray, to_numpy):
    """numpy's plain backward writes its result into the forward's exp array: a second pass must recompute it.

    Repeated labels too (the one-hot is subtracted by indexing, ``e[rows, t] -= 1``), and a loss scaled
    by 2 (the incoming gradient multiplies the result).
    """
    rng = np.random.default_rng(2)
    x = Variable(asarray(rng.standard_normal((6, 4))))
    t = asarray(np.array([1, 1, 3, 0, 1, 2]))
    loss = F.softmax_cross_entropy(x, t)
    loss.backward()
    first = to_numpy(x.grad.data).copy()
    x.cleargrad()
    loss.backward()
    np.testing.assert_array_equal(to_numpy(x.grad.data), first)
    data = to_numpy(x.data)
    p = np.exp(data - data.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(6), [1, 1, 3, 0, 1, 2]] -= 1
    np.testing.assert_allclose(first, p / 6, rtol=1e-12, atol=1e-15)
    x.cleargrad()
    (2.0 * F.softmax_cross_entropy(x, t)).backward()
    np.testing.assert_allclose(to_numpy(x.grad.data), 2 * first, rtol=1e-12)
