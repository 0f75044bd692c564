"""Optimizer checkpoints and pickling: state by parameter name, validated whole, on any backend."""

import pickle

import numpy as np
import pytest

import dezero_plug as dezero
import dezero_plug.functions as F
from dezero_plug import optimizers
from dezero_plug.checkpoint import CheckpointError
from dezero_plug.errors import WeightsFileError
from dezero_plug.models import MLP

OPTIMIZERS = ["SGD", "MomentumSGD", "AdaGrad", "AdaDelta", "Adam"]


def _batches(n):
    rng = np.random.default_rng(0)
    return [(rng.standard_normal((8, 3)).astype(np.float32), rng.integers(0, 2, 8)) for _ in range(n)]


def _fresh(name, backend):
    np.random.seed(0)
    model = MLP((5, 2))
    model(np.zeros((1, 3), np.float32))  # the lazy parameters made, then moved
    model.to_backend(backend)
    return model, getattr(optimizers, name)().setup(model)


def _train(model, optimizer, batches, backend):
    for x, t in batches:
        loss = F.softmax_cross_entropy(model(backend.from_numpy(x)), backend.from_numpy(t))
        model.cleargrads()
        loss.backward()
        optimizer.update()


def _weights(model):
    return {k: dezero.backends.to_numpy(p.data).copy() for k, p in model.named_params().items()}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_a_checkpoint_of_model_and_optimizer_resumes_exactly(name, dezero_plug_backend, tmp_path):
    """10 steps, save both, load both into fresh objects, 10 more: the same as 20 steps without a stop."""
    backend, batches = dezero_plug_backend, _batches(20)
    straight, straight_opt = _fresh(name, backend)
    _train(straight, straight_opt, batches, backend)
    first, first_opt = _fresh(name, backend)
    _train(first, first_opt, batches[:10], backend)
    first.save_weights(tmp_path / "model.npz")
    first_opt.save_state(tmp_path / "optimizer")
    resumed, resumed_opt = _fresh(name, backend)
    resumed.load_weights(tmp_path / "model.npz")
    resumed_opt.load_state(tmp_path / "optimizer")  # .npz found as load_weights finds it
    _train(resumed, resumed_opt, batches[10:], backend)
    expected, got = _weights(straight), _weights(resumed)
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-6, atol=1e-7, err_msg=key)
    assert not list(tmp_path.glob(".*dezero-plug*"))  # no temporary file left


def test_state_dict_is_keyed_by_parameter_name_and_is_a_copy():
    model, opt = _fresh("Adam", dezero.backends.resolve("numpy"))
    _train(model, opt, _batches(2), dezero.backends.resolve("numpy"))
    entries = opt.state_dict()
    assert set(entries) == {f"l{i}/{p}/{f}" for i in (0, 1) for p in "Wb" for f in ("m", "v", "t")} | {"optimizer/t"}
    assert int(entries["optimizer/t"]) == 2 and int(entries["l0/W/t"]) == 2
    before = entries["l0/W/m"].copy()
    _train(model, opt, _batches(1), dezero.backends.resolve("numpy"))
    np.testing.assert_array_equal(entries["l0/W/m"], before)  # the optimizer's own arrays were not handed out


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e.pop("l1/b/v"), r"entry 'l1/b/v' is missing \(parameter 'l1/b' has state \['m', 't', 'v'\]\)"),
        (lambda e: e.update({"l2/W/m": np.zeros(3)}), r"entry 'l2/W/m' names no parameter or counter"),
        (
            lambda e: e.update({"l0/W/q": np.zeros(3)}),
            r"entry 'l0/W/q' is a state field 'q' that Adam does not keep \(parameter 'l0/W' has state "
            r"\['m', 't', 'v'\]\): was it saved by another optimizer\?",
        ),
        (lambda e: e.update({"l0/W/m": np.zeros((5, 4))}), r"entry 'l0/W/m' has shape \(5, 4\); .*needs \(3, 5\)"),
        (lambda e: e.update({"l0/W/t": np.zeros(2)}), r"entry 'l0/W/t' has shape \(2,\); expected a number"),
        (lambda e: e.pop("optimizer/t"), r"entry 'optimizer/t' is missing"),
    ],
    ids=["missing", "extra", "extra-field", "shape", "counter-shape", "counter-missing"],
)
def test_a_state_dict_that_does_not_fit_is_refused_naming_the_entry_and_nothing_is_loaded(change, message):
    numpy_backend = dezero.backends.resolve("numpy")
    model, opt = _fresh("Adam", numpy_backend)
    _train(model, opt, _batches(3), numpy_backend)
    entries = opt.state_dict()
    other, other_opt = _fresh("Adam", numpy_backend)
    _train(other, other_opt, _batches(1), numpy_backend)
    before = other_opt.state_dict()
    change(entries)
    with pytest.raises(CheckpointError, match=r"^Adam\.load_state_dict: the state dict: " + message):
        other_opt.load_state_dict(entries)
    after = other_opt.state_dict()
    assert set(after) == set(before) and all(np.array_equal(after[k], before[k]) for k in before)
    assert other_opt.t == 1


def test_another_optimizers_state_is_refused_naming_the_field_it_does_not_keep():
    numpy_backend = dezero.backends.resolve("numpy")
    model, adam = _fresh("Adam", numpy_backend)
    _train(model, adam, _batches(2), numpy_backend)
    other, momentum = _fresh("MomentumSGD", numpy_backend)
    _train(other, momentum, _batches(1), numpy_backend)
    before = momentum.states[other.l0.W].v.copy()
    with pytest.raises(CheckpointError, match=r"entry 'l0/W/m' is a state field 'm' that MomentumSGD does not keep"):
        momentum.load_state_dict(adam.state_dict())  # Adam's 'v' fits MomentumSGD's: loaded only if all fits
    np.testing.assert_array_equal(momentum.states[other.l0.W].v, before)


def test_state_for_a_parameter_not_made_yet_says_to_load_the_weights_first(tmp_path):
    """A lazily sized layer has no parameter data before its first input: its state cannot load before it."""
    numpy_backend = dezero.backends.resolve("numpy")
    model, opt = _fresh("MomentumSGD", numpy_backend)
    _train(model, opt, _batches(2), numpy_backend)
    model.save_weights(tmp_path / "w.npz")
    opt.save_state(tmp_path / "opt.npz")
    fresh = MLP((5, 2))
    fresh_opt = optimizers.MomentumSGD().setup(fresh)
    no_data = r"entry 'l0/W/v' is for parameter 'l0/W', which has no data yet .*load the weights"
    with pytest.raises(CheckpointError, match=no_data):
        fresh_opt.load_state(tmp_path / "opt.npz")
    assert not fresh_opt.states
    fresh.load_weights(tmp_path / "w.npz")
    fresh_opt.load_state(tmp_path / "opt.npz")  # in that order it loads
    np.testing.assert_array_equal(fresh_opt.states[fresh.l0.W].v, opt.states[model.l0.W].v)


def test_a_corrupt_optimizer_file_is_refused_naming_the_call_and_the_file(tmp_path):
    """load_weights' checks of the file, said of load_state (its message said 'load_weights' and 'the model')."""
    model, opt = _fresh("MomentumSGD", dezero.backends.resolve("numpy"))
    path = tmp_path / "opt.npz"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(
        CheckpointError, match=r"^MomentumSGD\.load_state: '.*opt\.npz' is a corrupt .*nothing was loaded$"
    ) as e:
        opt.load_state(path)
    assert isinstance(e.value.__cause__, WeightsFileError)
    np.savez(path, **{"l0/W/v": np.array([object()], dtype=object)})
    with pytest.raises(CheckpointError, match=r"^MomentumSGD\.load_state: entry 'l0/W/v' in .* holds an object array"):
        opt.load_state(path)


@pytest.mark.parametrize("name", ["MomentumSGD", "Adam"])
def test_a_model_and_its_optimizer_pickle_after_training_and_train_on_alike(name):
    """The weak references a layer keeps of its last call are left out; the state stays with its parameter."""
    numpy_backend = dezero.backends.resolve("numpy")
    model, opt = _fresh(name, numpy_backend)
    _train(model, opt, _batches(3), numpy_backend)
    model2, opt2 = pickle.loads(pickle.dumps((model, opt)))
    assert opt2.target is model2 and len(opt2.states) == 4
    _train(model, opt, _batches(5)[3:], numpy_backend)
    _train(model2, opt2, _batches(5)[3:], numpy_backend)
    for key, value in _weights(model).items():
        np.testing.assert_array_equal(_weights(model2)[key], value)


def test_a_state_that_fails_to_reach_the_device_part_way_loads_nothing(flaky_backend):
    numpy_backend = dezero.backends.resolve("numpy")
    model, opt = _fresh("MomentumSGD", numpy_backend)
    _train(model, opt, _batches(2), numpy_backend)
    entries = opt.state_dict()
    other, other_opt = _fresh("MomentumSGD", numpy_backend)
    other.to_backend("flaky")
    _train(other, other_opt, _batches(1), flaky_backend)
    before = other_opt.state_dict()
    flaky_backend.at, flaky_backend.fault = flaky_backend.calls + 3, MemoryError("out of device memory")
    with pytest.raises(MemoryError, match=r"^MomentumSGD\.load_state_dict: the state dict: entry 'l1/W/v' \(nothing"):
        other_opt.load_state_dict(entries)
    after = other_opt.state_dict()
    assert all(np.array_equal(after[k], before[k]) for k in before)
    other_opt.load_state_dict(entries)
    assert all(np.array_equal(other_opt.state_dict()[k], entries[k]) for k in entries)
