"""The bad-input table: one case per public function, layer, optimizer, loader, weights path and plugin entry
point and per family that applies (wrong type, shape, dtype, out-of-range value, empty/0-d).

Each case asserts the exception type, that the message starts with the name the user called (``matmul``,
``relu``: never ``mat_mul``, ``re_lu``) and that it shows the offending shapes, dtypes or values. None may
be numpy's bare message.
"""

import types

import numpy as np
import pytest

import dezero_plug.functions as F
import dezero_plug.layers as L
import dezero_plug.optimizers as O
from dezero_plug import DataLoader
from dezero_plug import SeqDataLoader
from dezero_plug import Variable
from dezero_plug import hookimpl
from dezero_plug import override
from dezero_plug import plugin_manager
from dezero_plug.errors import PluginError
from dezero_plug.errors import PluginValidationError
from dezero_plug.errors import WeightsFileError
from dezero_plug.models import MLP


def v(a, *shape, dtype=np.float64, fill=0.5):
    """A Variable of ``shape`` on the backend under test (``a`` is the asarray fixture)."""
    return Variable(a(np.full(shape, fill, dtype=dtype)))


def img(a, *shape):
    return v(a, *(shape or (1, 2, 4, 4)))


UNARY = ["exp", "log", "sin", "cos", "tanh", "square", "sqrt", "abs", "relu", "sigmoid", "leaky_relu", "neg"]
UNARY += ["softmax", "log_softmax", "sum", "mean", "average", "max", "min", "flatten", "var", "dropout"]
BINARY = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "matmul", "mean_squared_error"]
BINARY += ["mean_absolute_error"]

CASES = {}

# -------------------------------------------------------------- wrong type: a str where an array goes
for name in UNARY:
    CASES[f"{name}-str"] = (lambda a, name=name: getattr(F, name)("text"), TypeError, [f"{name}: input 0 is a str"])
for name in BINARY:
    if name == "pow":
        continue
    CASES[f"{name}-dict"] = (
        lambda a, name=name: getattr(F, name)(v(a, 2), {}),
        TypeError,
        [f"{name}:", "input 1 is a dict"],
    )
CASES["linear-list"] = (lambda a: F.linear([[1.0]], v(a, 1, 1)), TypeError, ["linear: input 0 is a list"])
CASES["reshape-shape-str"] = (lambda a: F.reshape(v(a, 2, 3), "6"), TypeError, ["reshape", "'6'"])
CASES["sum-axis-float"] = (lambda a: F.sum(v(a, 2, 3), axis=1.5), TypeError, ["sum: axis must be an int", "1.5"])
CASES["max-axis-str"] = (lambda a: F.max(v(a, 2, 3), axis="0"), TypeError, ["max: axis must be an int", "'0'"])
CASES["softmax-axis-float"] = (lambda a: F.softmax(v(a, 2, 3), axis=0.5), TypeError, ["softmax: axis", "0.5"])
CASES["conv2d-stride-str"] = (
    lambda a: F.conv2d(img(a), v(a, 3, 2, 2, 2), stride="1"),
    TypeError,
    ["conv2d: stride must be an int or a pair of ints", "'1'"],
)
CASES["pooling-kernel-float"] = (
    lambda a: F.pooling(img(a), 2.5),
    TypeError,
    ["pooling: kernel_size must be an int or a pair of ints", "2.5"],
)
CASES["concat-not-a-list"] = (lambda a: F.concat(v(a, 2)), TypeError, ["concat: expected a list", "Variable"])
CASES["data-assigned-a-list"] = (
    lambda a: setattr(v(a, 2), "data", [1.0, 2.0]),
    TypeError,
    ["Variable data must be an array", "got list", "np.asarray([1.0, 2.0])"],
)
CASES["data-none-then-unary"] = (lambda a: F.sigmoid(_no_data(a)), TypeError, ["sigmoid: input 0", "holds no data"])


def _no_data(a):
    x = v(a, 2)
    x.data = None
    return x


# -------------------------------------------------------------- wrong shape
SHAPES = [((2, 3), (4,))]
for name in ["add", "sub", "mul", "div", "maximum", "minimum", "mean_squared_error", "mean_absolute_error"]:
    CASES[f"{name}-broadcast"] = (
        lambda a, name=name: getattr(F, name)(v(a, 2, 3), v(a, 4)),
        ValueError,
        [f"{name}:", "(2, 3)", "(4,)"],
    )
CASES["operator-plus"] = (lambda a: v(a, 2, 3) + v(a, 4), ValueError, ["add:", "(2, 3)", "(4,)"])
CASES["operator-times"] = (lambda a: v(a, 2, 3) * v(a, 4), ValueError, ["mul:", "(2, 3)", "(4,)"])
CASES["operator-matmul"] = (
    lambda a: v(a, 2, 3) @ v(a, 4, 4) if hasattr(Variable, "__matmul__") else F.matmul(v(a, 2, 3), v(a, 4, 4)),
    ValueError,
    ["matmul:", "(2, 3)", "(4, 4)"],
)
CASES["matmul-inner"] = (lambda a: F.matmul(v(a, 2, 3), v(a, 4, 4)), ValueError, ["matmul:", "(2, 3)", "(4, 4)"])
CASES["matmul-0d"] = (lambda a: F.matmul(v(a), v(a, 2, 2)), ValueError, ["matmul:", "()"])
CASES["linear-W"] = (lambda a: F.linear(v(a, 2, 3), v(a, 4, 5)), ValueError, ["linear:", "(2, 3)", "(4, 5)"])
CASES["linear-bias"] = (lambda a: F.linear(v(a, 2, 3), v(a, 3, 4), v(a, 5)), ValueError, ["linear:", "(5,)"])
CASES["linear-batch"] = (lambda a: F.linear(v(a, 5, 2, 3), v(a, 3, 4)), ValueError, ["linear:", "(5, 2, 3)", "matmul"])
CASES["where-shapes"] = (
    lambda a: F.where(a(np.ones((2, 3), dtype=bool)), v(a, 2, 3), v(a, 4)),
    ValueError,
    ["where:", "(2, 3)", "(4,)"],
)
CASES["layer_norm-gamma"] = (
    lambda a: F.layer_norm(v(a, 2, 3), v(a, 4), v(a, 3)),
    ValueError,
    ["layer_norm: gamma must have shape (3,)", "(4,)"],
)
CASES["layer_norm-beta"] = (
    lambda a: F.layer_norm(v(a, 2, 3), v(a, 3), v(a, 2)),
    ValueError,
    ["layer_norm: beta must have shape (3,)", "(2,)"],
)
CASES["batch_norm-gamma"] = (
    lambda a: F.batch_norm(v(a, 4, 3), v(a, 2), v(a, 3), v(a, 3), v(a, 3)),
    ValueError,
    ["batch_norm", "(2,)"],
)
CASES["concat-shapes"] = (lambda a: F.concat([v(a, 2, 3), v(a, 2, 4)]), ValueError, ["concat: shapes", "(2, 4)"])
CASES["stack-shapes"] = (
    lambda a: F.stack([v(a, 2, 3), v(a, 2, 4)]),
    ValueError,
    ["stack: inputs must all have one shape", "(2, 4)"],
)
CASES["reshape-size"] = (lambda a: F.reshape(v(a, 2, 3), (4, 2)), ValueError, ["reshape:", "(2, 3)", "(4, 2)"])
CASES["broadcast_to"] = (lambda a: F.broadcast_to(v(a, 2, 3), (4, 3)), ValueError, ["broadcast_to", "(2, 3)", "(4, 3)"])
CASES["sum_to"] = (lambda a: F.sum_to(v(a, 2, 3), (4,)), ValueError, ["sum_to", "(2, 3)", "(4,)"])
CASES["transpose-axes"] = (lambda a: F.transpose(v(a, 2, 3), (0, 0)), ValueError, ["transpose", "(0, 0)"])
CASES["get_item-range"] = (lambda a: F.get_item(v(a, 2, 3), 5), IndexError, ["get_item", "5", "(2, 3)"])
CASES["conv2d-channels"] = (
    lambda a: F.conv2d(img(a), v(a, 3, 5, 2, 2)),
    ValueError,
    ["conv2d:", "2", "5"],
)
CASES["conv2d-3d-input"] = (lambda a: F.conv2d(v(a, 2, 4, 4), v(a, 3, 2, 2, 2)), ValueError, ["conv2d:", "(2, 4, 4)"])
CASES["conv2d-kernel-too-big"] = (
    lambda a: F.conv2d(img(a), v(a, 3, 2, 6, 6)),
    ValueError,
    ["conv2d: kernel (6, 6)", "(1, 2, 4, 4)"],
)
CASES["conv2d-bias"] = (lambda a: F.conv2d(img(a), v(a, 3, 2, 2, 2), v(a, 4)), ValueError, ["conv2d", "(4,)"])
CASES["deconv2d-channels"] = (
    lambda a: F.deconv2d(img(a), v(a, 5, 3, 2, 2)),
    ValueError,
    ["deconv2d:", "5"],
)
CASES["deconv2d-3d-input"] = (
    lambda a: F.deconv2d(v(a, 2, 4, 4), v(a, 2, 3, 2, 2)),
    ValueError,
    ["deconv2d:", "(2, 4, 4)"],
)
CASES["pooling-3d-input"] = (lambda a: F.pooling(v(a, 2, 4, 4), 2), ValueError, ["pooling:", "(2, 4, 4)"])
CASES["average_pooling-too-big"] = (
    lambda a: F.average_pooling(img(a), 5),
    ValueError,
    ["average_pooling: kernel (5, 5)"],
)
CASES["im2col-3d"] = (lambda a: F.im2col(v(a, 2, 4, 4), 2), ValueError, ["im2col:", "(2, 4, 4)"])
CASES["softmax_cross_entropy-labels-shape"] = (
    lambda a: F.softmax_cross_entropy(v(a, 4, 3), a(np.zeros((4, 1), dtype=np.int64))),
    ValueError,
    ["softmax_cross_entropy: labels must have shape (N,) = (4,)", "(4, 1)"],
)
CASES["softmax_cross_entropy-scores-1d"] = (
    lambda a: F.softmax_cross_entropy(v(a, 4), a(np.zeros(4, dtype=np.int64))),
    ValueError,
    ["softmax_cross_entropy: scores must have shape (N, C)", "(4,)"],
)
CASES["sigmoid_cross_entropy-targets"] = (
    lambda a: F.sigmoid_cross_entropy(v(a, 4, 1), a(np.zeros(3, dtype=np.int64))),
    ValueError,
    ["sigmoid_cross_entropy: targets of shape (3,)", "(4, 1)"],
)
CASES["binary_cross_entropy-targets"] = (
    lambda a: F.binary_cross_entropy(v(a, 4), a(np.zeros(5, dtype=np.int64))),
    ValueError,
    ["binary_cross_entropy: targets of shape (5,)", "(4,)"],
)
CASES["accuracy-labels"] = (
    lambda a: F.accuracy(v(a, 4, 3), a(np.zeros(5, dtype=np.int64))),
    ValueError,
    ["accuracy:", "(5,)"],
)
CASES["embed_id-W-1d"] = (
    lambda a: F.embed_id(a(np.zeros(3, dtype=np.int64)), v(a, 4)),
    ValueError,
    ["embed_id", "(4,)"],
)

# -------------------------------------------------------------- wrong dtype
CASES["softmax_cross_entropy-float-labels"] = (
    lambda a: F.softmax_cross_entropy(v(a, 4, 3), a(np.zeros(4))),
    TypeError,
    ["softmax_cross_entropy: labels must be integer class ids", "float64"],
)
CASES["embed_id-float-ids"] = (
    lambda a: F.embed_id(a(np.zeros(3)), v(a, 4, 2)),
    TypeError,
    ["embed_id", "float64"],
)
CASES["accuracy-float-labels"] = (
    lambda a: F.accuracy(v(a, 4, 3), a(np.zeros(4))),
    TypeError,
    ["accuracy", "float64"],
)
CASES["where-condition-float"] = (
    lambda a: F.where(a(np.ones((2,))), v(a, 2), v(a, 2)),
    TypeError,
    ["where: condition must be a bool array", "float64"],
)
CASES["seed-grad-dtype"] = (
    lambda a: _seeded(a, (2, 3), np.float32),
    ValueError,
    ["backward: the seed gradient", "float32", "float64"],
)


def _seeded(a, shape, dtype):
    y = F.exp(v(a, 2, 3))
    y.grad = Variable(a(np.ones(shape, dtype=dtype)))
    y.backward()


CASES["dropout-ratio-not-a-number"] = (
    lambda a: F.dropout(v(a, 2), "a"),
    TypeError,
    ["dropout: dropout_ratio must be a number in [0, 1)", "'a'"],
)
CASES["clip-bound-not-a-number"] = (lambda a: F.clip(v(a, 2), "0", 1), TypeError, ["clip: x_min must be a real number"])
CASES["clip-no-bound"] = (lambda a: F.clip(v(a, 2), None, None), ValueError, ["clip: x_min and x_max are both None"])
CASES["seed-grad-shape"] = (lambda a: _seeded(a, (3,), np.float64), ValueError, ["seed gradient", "(3,)", "(2, 3)"])

# -------------------------------------------------------------- out-of-range values
for name in ["sum", "mean", "average", "max", "min", "softmax", "log_softmax", "var"]:
    CASES[f"{name}-axis-range"] = (
        lambda a, name=name: getattr(F, name)(v(a, 2, 3), axis=2),
        ValueError,
        [f"{name}: axis 2 is out of range", "2 dimension"],
    )
for name, call in [
    ("concat", lambda a: F.concat([v(a, 2, 3), v(a, 2, 3)], axis=5)),
    ("stack", lambda a: F.stack([v(a, 2, 3), v(a, 2, 3)], axis=-5)),
    ("squeeze", lambda a: F.squeeze(v(a, 1, 3), axis=5)),
    ("expand_dims", lambda a: F.expand_dims(v(a, 2, 3), -7)),  # past the end appends, as DeZero
    ("split", lambda a: F.split(v(a, 6), 2, axis=1)),
]:
    CASES[f"{name}-axis-range"] = (call, ValueError, ["axis", "out of range"])
CASES["squeeze-not-length-1"] = (lambda a: F.squeeze(v(a, 2, 3), axis=0), ValueError, ["squeeze: axis 0", "(2, 3)"])
CASES["split-unsorted"] = (lambda a: F.split(v(a, 6), [4, 2]), ValueError, ["split: indices [4, 2] must be sorted"])
CASES["split-beyond"] = (lambda a: F.split(v(a, 6), [2, 9]), ValueError, ["split: indices [2, 9]", "[0, 6]"])
CASES["split-sections"] = (lambda a: F.split(v(a, 6), 4), ValueError, ["split: 4 sections do not divide", "6"])
CASES["dropout-ratio-high"] = (lambda a: F.dropout(v(a, 4), 1.5), ValueError, ["dropout: dropout_ratio", "1.5"])
CASES["dropout-ratio-negative"] = (lambda a: F.dropout(v(a, 4), -0.1), ValueError, ["dropout: dropout_ratio", "-0.1"])
CASES["clip-bounds"] = (lambda a: F.clip(v(a, 4), 1.0, 0.0), ValueError, ["clip: x_min 1.0", "x_max 0.0"])
for op, call in [
    ("conv2d", lambda a, s: F.conv2d(img(a), v(a, 3, 2, 2, 2), **s)),
    ("deconv2d", lambda a, s: F.deconv2d(img(a), v(a, 2, 3, 2, 2), **s)),
]:
    CASES[f"{op}-stride-0"] = (
        lambda a, c=call: c(a, {"stride": 0}),
        ValueError,
        [f"{op}: stride must be at least 1", "0"],
    )
    CASES[f"{op}-pad-negative"] = (
        lambda a, c=call: c(a, {"pad": -1}),
        ValueError,
        [f"{op}: pad must be at least 0", "-1"],
    )
for op in ["pooling", "average_pooling", "pooling_simple"]:
    CASES[f"{op}-kernel-0"] = (
        lambda a, op=op: getattr(F, op)(img(a), 0),
        ValueError,
        [f"{op}: kernel_size must be at least 1"],
    )
    CASES[f"{op}-stride-0"] = (
        lambda a, op=op: getattr(F, op)(img(a), 2, 0),
        ValueError,
        [f"{op}: stride must be at least 1"],
    )
    CASES[f"{op}-pad-over-half"] = (
        lambda a, op=op: getattr(F, op)(img(a), 2, 1, 5),
        ValueError,
        [f"{op}: pad (5, 5) is more than half of kernel_size (2, 2)"],
    )
CASES["im2col-kernel-0"] = (lambda a: F.im2col(img(a), 0), ValueError, ["im2col: kernel_size must be at least 1"])
CASES["col2im-stride-0"] = (
    lambda a: F.col2im(v(a, 1, 2, 2, 2, 3, 3), (1, 2, 4, 4), 2, 0, 0, False),
    ValueError,
    ["col2im: stride"],
)
CASES["softmax_cross_entropy-label-range"] = (
    lambda a: F.softmax_cross_entropy(v(a, 2, 3), a(np.array([0, 3]))),
    ValueError,
    ["softmax_cross_entropy: labels must be class ids in [0, 3)", "3"],
)
CASES["get_item-float-index"] = (lambda a: F.get_item(v(a, 3), 1.5), IndexError, ["get_item", "1.5"])

# -------------------------------------------------------------- empty and 0-d
for name in ["mean_squared_error", "mean_absolute_error"]:
    CASES[f"{name}-empty"] = (
        lambda a, name=name: getattr(F, name)(v(a, 0, 3), v(a, 0, 3)),
        ValueError,
        [f"{name}: the batch is empty", "(0, 3)"],
    )
CASES["softmax_cross_entropy-empty"] = (
    lambda a: F.softmax_cross_entropy(v(a, 0, 3), a(np.zeros(0, dtype=np.int64))),
    ValueError,
    ["softmax_cross_entropy: the batch is empty", "(0, 3)"],
)
CASES["sigmoid_cross_entropy-empty"] = (
    lambda a: F.sigmoid_cross_entropy(v(a, 0), a(np.zeros(0, dtype=np.int64))),
    ValueError,
    ["sigmoid_cross_entropy: the batch is empty"],
)
CASES["concat-empty-list"] = (lambda a: F.concat([]), ValueError, ["concat: needs at least one input"])
CASES["stack-empty-list"] = (lambda a: F.stack([]), ValueError, ["stack: needs at least one input"])
CASES["concat-0d"] = (lambda a: F.concat([v(a), v(a)]), ValueError, ["concat: 0-d inputs have no axis"])
CASES["split-0d"] = (lambda a: F.split(v(a), 2), ValueError, ["split: a 0-d input has no axis"])
CASES["conv2d-0d"] = (lambda a: F.conv2d(v(a), v(a, 3, 2, 2, 2)), ValueError, ["conv2d:", "()"])
CASES["pooling-0d"] = (lambda a: F.pooling(v(a), 2), ValueError, ["pooling:", "()"])
CASES["softmax_cross_entropy-0d"] = (
    lambda a: F.softmax_cross_entropy(v(a), a(np.zeros((), dtype=np.int64))),
    ValueError,
    ["softmax_cross_entropy: scores must have shape (N, C)", "()"],
)
CASES["squeeze-0d-axis"] = (lambda a: F.squeeze(v(a), axis=1), ValueError, ["squeeze: axis 1 is out of range"])
CASES["len-0d"] = (lambda a: len(v(a)), TypeError, ["len() of a 0-d Variable"])

# -------------------------------------------------------------- layers
CASES["Linear-out_size-0"] = (lambda a: L.Linear(0), ValueError, ["Linear: out_size must be a positive int", "0"])
CASES["Linear-out_size-str"] = (lambda a: L.Linear("3"), TypeError, ["Linear: out_size must be a positive int", "'3'"])
CASES["LSTM-hidden_size-negative"] = (lambda a: L.LSTM(-1), ValueError, ["LSTM: hidden_size must be", "-1"])
CASES["RNN-in_size-float"] = (lambda a: L.RNN(3, in_size=2.5), TypeError, ["RNN: in_size must be", "2.5"])
CASES["EmbedID-in_size-0"] = (lambda a: L.EmbedID(0, 3), ValueError, ["EmbedID: in_size must be", "0"])
CASES["Linear-1d-input"] = (
    lambda a: L.Linear(3)(v(a, 4)),
    ValueError,
    ["Linear: expected an (N, in_size) input", "(4,)"],
)
CASES["Linear-in_size-mismatch"] = (
    lambda a: L.Linear(3, in_size=5)(v(a, 2, 4)),
    ValueError,
    ["linear:", "(2, 4)", "(5, 3)"],
)
CASES["Conv2d-3d-input"] = (
    lambda a: L.Conv2d(3, 2)(v(a, 2, 4, 4)),
    ValueError,
    ["Conv2d: expected an (N, C, H, W) input", "(2, 4, 4)"],
)
CASES["Conv2d-kernel-0"] = (lambda a: L.Conv2d(3, 0), ValueError, ["Conv2d: kernel_size must be at least 1"])
CASES["Conv2d-stride-0"] = (lambda a: L.Conv2d(3, 2, stride=0), ValueError, ["Conv2d: stride must be at least 1"])
CASES["EmbedID-float-ids"] = (lambda a: L.EmbedID(4, 2)(a(np.zeros(3))), TypeError, ["embed_id", "float64"])
CASES["EmbedID-id-out-of-range"] = (
    lambda a: L.EmbedID(4, 2)(a(np.array([1, 4]))),
    IndexError,
    ["embed_id: ids must be in [0, 4)", "from 1 to 4"],
)
CASES["EmbedID-negative-id"] = (  # numpy would wrap -1 to the last row: a silent wrong answer
    lambda a: L.EmbedID(4, 2)(a(np.array([-1, 0]))),
    IndexError,
    ["embed_id: ids must be in [0, 4)", "from -1 to 0"],
)
CASES["BatchNorm-1d-input"] = (
    lambda a: L.BatchNorm()(v(a, 4)),
    ValueError,
    ["BatchNorm: expected an (N, C) or (N, C, H, W) input", "(4,)"],
)
CASES["MLP-sizes-empty"] = (lambda a: MLP(()), ValueError, ["MLP: fc_output_sizes must name at least one layer"])

# -------------------------------------------------------------- optimizers
CASES["SGD-lr-negative"] = (lambda a: O.SGD(lr=-0.1), ValueError, ["SGD: lr must be a non-negative number", "-0.1"])
CASES["SGD-lr-str"] = (lambda a: O.SGD(lr="0.1"), TypeError, ["SGD: lr must be a non-negative number", "'0.1'"])
CASES["MomentumSGD-momentum"] = (lambda a: O.MomentumSGD(momentum=-0.5), ValueError, ["MomentumSGD: momentum", "-0.5"])
CASES["Adam-beta1"] = (lambda a: O.Adam(beta1=1.0), ValueError, ["Adam: beta1 must be in [0, 1)", "1.0"])
CASES["Adam-beta2"] = (lambda a: O.Adam(beta2=-0.1), ValueError, ["Adam: beta2 must be in [0, 1)", "-0.1"])
CASES["AdaGrad-eps"] = (lambda a: O.AdaGrad(eps=-1.0), ValueError, ["AdaGrad: eps must be", "-1.0"])
CASES["AdaDelta-rho"] = (lambda a: O.AdaDelta(rho=1.5), ValueError, ["AdaDelta: rho must be in [0, 1)", "1.5"])
CASES["update-without-setup"] = (lambda a: O.SGD().update(), RuntimeError, ["SGD.update: no target", "setup(model)"])
CASES["setup-not-a-layer"] = (
    lambda a: O.SGD().setup([1, 2]),
    TypeError,
    ["SGD.setup: expected a Layer or Model", "list"],
)
CASES["WeightDecay-rate"] = (lambda a: O.WeightDecay(-1.0), ValueError, ["WeightDecay: rate must be", "-1.0"])
CASES["ClipGrad-max-norm"] = (lambda a: O.ClipGrad(0.0), ValueError, ["ClipGrad: max_norm must be positive", "0.0"])

# -------------------------------------------------------------- loaders
DATA = [(np.zeros(2, dtype=np.float32), 0)] * 5
CASES["DataLoader-batch-0"] = (
    lambda a: DataLoader(DATA, 0),
    ValueError,
    ["DataLoader: batch_size must be a positive int", "0"],
)
CASES["DataLoader-batch-str"] = (
    lambda a: DataLoader(DATA, "2"),
    TypeError,
    ["DataLoader: batch_size must be a positive int", "'2'"],
)
CASES["DataLoader-batch-negative"] = (lambda a: DataLoader(DATA, -3), ValueError, ["DataLoader: batch_size", "-3"])
CASES["DataLoader-not-a-dataset"] = (
    lambda a: DataLoader(5, 2),
    TypeError,
    ["DataLoader: the dataset must support len() and indexing", "int"],
)
CASES["SeqDataLoader-batch-too-big"] = (
    lambda a: SeqDataLoader(DATA, 6),
    ValueError,
    ["SeqDataLoader: batch_size 6", "5"],
)
CASES["DataLoader-unknown-backend"] = (lambda a: DataLoader(DATA, 2, backend="nosuch"), LookupError, ["nosuch"])

# -------------------------------------------------------------- weights-file paths
CASES["load_weights-directory"] = (lambda a, tmp: _trained().load_weights(tmp), WeightsFileError, ["is a directory"])
CASES["load_weights-path-int"] = (
    lambda a, tmp: _trained().load_weights(3.5),
    TypeError,
    ["load_weights: path must be", "float"],
)
CASES["save_weights-missing-dir"] = (
    lambda a, tmp: _trained().save_weights(tmp / "no" / "such" / "w.npz"),
    FileNotFoundError,
    ["save_weights:", "no/such"],
)
CASES["load_weights-text-file"] = (
    lambda a, tmp: _trained().load_weights(_write(tmp / "w.npz", b"hello")),
    WeightsFileError,
    ["is not an .npz archive"],
)


def _trained():
    m = MLP((3, 2))
    m(np.ones((1, 4), dtype=np.float32))
    return m


def _write(path, data):
    path.write_bytes(data)
    return path


# -------------------------------------------------------------- plugin entry points
def _plugin(name, **hooks):
    module = types.ModuleType(name)
    for hook, value in hooks.items():
        setattr(module, f"dezero_plug_{hook}", hookimpl(lambda value=value: value))
    return module


def _register(module):
    try:
        plugin_manager.register(module)
    finally:
        if module.__name__ in plugin_manager.records and plugin_manager.records[module.__name__].status == "registered":
            plugin_manager.unregister(module.__name__)


CASES["register-functions-not-callable"] = (
    lambda a: _register(_plugin("badfns", functions={"f": 3})),
    PluginValidationError,
    ["badfns", "'f'", "3"],
)
CASES["register-layers-not-a-layer"] = (
    lambda a: _register(_plugin("badlayers", layers={"Thing": int})),
    PluginValidationError,
    ["badlayers", "'Thing'", "not a subclass"],
)
CASES["register-backends-not-a-backend"] = (
    lambda a: _register(_plugin("badbackends", backends=[3])),
    PluginValidationError,
    ["badbackends", "3"],
)
CASES["register-reserved-name"] = (
    lambda a: _register(_plugin("shadow", layers={"Parameter": L.Linear})),
    PluginError,
    ["shadow", "Parameter", "reserved"],
)
CASES["register-hook-raises"] = (
    lambda a: _register(_raising_plugin()),
    PluginError,
    ["raiser", "dezero_plug_functions", "boom"],
)
CASES["override-typo"] = (
    lambda a: _register(_plugin("typo", functions={"relu": override(lambda x: x, replaces="activations")})),
    PluginError,
    ["typo", "replaces='activations'", "no plugin has that name"],
)
CASES["unregister-unknown"] = (lambda a: plugin_manager.unregister("nosuch"), LookupError, ["nosuch", "registered"])


def _raising_plugin():
    module = types.ModuleType("raiser")

    def dezero_plug_functions():
        raise RuntimeError("boom")

    module.dezero_plug_functions = hookimpl(dezero_plug_functions)
    return module


NEEDS_TMP = {k for k in CASES if k.startswith(("load_weights", "save_weights"))}


def test_the_table_has_about_150_cases():
    assert len(CASES) >= 150, len(CASES)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input(case, asarray, tmp_path):
    call, error, fragments = CASES[case]
    with pytest.raises(error) as info:
        call(asarray, tmp_path) if case in NEEDS_TMP else call(asarray)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{case}: {fragment!r} not in {message!r}"
    assert "operands could not be broadcast" not in message or message.split(":")[0] in message[:40]
    assert not message.startswith(("operands", "shapes ", "axis ", "cannot reshape")), (
        f"a bare numpy message: {message}"
    )


REFLECTED = {"rsub": "sub", "rdiv": "div"}


def _builtin_samples():
    found = {}
    for plugin, samples in plugin_manager.op_samples().items():
        if plugin_manager.records[plugin].source == "builtin":
            for op, listed in samples.items():
                plain = [s for s in listed if s.call is None]
                if plain:
                    found[op] = plain[0]
    return sorted(found.items())


@pytest.mark.parametrize("op, sample", _builtin_samples(), ids=[op for op, _ in _builtin_samples()])
def test_every_builtin_function_refuses_a_str_where_its_first_array_goes(op, sample, asarray):
    made = sample.make_inputs()
    first = next(i for i, x in enumerate(made) if isinstance(x, np.ndarray))
    inputs = [asarray(x) if isinstance(x, np.ndarray) else x for x in made]
    inputs[first] = "text"
    with pytest.raises(TypeError) as info:
        getattr(F, op)(*inputs, **sample.kwargs)
    # the reflected operators (behind 2.0 - x, 1.0 / x) name the operator the user wrote
    assert str(info.value).startswith(f"{REFLECTED.get(op, op)}:"), str(info.value)
    assert "str" in str(info.value)
