"""Golden cases shared by make_golden.py (run under dezero 0.0.13) and test_golden.py (under dezero_plug).

Each case gets the framework module ``dz`` and its ``F`` and returns
``(output, [input Variables])``; the maker stores the output and each input's
gradient after ``output.backward()``. Only DeZero's API is used, only where
DeZero is correct (its defects have tests of their own in tests/std/).
"""

import numpy as np


def inputs(*shapes, seed=0, low=-1.0, high=1.0):
    rng = np.random.RandomState(seed)
    return [rng.uniform(low, high, size=s) for s in shapes]


def distinct(shape, seed=0):
    size = int(np.prod(shape))
    return (np.random.RandomState(seed).permutation(size) * 0.1 - size * 0.05).reshape(shape)


def v(dz, *arrays):
    return [dz.Variable(a) for a in arrays]


def case(fn, *shapes, seed=0, low=-1.0, high=1.0, arrays=None):
    def run(dz, F):
        xs = v(dz, *(arrays() if arrays else inputs(*shapes, seed=seed, low=low, high=high)))
        return fn(dz, F, *xs), xs

    return run


LABELS = np.array([2, 0, 1, 2, 1])
IDS = np.array([[0, 2], [3, 3]])


def _dropout(dz, F, x):
    np.random.seed(0)
    return F.dropout(x, 0.4)


def _batch_norm(dz, F, x, gamma, beta):
    c = gamma.shape[0]
    return F.batch_nrom(x, gamma, beta, np.zeros(c), np.ones(c))


def _accuracy(dz, F, x):
    return F.accuracy(x, LABELS)


CASES = {
    "add_broadcast": case(lambda dz, F, a, b: a + b, (3, 4), (4,)),
    "sub_scalar": case(lambda dz, F, a: 2.0 - a * 3, (3, 4)),
    "mul_broadcast": case(lambda dz, F, a, b: a * b, (3, 1), (1, 4)),
    "div": case(lambda dz, F, a, b: a / b, (3, 4), (3, 4), low=0.5, high=2.0),
    "pow_neg": case(lambda dz, F, a: -(a**3), (2, 3)),
    "sin_cos_tanh": case(lambda dz, F, a: F.sin(a) * F.cos(a) + F.tanh(a), (3, 4)),
    "exp_log": case(lambda dz, F, a: F.exp(a) + F.log(a), (3, 4), low=0.5, high=2.0),
    "reshape_transpose": case(lambda dz, F, a: F.transpose(F.reshape(a, (4, 6)), None) * 2, (2, 3, 4)),
    "transpose_axes": case(lambda dz, F, a: a.transpose(1, 2, 0) * 1.5, (2, 3, 4)),
    "sum_axis": case(lambda dz, F, a: F.sum(a, axis=1, keepdims=True) * a, (3, 4)),
    "sum_to_broadcast_to": case(lambda dz, F, a: F.broadcast_to(F.sum_to(a, (1, 4)), (3, 4)) * a, (3, 4)),
    "get_item_slices": case(lambda dz, F, a: F.get_item(a, (slice(None), slice(1, 3))) * 2, (3, 4)),
    "get_item_fancy": case(lambda dz, F, a: a[np.array([0, 2, 2])] * 1.0, (3, 4)),
    "expand_dims_flatten": case(lambda dz, F, a: F.flatten(F.expand_dims(a, 1)), (2, 3, 2)),
    "matmul": case(lambda dz, F, a, b: F.matmul(a, b), (3, 4), (4, 2)),
    "linear": case(lambda dz, F, a, W, b: F.linear(a, W, b), (3, 4), (4, 2), (2,)),
    "linear_simple": case(lambda dz, F, a, W, b: F.linear_simple(a, W, b), (3, 4), (4, 2), (2,)),
    "sigmoid": case(lambda dz, F, a: F.sigmoid(a), (3, 4), low=-3, high=3),
    "sigmoid_simple": case(lambda dz, F, a: F.sigmoid_simple(a), (3, 4), low=-3, high=3),
    "relu": case(lambda dz, F, a: F.relu(a), (3, 4)),
    "leaky_relu": case(lambda dz, F, a: F.leaky_relu(a, 0.1), (3, 4)),
    "softmax": case(lambda dz, F, a, w: F.softmax(a) * w, (3, 5), (3, 5)),
    "softmax_simple": case(lambda dz, F, a, w: F.softmax_simple(a) * w, (3, 5), (3, 5)),
    "log_softmax": case(lambda dz, F, a, w: F.log_softmax(a) * w, (3, 5), (3, 5)),
    "mean_squared_error": case(lambda dz, F, a, b: F.mean_squared_error(a, b), (5, 3), (5, 3)),
    "mean_squared_error_simple": case(lambda dz, F, a, b: F.mean_squared_error_simple(a, b), (5, 3), (5, 3)),
    "softmax_cross_entropy": case(lambda dz, F, a: F.softmax_cross_entropy(a, LABELS), (5, 3)),
    "softmax_cross_entropy_simple": case(lambda dz, F, a: F.softmax_cross_entropy_simple(a, LABELS), (5, 3)),
    "sigmoid_cross_entropy": case(lambda dz, F, a: F.sigmoid_cross_entropy(a, np.array([[1], [0], [1], [1]])), (4, 1)),
    "binary_cross_entropy": case(
        lambda dz, F, a: F.binary_cross_entropy(a, np.array([[1], [0], [1], [0]])), (4, 1), low=0.1, high=0.9
    ),
    "accuracy": case(_accuracy, (5, 3)),
    "max_min": case(
        lambda dz, F, a: F.max(a, axis=1) + F.min(a, axis=0).sum(), None, arrays=lambda: [distinct((3, 4))]
    ),
    "clip": case(lambda dz, F, a: F.clip(a, -0.5, 0.5), (3, 4)),
    "dropout": case(_dropout, (4, 5)),
    "batch_nrom_2d": case(_batch_norm, (6, 3), (3,), (3,)),
    "batch_nrom_4d": case(_batch_norm, (2, 3, 2, 2), (3,), (3,)),
    "embed_id": case(lambda dz, F, W: F.embed_id(IDS, W) * 1.0, (4, 3)),
    "conv2d": case(lambda dz, F, x, W, b: F.conv2d(x, W, b, stride=2, pad=1), (2, 3, 5, 5), (4, 3, 3, 3), (4,)),
    "conv2d_simple": case(lambda dz, F, x, W, b: F.conv2d_simple(x, W, b, pad=1), (2, 2, 4, 4), (3, 2, 3, 3), (3,)),
    "deconv2d": case(lambda dz, F, x, W, b: F.deconv2d(x, W, b, stride=2, pad=1), (2, 3, 3, 3), (3, 2, 3, 3), (2,)),
    "pooling": case(lambda dz, F, x: F.pooling(x, 2, 2), None, arrays=lambda: [distinct((2, 2, 4, 4))]),
    "pooling_simple": case(
        lambda dz, F, x: F.pooling_simple(x, 2, 2), None, arrays=lambda: [distinct((2, 2, 4, 4), 1)]
    ),
    "average_pooling": case(lambda dz, F, x: F.average_pooling(x, 2, 2), (2, 2, 4, 4)),
    "im2col": case(lambda dz, F, x: F.im2col(x, 3, 1, 1), (1, 2, 4, 4)),
    "col2im": case(lambda dz, F, c: F.col2im(c, (1, 2, 4, 4), 3, 1, 1), (16, 18)),
}
