"""dezero-plug-torch: discovered, lazy, memory shared with numpy, dezero_plug's autograd, torch's generator.

The whole suite and the conformance kit run on this backend in ``tox -e torch`` (training there equals
training on numpy: tests/test_training_equality.py); these tests check what is particular to it.
Each that needs torch skips with the reason where it is missing; the CUDA ones where no device is.
"""

import importlib.util

import numpy as np
import pytest

import dezero_plug as dezero
import dezero_plug.functions as F
import dezero_plug.layers as L
from dezero_plug import Variable
from dezero_plug import plugin_manager
from dezero_plug.testing import run_fresh
from dezero_plug.testing import usable_backend

torch = pytest.importorskip("torch", reason="torch is not installed: pip install torch==2.13.0")


fresh = run_fresh


@pytest.fixture
def tb():
    return usable_backend("torch")


def test_found_through_its_entry_point_and_declares_its_contract(tb):
    record = plugin_manager.records["torch"]
    assert (record.source, record.distribution, record.status) == ("entry point", "dezero-plug-torch", "registered")
    assert tb.array_types == ("torch:Tensor",) and tb.mutable_arrays and tb.own_generator and tb.float64
    assert tb.devices()[0] == torch.get_default_device()


def test_registering_the_plugin_does_not_import_torch():
    rc, out, err = fresh(
        "import sys, dezero_plug; dezero_plug.backends.get_backend('torch'); print('torch' in sys.modules)"
    )
    assert (rc, out.strip()) == (0, "False"), err


def test_numpy_to_torch_and_back_through_to_backend_shares_memory(tb):
    layer = L.Linear(3, in_size=4, dtype=np.float32)
    W = layer.W.data
    layer.to_backend("torch")
    assert isinstance(layer.W.data, torch.Tensor) and layer.W.data.dtype == torch.float32
    assert layer.W.data.data_ptr() == W.ctypes.data  # the same memory
    layer.to_backend("numpy")
    assert type(layer.W.data) is np.ndarray and np.shares_memory(layer.W.data, W)


def test_a_read_only_numpy_array_is_copied_not_viewed(tb):
    a = np.arange(3.0)
    a.flags.writeable = False
    t = tb.from_numpy(a)
    t += 1.0
    np.testing.assert_array_equal(a, [0.0, 1.0, 2.0])


def test_dlpack_in_both_directions_shares_memory(tb):
    tensor = torch.arange(4.0)
    v = dezero.from_dlpack(tensor)
    assert isinstance(v.data, torch.Tensor) and v.data.data_ptr() == tensor.data_ptr()
    host = np.from_dlpack(v)
    assert host.ctypes.data == tensor.data_ptr()
    back = torch.from_dlpack(Variable(np.ones(3)))
    assert back.dtype == torch.float64 and back.shape == (3,)
    assert np.asarray(v).ctypes.data == tensor.data_ptr()  # np.asarray of a CPU tensor's Variable: no copy


def test_a_torch_parameter_is_refused_saying_detach(tb):
    p = torch.nn.Parameter(torch.ones(2))
    with pytest.raises(TypeError, match=r"torch.nn.Parameter is refused .* pass p.detach\(\)"):
        Variable(p)
    v = Variable(p.detach())
    assert F.relu(v).data.grad_fn is None


def test_a_tensor_that_requires_grad_is_refused_saying_detach_wherever_it_enters(tb):
    tracked = torch.ones(2, dtype=torch.float64, requires_grad=True)
    with pytest.raises(TypeError, match=r"requires grad is refused as Variable data.* pass t.detach\(\)"):
        Variable(tracked)
    v = Variable(tracked.detach())
    with pytest.raises(TypeError, match=r"requires grad"):
        v.data = tracked
    with pytest.raises(TypeError, match=r"^add: a torch tensor that requires grad"):  # an op's raw input
        v + tracked
    assert (v + tracked.detach()).data.grad_fn is None and v.data.requires_grad is False


def test_ops_train_without_torch_autograd(tb):
    x = Variable(tb.from_numpy(np.linspace(-1, 1, 6).reshape(2, 3)))
    y = F.sum(F.tanh(x) ** 2)
    y.backward()
    assert not x.grad.data.requires_grad and y.data.grad_fn is None
    expected = 2 * np.tanh(np.linspace(-1, 1, 6)) * (1 - np.tanh(np.linspace(-1, 1, 6)) ** 2)
    np.testing.assert_allclose(tb.to_numpy(x.grad.data).ravel(), expected, rtol=1e-12)


def test_torch_generator_is_seeded_by_the_backend_not_by_numpy(tb):
    tb.seed(3)
    a = tb.random("normal", (4,))
    np.random.seed(0)
    tb.seed(3)
    b = tb.random("normal", (4,))
    torch.manual_seed(3)
    assert torch.equal(a, b) and torch.equal(a, torch.randn(4, dtype=torch.float64))
    assert tb.random("uniform", (2,), dtype=torch.float32).dtype == torch.float32


def test_primitives_follow_numpy(tb):
    x = np.arange(24.0).reshape(2, 3, 4)
    t = tb.from_numpy(x.copy())
    windows = tb.sliding_window_view(t, (2, 3), (1, 2))
    np.testing.assert_array_equal(tb.to_numpy(windows), np.lib.stride_tricks.sliding_window_view(x, (2, 3), (1, 2)))
    np.testing.assert_array_equal(
        tb.to_numpy(tb.pad(t, ((0, 0), (1, 2), (0, 1)), 7.0)), np.pad(x, ((0, 0), (1, 2), (0, 1)), constant_values=7.0)
    )
    np.testing.assert_array_equal(tb.to_numpy(tb.getitem(t, (slice(None), slice(None, None, -1)))), x[:, ::-1])
    rows = np.array([0, 0, 1])
    out = np.zeros((2, 3, 4))
    np.add.at(out, rows, np.ones((3, 3, 4)))
    np.testing.assert_array_equal(
        tb.to_numpy(tb.scatter_add(tb.from_numpy(np.zeros((2, 3, 4))), rows, tb.from_numpy(np.ones((3, 3, 4))))), out
    )
    with pytest.raises(IndexError):
        tb.getitem(t, 5)


def test_a_bad_shape_is_numpys_value_error_naming_the_op(tb):
    a, b = Variable(tb.from_numpy(np.ones((2, 3)))), Variable(tb.from_numpy(np.ones(4)))
    with pytest.raises(ValueError, match=r"^add: .*forward of inputs \(2, 3\) float64, \(4,\) float64"):
        a + b


@pytest.mark.skipif(not importlib.util.find_spec("torch") or not torch.cuda.is_available(), reason="no CUDA device")
def test_a_model_trains_on_cuda_as_on_the_cpu(tb):
    x, t = np.random.default_rng(0).standard_normal((16, 4)), np.arange(16) % 3
    losses = {}
    for device in ("cpu", "cuda:0"):
        np.random.seed(0)
        model = dezero.models.MLP((8, 3))
        model(x)
        model.to_backend("torch", device=device)
        optimizer = dezero.optimizers.Adam().setup(model)
        xb, tb_ = tb.from_numpy(x, device), tb.from_numpy(t, device)
        for _ in range(20):
            loss = F.softmax_cross_entropy(model(xb), tb_)
            model.cleargrads()
            loss.backward()
            optimizer.update()
        assert model.l0.W.data.device.type == device.split(":")[0]
        losses[device] = float(loss)
    assert losses["cuda:0"] == pytest.approx(losses["cpu"], rel=1e-6)


def test_the_default_device_is_the_environment_variables_else_torchs(tb, monkeypatch):
    monkeypatch.setenv("DEZERO_PLUG_TORCH_DEVICE", "cpu")
    assert tb.default_device() == torch.device("cpu") and tb.devices()[0] == torch.device("cpu")
    monkeypatch.setenv("DEZERO_PLUG_TORCH_DEVICE", "meta")  # a device with no memory: where arrays land, not values
    assert tb.from_numpy(np.ones(2)).device.type == "meta" and tb.random("normal", (2,)).device.type == "meta"
    assert tb.asarray(1.5).device.type == "meta" and tb.device_kind == "cpu"
    monkeypatch.delenv("DEZERO_PLUG_TORCH_DEVICE")
    assert tb.default_device() == torch.get_default_device()


def test_a_scalar_constant_is_an_inference_tensor_shared_between_calls(tb):
    x = Variable(tb.from_numpy(np.ones(3)))
    first, second = (x * 2.5).creator.inputs[1], (x * 2.5).creator.inputs[1]
    assert first is second and first.data.is_inference() and tb.freeze(first.data)
    with pytest.raises(RuntimeError, match="Inplace update to inference tensor"):
        first.data += 1.0  # nobody can change the constant every later x * 2.5 reads
    assert not tb.freeze(tb.from_numpy(np.ones(2)))  # an ordinary tensor is writable: never shared
