"""Layer and Model: parameters in definition order, save/load (atomic, all-or-nothing, DeZero's layout), layers."""

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

import dezero_plug as dezero
import dezero_plug.functions as F
import dezero_plug.layers as L
from dezero_plug import Parameter
from dezero_plug import Variable
from dezero_plug.models import MLP

GOLDEN = Path(__file__).parent / "golden"
NUMPY_ONLY = pytest.mark.backend("numpy")  # weights files and numpy's generator


def trained_mlp():
    np.random.seed(0)
    model = MLP((4, 3))
    model(np.random.rand(2, 5).astype(np.float32))
    return model


@NUMPY_ONLY
def test_params_come_in_definition_order_and_none_is_skipped():
    layer = L.Layer()
    layer.b = Parameter(np.zeros(1), name="b")
    layer.a = Parameter(np.zeros(1), name="a")
    layer.sub = L.Linear(2, in_size=3)
    assert [p.name for p in layer.params()] == ["b", "a", "W", "b"]
    layer.a = None
    layer.cleargrads()  # DeZero crashes here
    assert [p.name for p in layer.params()] == ["b", "W", "b"]


@NUMPY_ONLY
def test_save_load_round_trip_restores_identical_outputs(tmp_path):
    model, x = trained_mlp(), np.random.rand(3, 5).astype(np.float32)
    before = model(x).data.copy()
    model.save_weights(tmp_path / "w.npz")
    fresh = MLP((4, 3))
    fresh.load_weights(tmp_path / "w.npz")
    np.testing.assert_array_equal(fresh(x).data, before)
    assert sorted(np.load(tmp_path / "w.npz").files) == ["l0/W", "l0/b", "l1/W", "l1/b"]  # DeZero's keys


@NUMPY_ONLY
def test_a_path_without_npz_round_trips(tmp_path):
    model = trained_mlp()
    model.save_weights(str(tmp_path / "weights"))
    assert (tmp_path / "weights.npz").exists()
    MLP((4, 3)).load_weights(str(tmp_path / "weights"))


@NUMPY_ONLY
def test_weights_saved_by_dezero_load_and_give_dezeros_outputs():
    model = MLP((5, 3))
    model.load_weights(GOLDEN / "dezero_mlp_weights.npz")
    x = np.load(GOLDEN / "dezero_mlp_input.npy")
    np.testing.assert_allclose(model(x).data, np.load(GOLDEN / "dezero_mlp_output.npy"), rtol=1e-6)
    conv = L.Conv2d(4, kernel_size=3, pad=1)
    conv.load_weights(GOLDEN / "dezero_conv_weights.npz")
    assert conv.W.shape == (4, 2, 3, 3)


@NUMPY_ONLY
@pytest.mark.parametrize(
    "damage,message",
    [
        (lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]), "is a corrupt or truncated .npz"),
        (lambda p: p.write_bytes(b"garbage, not a zip"), r"is not an .npz archive \(it starts with b'garbag'\)"),
    ],
    ids=["truncated", "corrupt"],
)
def test_a_damaged_file_raises_and_leaves_the_model_untouched(tmp_path, damage, message):
    path = tmp_path / "w.npz"
    trained_mlp().save_weights(path)
    damage(path)
    model = trained_mlp()
    before = [p.data.copy() for p in model.params()]
    with pytest.raises(ValueError, match=message):
        model.load_weights(path)
    for p, b in zip(model.params(), before):
        np.testing.assert_array_equal(p.data, b)


@NUMPY_ONLY
def test_missing_extra_and_mismatched_parameters_are_named(tmp_path):
    path = tmp_path / "w.npz"
    trained_mlp().save_weights(path)
    with pytest.raises(ValueError, match=r"missing parameters \['l2/W', 'l2/b'\]"):
        MLP((4, 3, 2)).load_weights(path)
    with pytest.raises(ValueError, match=r"unexpected parameters \['l1/W', 'l1/b'\]"):
        MLP((4,)).load_weights(path)
    wrong = MLP((4, 3))
    wrong(np.ones((1, 6), dtype=np.float32))  # l0/W is (6, 4) here, (5, 4) in the file
    before = wrong.l1.W.data.copy()
    with pytest.raises(
        ValueError, match=r"parameter 'l0/W' in .* has shape \(5, 4\) but the model's parameter has shape \(6, 4\)"
    ):
        wrong.load_weights(path)
    np.testing.assert_array_equal(wrong.l1.W.data, before)  # all or nothing


@NUMPY_ONLY
def test_saving_a_lazy_layer_that_was_never_run_says_so(tmp_path):
    with pytest.raises(ValueError, match=r"parameter 'l0/W' is not initialised yet \(a lazy layer\)"):
        MLP((4, 3)).save_weights(tmp_path / "w.npz")
    assert list(tmp_path.iterdir()) == []


@NUMPY_ONLY
def test_a_failed_save_keeps_the_previous_good_file(tmp_path, monkeypatch):
    path = tmp_path / "w.npz"
    trained_mlp().save_weights(path)
    good = path.read_bytes()

    def disk_full(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(np, "savez_compressed", disk_full)
    with pytest.raises(OSError, match="No space left"):
        trained_mlp().save_weights(path)
    assert path.read_bytes() == good and [p.name for p in tmp_path.iterdir()] == ["w.npz"]


@NUMPY_ONLY
def test_load_refuses_pickles(tmp_path):
    path = tmp_path / "w.npz"
    np.savez(path, **{"l0/W": np.array([object()], dtype=object)})
    with pytest.raises(ValueError, match=r"parameter 'l0/W' .* holds an object array \(object\): refused"):
        MLP((4,)).load_weights(path)


@NUMPY_ONLY
def test_linear_infers_in_size_and_layer_keeps_weak_references():
    layer = L.Linear(3)
    x = Variable(np.ones((2, 5), dtype=np.float32))
    y = layer(x)
    assert layer.W.shape == (5, 3) and y.shape == (2, 3) and y.dtype == np.float32
    assert layer.inputs[0]() is x and layer.outputs[0]() is y


@NUMPY_ONLY
def test_rnn_with_an_explicit_in_size_works():
    rnn = L.RNN(4, in_size=3)  # DeZero builds h2h with in_size=3: the second step fails
    x = np.ones((2, 3), dtype=np.float32)
    rnn(x)
    assert rnn(x).shape == (2, 4)


@NUMPY_ONLY
def test_lstm_embedid_batchnorm_and_conv_layers_run():
    lstm = L.LSTM(4, in_size=3)
    assert lstm(np.ones((2, 3), np.float32)).shape == (2, 4) and lstm(np.ones((2, 3), np.float32)).shape == (2, 4)
    assert L.EmbedID(10, 3)(np.array([1, 2, 2])).shape == (3, 3)
    bn = L.BatchNorm()
    x = np.random.rand(8, 3).astype(np.float32)
    bn(x)
    with dezero.test_mode():
        assert bn(x).shape == (8, 3)
    assert not np.allclose(bn.avg_mean.data, 0)
    assert L.Conv2d(4, 3, pad=1)(np.ones((1, 2, 5, 5), np.float32)).shape == (1, 4, 5, 5)
    assert L.Deconv2d(2, 3, stride=2, pad=1)(np.ones((1, 4, 3, 3), np.float32)).shape == (1, 2, 5, 5)


@NUMPY_ONLY
def test_to_gpu_without_a_gpu_backend_says_what_to_install(no_gpu_plugin):
    with pytest.raises(RuntimeError, match="pip install .<dezero_plug checkout>/plugins/dezero-plug-cupy"):
        trained_mlp().to_gpu()


@NUMPY_ONLY
def test_model_plot_renders_the_graph(tmp_path):
    if shutil.which("dot") is None:
        if os.environ.get("CI"):
            pytest.fail(".ci/run installs Graphviz; 'dot' is missing")
        pytest.skip("Graphviz 'dot' is not installed here")
    model = trained_mlp()
    model.plot(np.ones((1, 5), np.float32), to_file=str(tmp_path / "m.png"))
    assert (tmp_path / "m.png").read_bytes()[:4] == b"\x89PNG"


def test_layers_on_the_backend_under_test_after_to_backend(backend):
    np.random.seed(0)
    model = MLP((4, 3))
    x = backend.from_numpy(np.random.rand(2, 5).astype(np.float32))
    y = model(x)
    F.sum(y).backward()
    assert all(dezero.backends.backend_of(p.data) is backend for p in model.params())


def test_to_backend_moves_every_parameter_or_none_and_names_the_one_that_cannot_move():
    """A model half on one backend and half on another trains nothing right: a failed move undoes itself."""
    import types

    from dezero_plug import Parameter
    from dezero_plug import plugin_manager
    from dezero_plug.backends import Backend

    class F32Array(np.ndarray):
        pass

    class NoFloat64(Backend):  # a real backend, registered as any plugin's: float32 arrays only
        name = "nofloat64"
        device_kind = "cpu"
        array_types = (F32Array,)
        float64 = False
        xp = np

        def from_numpy(self, array, device=None):
            return np.array(array, copy=True).view(F32Array)

        def to_numpy(self, array):
            return np.asarray(array).view(np.ndarray)

    plugin = types.ModuleType("nofloat64")
    plugin.dezero_plug_backends = dezero.hookimpl(lambda: [NoFloat64()])
    plugin_manager.register(plugin)
    try:
        model = dezero.Layer()
        model.l1 = dezero.Layer()
        model.l1.W = Parameter(np.ones((2, 2), np.float32))
        model.l1.W.grad = Variable(np.ones((2, 2), np.float32))
        model.l1.b = Parameter(np.zeros(2))  # float64: this backend cannot hold it
        W, W_grad, W_grad_data = model.l1.W.data, model.l1.W.grad, model.l1.W.grad.data
        with pytest.raises(TypeError, match=r"to_backend\('nofloat64'\): parameter 'l1/b' \(no parameter was moved\)"):
            model.to_backend("nofloat64")
        assert model.l1.W.data is W and model.l1.W.grad is W_grad and model.l1.W.grad.data is W_grad_data
        assert type(model.l1.b.data) is np.ndarray
        model.l1.b.data = model.l1.b.data.astype(np.float32)
        model.to_backend("nofloat64")
        assert type(model.l1.W.data) is F32Array and type(model.l1.W.grad.data) is F32Array
    finally:
        plugin_manager.unregister("nofloat64")


def _two_layer_model():
    model = dezero.Layer()
    model.l1 = L.Linear(3, in_size=2, dtype=np.float32)
    model.l2 = L.Linear(2, in_size=3, dtype=np.float32)
    return model


def test_a_ctrl_c_while_a_model_moves_leaves_every_parameter_where_it_was(flaky_backend):
    model = _two_layer_model()
    before = [p.data for p in model.params()]
    flaky_backend.at, flaky_backend.fault = 3, KeyboardInterrupt()  # while l2/W moves
    with pytest.raises(KeyboardInterrupt, match=r"^Layer\.to_backend\('flaky'\): parameter 'l2/W' \(no parameter was"):
        model.to_backend("flaky")
    assert all(p.data is data for p, data in zip(model.params(), before))
    model.to_backend("flaky")  # the next try moves them all
    assert all(type(p.data) is flaky_backend.array_types[0] for p in model.params())


def test_a_variable_whose_gradient_cannot_move_stays_where_it_was_data_and_gradient(flaky_backend):
    """``x.to_backend`` moves data and gradient, both or neither: a device out of memory on the gradient
    leaves the data on its backend too, never a variable whose data and gradient live apart."""
    x = Variable(np.arange(3.0))
    x.grad = Variable(np.ones(3))
    data, grad = x.data, x.grad.data
    flaky_backend.at, flaky_backend.fault = 2, MemoryError("out of device memory")  # the gradient's move
    with pytest.raises(MemoryError, match="out of device memory"):
        x.to_backend("flaky")
    assert x.data is data and x.grad.data is grad
    x.to_backend("flaky")
    assert type(x.data) is type(x.grad.data) is flaky_backend.array_types[0]


def test_load_weights_that_fails_on_a_later_parameter_loads_none(flaky_backend, tmp_path):
    """Weights load onto each parameter's backend (a GPU's memory may run out part-way): all of them or none."""
    source = _two_layer_model()
    source.save_weights(tmp_path / "w.npz")
    model = _two_layer_model()
    model.to_backend("flaky")
    before = [p.data for p in model.params()]
    flaky_backend.calls, flaky_backend.at, flaky_backend.fault = 0, 4, MemoryError("out of device memory")
    with pytest.raises(MemoryError, match=r"^load_weights: parameter 'l2/b' \(nothing was loaded\): out of device"):
        model.load_weights(tmp_path / "w.npz")
    assert all(p.data is data for p, data in zip(model.params(), before))
    model.load_weights(tmp_path / "w.npz")
    for p, q in zip(model.params(), source.params()):
        assert type(p.data) is flaky_backend.array_types[0]
        np.testing.assert_array_equal(p.data, q.data)
