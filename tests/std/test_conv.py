"""Convolution and pooling: DeZero's defects fixed, errors, and the array helpers."""

import numpy as np
import pytest

import dezero_plug.functions as F
from dezero_plug import Variable
from dezero_plug.testing import check_backward
from dezero_plug.testing import check_double_backward


def rand(*shape, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, size=shape)


def test_conv2d_weight_gradient_is_differentiable(backend):
    # DeZero's Conv2DGradW.backward reads its own outputs: double backprop through W breaks.
    x, W = backend.from_numpy(rand(1, 2, 4, 4)), backend.from_numpy(rand(3, 2, 3, 3, seed=1))
    check_double_backward(lambda x, W: F.conv2d(x, W, stride=1, pad=1), [x, W], backend=backend)


def test_deconv2d_weight_gradient_is_differentiable(backend):
    x, W = backend.from_numpy(rand(1, 2, 3, 3)), backend.from_numpy(rand(2, 3, 3, 3, seed=1))
    check_double_backward(lambda x, W: F.deconv2d(x, W, stride=2, pad=1), [x, W], backend=backend)


def test_max_pooling_third_derivative(asarray, to_numpy):
    # f = Σ m³ over window maxima m: d³f/dm³ = 6 at each argmax, 0 elsewhere. DeZero fails at third order.
    data = np.arange(16.0).reshape(1, 1, 4, 4) / 10 + 0.1
    x = Variable(asarray(data))
    (F.pooling(x, 2, 2) ** 3).sum().backward(create_graph=True)
    for _ in range(2):
        g = x.grad
        x.cleargrad()
        g.sum().backward(create_graph=True)
    expected = np.zeros((4, 4))
    expected[1::2, 1::2] = 6.0
    np.testing.assert_allclose(to_numpy(x.grad)[0, 0], expected, rtol=1e-12)


def test_max_pooling_pads_with_minus_infinity_not_zero(asarray, to_numpy):
    x = Variable(asarray(-np.arange(1.0, 10.0).reshape(1, 1, 3, 3)))  # all negative
    y = F.pooling(x, kernel_size=2, stride=2, pad=1)
    np.testing.assert_array_equal(to_numpy(y)[0, 0], [[-1.0, -2.0], [-4.0, -5.0]])


def test_average_pooling_backward_with_a_rectangular_kernel(backend):
    # DeZero swaps KH and KW in the backward: it breaks on non-square kernels.
    x = backend.from_numpy(rand(1, 2, 6, 4))
    check_backward(lambda x: F.average_pooling(x, kernel_size=(3, 2), stride=(3, 2)), [x], backend=backend)


def test_conv2d_channel_mismatch_names_both_shapes(asarray):
    with pytest.raises(
        ValueError,
        match=r"^conv2d: input of shape \(1, 3, 5, 5\) has 3 channels but the weight of shape \(4, 2, 3, 3\) expects 2",
    ):
        F.conv2d(Variable(asarray(np.ones((1, 3, 5, 5)))), Variable(asarray(np.ones((4, 2, 3, 3)))))


def test_kernel_larger_than_the_input_is_an_error(asarray):
    with pytest.raises(
        ValueError,
        match=r"^pooling: kernel \(5, 5\) with stride \(1, 1\) and pad \(0, 0\) does not fit an input of shape "
        r"\(1, 1, 3, 3\)",
    ):
        F.pooling(Variable(asarray(np.ones((1, 1, 3, 3)))), 5)


def test_conv2d_needs_a_4d_input(asarray):
    with pytest.raises(ValueError, match=r"expected an \(N, C, H, W\) input; got shape \(3, 5, 5\)"):
        F.conv2d(Variable(asarray(np.ones((3, 5, 5)))), Variable(asarray(np.ones((4, 3, 3, 3)))))


@pytest.mark.backend("numpy")
def test_im2col_matches_the_loop_definition():
    x = rand(2, 3, 7, 6)
    col = F.im2col(x, (3, 2), stride=(2, 1), pad=1, to_matrix=False).data
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    for j in range(3):
        for i in range(2):
            np.testing.assert_array_equal(col[:, :, j, i], padded[:, :, j : j + 2 * 4 : 2, i : i + 7])


@pytest.mark.backend("numpy")
def test_col2im_is_the_adjoint_of_im2col():
    x, c = rand(2, 2, 5, 5), rand(2, 2, 3, 3, 3, 3, seed=3)
    lhs = np.sum(F.im2col(x, 3, 1, 0, to_matrix=False).data * c)
    rhs = np.sum(x * F.col2im(c, x.shape, 3, 1, 0, to_matrix=False).data)
    assert lhs == pytest.approx(rhs, rel=1e-12)


def test_tiling_pooling_takes_the_strided_path_and_agrees_with_the_patch_path(asarray, to_numpy):
    from dezero_plug.std import conv
    from dezero_plug.testing import distinct_values

    x_values = distinct_values((2, 3, 4, 6), 5)
    fast, slow = Variable(asarray(x_values)), Variable(asarray(x_values))
    y_fast = F.pooling(fast, 2, 2)  # windows tile the input: strided views
    assert conv._tiles(y_fast.creator, x_values.shape) == (2, 2)
    y_slow = F.pooling_simple(slow, 2, 2)  # the book's im2col + max
    np.testing.assert_array_equal(to_numpy(y_fast.data), to_numpy(y_slow.data))
    F.sum(y_fast * y_fast).backward()
    F.sum(y_slow * y_slow).backward()
    np.testing.assert_allclose(to_numpy(fast.grad.data), to_numpy(slow.grad.data))
    assert conv._tiles(F.pooling(Variable(asarray(x_values)), 3, 2).creator, x_values.shape) is None


@pytest.mark.parametrize("k", [2, 3])
def test_tiling_pooling_routes_a_tied_window_gradient_to_its_first_maximum_only(asarray, to_numpy, k):
    # Small integers: most windows hold ties, some at every position. The strided path must send each
    # window's gradient to one element, the first maximum in row-major order, as the patch path's argmax
    # (taken for an input one row and column larger, which the windows do not reach, so they do not tile).
    from dezero_plug.std import conv

    x_values = np.random.default_rng(0).integers(0, 3, size=(2, 3, 3 * k, 2 * k)).astype(np.float64)
    fast, slow = Variable(asarray(x_values)), Variable(asarray(np.pad(x_values, ((0, 0), (0, 0), (0, 1), (0, 1)))))
    gy = np.arange(1.0, 1.0 + 2 * 3 * 3 * 2).reshape(2, 3, 3, 2)
    y_fast, y_slow = F.pooling(fast, k, k), F.pooling(slow, k, k)
    assert conv._tiles(y_slow.creator, slow.shape) is None
    F.sum(y_fast * asarray(gy)).backward()
    F.sum(y_slow * asarray(gy)).backward()
    gx = to_numpy(fast.grad.data)
    np.testing.assert_array_equal(gx, to_numpy(slow.grad.data)[:, :, :-1, :-1])
    windows = gx.reshape(2, 3, 3, k, 2, k)
    np.testing.assert_array_equal((windows != 0).sum(axis=(3, 5)), np.ones((2, 3, 3, 2)))


def _channels_last(a):
    return a.transpose(0, 2, 3, 1).flags.c_contiguous


@pytest.mark.backend("numpy")
def test_conv2d_keeps_channels_last_memory_through_relu_pooling_and_the_next_conv():
    # The speed of the CNN step rests on this: a copy back to (N, C, H, W) order per op costs as much as the op
    x = Variable(rand(2, 3, 8, 8).astype(np.float32))
    W1, W2 = rand(4, 3, 3, 3, seed=1).astype(np.float32), rand(5, 4, 3, 3, seed=2).astype(np.float32)
    h = F.relu(F.conv2d(x, W1, np.zeros(4, np.float32), 1, 1))
    assert _channels_last(h.data) and not h.data.flags.c_contiguous
    p = F.pooling(h, 2, 2)
    y = F.conv2d(p, W2, None, 1, 1)
    assert _channels_last(p.data) and _channels_last(y.data)
    F.sum(y * y).backward()
    assert _channels_last(h.creator.inputs[0].data)
    want = F.conv2d(Variable(np.ascontiguousarray(p.data)), W2, None, 1, 1).data  # same numbers either order
    np.testing.assert_allclose(y.data, want, rtol=1e-6)


def test_deconv2d_outsize_that_does_not_map_back_names_both_sizes(asarray):
    x, W = asarray(rand(1, 2, 3, 3)), asarray(rand(2, 3, 3, 3, seed=1))
    with pytest.raises(ValueError, match=r"deconv2d: outsize \(9, 9\) does not map back to the input's \(3, 3\)"):
        F.deconv2d(x, W, stride=2, pad=1, outsize=(9, 9))
    assert F.deconv2d(x, W, stride=2, pad=1, outsize=(6, 6)).shape == (1, 3, 6, 6)  # 5 and 6 both map to 3
