"""Training on the backend under test equals training on numpy: the backend contract, end to end.

The same initial weights are loaded into a model on numpy and a model on the
backend under test; 50 steps of each optimizer must give the same parameters.
A backend without in-place updates (JAX, the read-only test backend) turns an
optimizer that updates its state through a local alias into plain SGD without
any error: the planted-bug test shows this comparison catches it.
"""

import numpy as np
import pytest

import dezero_plug as dezero
import dezero_plug.functions as F
import dezero_plug.layers as L
from dezero_plug import Variable
from dezero_plug import optimizers

STEPS = 50
OPTIMIZERS = {
    "SGD": lambda: optimizers.SGD(lr=0.1),
    "MomentumSGD": lambda: optimizers.MomentumSGD(lr=0.05),
    "AdaGrad": lambda: optimizers.AdaGrad(lr=0.05),
    "AdaDelta": lambda: optimizers.AdaDelta(),
    "Adam": lambda: optimizers.Adam(alpha=0.01),
    "Adam+WeightDecay+ClipGrad": lambda: _with_hooks(optimizers.Adam(alpha=0.01)),
}


def _with_hooks(optimizer):
    optimizer.add_hook(optimizers.WeightDecay(1e-3))
    optimizer.add_hook(optimizers.ClipGrad(1.0))
    return optimizer


class ConvNet(dezero.Model):
    """conv -> batch_norm -> relu -> max pooling -> linear: every op family with state or padding."""

    def __init__(self, dtype):
        super().__init__()
        # No bias before batch norm: its true gradient is zero (batch norm takes the mean out), its computed one
        # rounding noise that Adam scales up to full steps, so two correct backends would part ways.
        self.conv = L.Conv2d(4, kernel_size=3, pad=1, nobias=True, dtype=dtype)
        self.bn = L.BatchNorm()
        self.fc = L.Linear(3, dtype=dtype)

    def forward(self, x):
        h = F.pooling(F.relu(self.bn(self.conv(x))), 2, 2)
        return self.fc(F.reshape(h, (h.shape[0], -1)))


def _tolerances(dtype):
    return dict(rtol=1e-5, atol=1e-7) if dtype == np.float64 else dict(rtol=1e-4, atol=1e-6)


def _dtype_for(backend):
    return np.float64 if backend.float64 else np.float32


def _data(model_kind, dtype):
    rng = np.random.default_rng(0)
    shape = (8, 1, 6, 6) if model_kind == "conv" else (16, 4)
    return rng.standard_normal(shape).astype(dtype), rng.integers(0, 3, size=shape[0])


def _model(model_kind, dtype):
    return ConvNet(dtype) if model_kind == "conv" else dezero.models.MLP((8, 3), activation=F.tanh)


def train(backend, model_kind, make_optimizer, dtype, initial=None, steps=STEPS):
    """Parameters (as numpy) after ``steps`` updates on ``backend``; ``initial`` sets the starting weights."""
    x, t = _data(model_kind, dtype)
    np.random.seed(0)
    model = _model(model_kind, dtype)
    with dezero.no_grad():
        model(x)  # lazy layers make their weights on numpy
    for param, start in zip(model.params(), initial or []):
        param.data = start.astype(dtype)
    start = [p.data.copy() for p in model.params()]
    model.to_backend(backend)
    optimizer = make_optimizer().setup(model)
    xb, tb = backend.from_numpy(x), backend.from_numpy(t)
    for _ in range(steps):
        loss = F.softmax_cross_entropy(model(xb), tb)
        model.cleargrads()
        loss.backward()
        optimizer.update()
    return start, [backend.to_numpy(p.data) for p in model.params()]


def _assert_same_training(backend, model_kind, make_optimizer, dtype=None):
    dtype = dtype or _dtype_for(backend)
    numpy = dezero.backends.get_backend("numpy")
    start, expected = train(numpy, model_kind, make_optimizer, dtype)
    _, got = train(backend, model_kind, make_optimizer, dtype, initial=start)
    for i, (e, g) in enumerate(zip(expected, got)):
        np.testing.assert_allclose(g, e, **_tolerances(dtype), err_msg=f"parameter {i}")


@pytest.fixture
def other_backend(backend):
    if backend.name == "numpy":
        pytest.skip("compares the backend under test with numpy; run under tox -e strict, immutable, jax or torch")
    return backend


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_training_an_mlp_equals_training_on_numpy(other_backend, name):
    _assert_same_training(other_backend, "mlp", OPTIMIZERS[name])


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_training_a_conv_pooling_batch_norm_model_equals_training_on_numpy(other_backend, name):
    _assert_same_training(other_backend, "conv", OPTIMIZERS[name])


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_training_a_conv_batch_norm_model_in_float32_equals_training_on_numpy(other_backend, name):
    _assert_same_training(other_backend, "conv", OPTIMIZERS[name], dtype=np.float32)


class AliasMomentumSGD(optimizers.MomentumSGD):
    """The planted bug: momentum updated through a local alias, as in DeZero's own code."""

    def update_one(self, param):
        v = self.state(param).v
        v *= self.momentum  # on an immutable array this rebinds the local: the stored state never changes
        v -= self.lr * param.grad.data
        param.data += v


def test_the_read_only_backend_catches_momentum_updated_through_a_local_alias(readonly_backend):
    _assert_same_training(readonly_backend, "mlp", OPTIMIZERS["MomentumSGD"])  # the real one passes
    with pytest.raises(AssertionError, match="parameter 0"):
        _assert_same_training(readonly_backend, "mlp", lambda: AliasMomentumSGD(lr=0.05))


def test_the_read_only_backend_refuses_writes_into_its_arrays(readonly_backend):
    a = readonly_backend.from_numpy(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="read-only"):
        a[...] = 1.0
    b = readonly_backend.xp.full((2, 3), 0.0)
    with pytest.raises(ValueError, match="read-only"):
        b[0, 0] = 1.0
    c = a + 1.0
    c += 1.0  # no in-place operator: rebinds c, leaves the array it named alone
    assert float(readonly_backend.to_numpy(c)[0, 0]) == 2.0 and float(readonly_backend.to_numpy(a)[0, 0]) == 0.0


def test_optimizer_state_follows_a_model_moved_after_the_first_update(readonly_backend):
    x, t = _data("mlp", np.float64)
    model = _model("mlp", np.float64)
    optimizer = optimizers.MomentumSGD(lr=0.05).setup(model)
    for step in range(2):
        if step == 1:
            model.to_backend("readonly")
            x, t = readonly_backend.from_numpy(x), readonly_backend.from_numpy(t)
        loss = F.softmax_cross_entropy(model(x), t)
        model.cleargrads()
        loss.backward()
        optimizer.update()
    for param in model.params():
        assert dezero.backends.backend_of(optimizer.state(param).v) is readonly_backend
        assert dezero.backends.backend_of(param.data) is readonly_backend


def test_moving_by_name_returns_none_for_a_variable_and_the_layer_for_a_layer(readonly_backend):
    v = Variable(np.ones(3))
    assert v.to_backend("readonly") is None and dezero.backends.backend_of(v.data) is readonly_backend
    layer = L.Linear(2, in_size=3)
    assert layer.to_backend("readonly") is layer
    assert all(dezero.backends.backend_of(p.data) is readonly_backend for p in layer.params())
    loader = dezero.DataLoader(dezero.datasets.Spiral(), 10, backend="readonly")
    xb, tb = next(loader)
    assert dezero.backends.backend_of(xb) is readonly_backend and dezero.backends.backend_of(tb) is readonly_backend


def test_weights_round_trip_from_and_to_the_backend_under_test(backend, tmp_path):
    dtype = np.float32
    x, _ = _data("conv", dtype)
    np.random.seed(1)
    source = _model("conv", dtype)
    with dezero.no_grad():
        source(x)
    expected = [p.data.copy() for p in source.params()]
    source.to_backend(backend)
    source.save_weights(tmp_path / "from_backend.npz")
    on_numpy = _model("conv", dtype)
    on_numpy.load_weights(tmp_path / "from_backend.npz")
    for e, p in zip(expected, on_numpy.params()):
        assert type(p.data) is np.ndarray and p.data.dtype == dtype
        np.testing.assert_array_equal(p.data, e)
    on_numpy.save_weights(tmp_path / "from_numpy.npz")
    np.random.seed(2)
    target = _model("conv", dtype)
    with dezero.no_grad():
        target(x)
    target.to_backend(backend)
    target.load_weights(tmp_path / "from_numpy.npz")
    for e, p in zip(expected, target.params()):
        assert dezero.backends.backend_of(p.data) is backend
        np.testing.assert_array_equal(backend.to_numpy(p.data), e)
