"""Optimizers: the first update equals a hand-computed numpy update; hooks replace gradients, never edit them."""

import contextlib
import math
import os
import signal
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import dezero_plug as dezero
from dezero_plug import BackendMismatchError
from dezero_plug import Parameter
from dezero_plug import Variable
from dezero_plug import hookimpl
from dezero_plug import optimizers

W0 = np.array([[0.5, -1.0], [2.0, 0.25]])
G = np.array([[0.1, -0.2], [0.3, 0.4]])


def model_with(backend, grad=G):
    layer = dezero.Layer()
    layer.W = Parameter(backend.from_numpy(W0.copy()))
    layer.W.grad = Variable(backend.from_numpy(grad.copy()))
    return layer


EXPECTED = {
    "SGD": (lambda: optimizers.SGD(lr=0.1), W0 - 0.1 * G),
    "MomentumSGD": (lambda: optimizers.MomentumSGD(lr=0.1, momentum=0.9), W0 + (0.9 * 0 - 0.1 * G)),
    "AdaGrad": (lambda: optimizers.AdaGrad(lr=0.01), W0 - 0.01 * G / (np.sqrt(G * G) + 1e-8)),
    "AdaDelta": (
        lambda: optimizers.AdaDelta(),
        W0 - np.sqrt((0 + 1e-6) / (0.05 * G * G + 1e-6)) * G,
    ),
    "Adam": (
        lambda: optimizers.Adam(alpha=0.01),
        W0 - 0.01 * math.sqrt(1 - 0.999) / (1 - 0.9) * (0.1 * G) / (np.sqrt(0.001 * G * G) + 1e-8),
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_first_update_matches_a_hand_computed_numpy_update(backend, to_numpy, name):
    make, expected = EXPECTED[name]
    model = model_with(backend)
    make().setup(model).update()
    np.testing.assert_allclose(to_numpy(model.W), expected, rtol=1e-10)


@pytest.mark.parametrize("layout", ["C", "F"])
def test_a_large_parameter_updated_slab_by_slab_matches_the_whole_update(backend, to_numpy, layout):
    """SGD and MomentumSGD write a large parameter a slab of rows at a time (on mutable arrays): every row
    gets the whole update, the last partial slab included, three steps of momentum included."""
    from dezero_plug.std.optimizers import row_slabs

    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((700, 500))
    w0 = np.asfortranarray(w0) if layout == "F" else w0
    grads = [rng.standard_normal((700, 500)) for _ in range(3)]
    data = backend.from_numpy(w0.copy(order="K"))
    slabs = row_slabs(data)
    if backend.mutable_arrays:  # 131 rows a slab: five whole ones and a last one of 45 rows
        assert slabs is not None and len(slabs) == 6 and slabs[-1][0] == slice(655, None)
    else:
        assert slabs is None  # immutable arrays: the whole update, by rebinding
    for make, expect in (
        (lambda: optimizers.SGD(lr=0.1), lambda w, g, v: (w - 0.1 * g, v)),
        (
            lambda: optimizers.MomentumSGD(lr=0.1, momentum=0.9),
            lambda w, g, v: (w + (0.9 * v - 0.1 * g), 0.9 * v - 0.1 * g),
        ),
    ):
        layer = dezero.Layer()
        layer.W = Parameter(backend.from_numpy(w0.copy(order="K")))
        opt = make().setup(layer)
        w, v = w0.copy(), np.zeros_like(w0)
        for g in grads:
            layer.W.grad = Variable(backend.from_numpy(g))
            opt.update()
            w, v = expect(w, g, v)
        np.testing.assert_allclose(to_numpy(layer.W), w, rtol=1e-12, atol=1e-12)


def test_weight_decay_works_on_a_read_only_gradient():
    model = model_with(dezero.backends.default_backend())
    model.W.grad.data.flags.writeable = False  # DeZero's in-place += fails here
    opt = optimizers.SGD(lr=1.0).setup(model)
    opt.add_hook(optimizers.WeightDecay(0.5))
    opt.update()
    np.testing.assert_allclose(model.W.data, W0 - (G + 0.5 * W0))


def test_clip_grad_scales_a_shared_gradient_once():
    layer = dezero.Layer()
    layer.a, layer.b = Parameter(np.zeros(2)), Parameter(np.zeros(2))
    shared = Variable(np.array([3.0, 4.0]))
    layer.a.grad = layer.b.grad = shared
    opt = optimizers.SGD(lr=1.0).setup(layer)
    opt.add_hook(optimizers.ClipGrad(1.0))
    opt.update()
    norm = math.sqrt(2 * 25.0)
    np.testing.assert_allclose(layer.a.data, -np.array([3.0, 4.0]) / (norm + 1e-6))
    np.testing.assert_allclose(layer.b.data, layer.a.data)  # DeZero scales the shared array twice
    np.testing.assert_array_equal(shared.data, [3.0, 4.0])


def test_freeze_param_keeps_a_layer_fixed_and_update_does_not_crash():
    model = dezero.models.MLP((3, 2))
    model(np.ones((1, 4)))
    (model(np.ones((1, 4))) ** 2).sum().backward()
    before = model.l0.W.data.copy()
    opt = optimizers.SGD(lr=0.1).setup(model)
    opt.add_hook(optimizers.FreezeParam(model.l0))
    opt.update()  # DeZero's update crashes on the None gradients
    np.testing.assert_array_equal(model.l0.W.data, before)
    assert model.l0.W.grad is None and not np.array_equal(model.l1.W.grad.data, np.zeros_like(model.l1.W.data))


def test_freeze_param_rejects_other_things():
    with pytest.raises(TypeError, match=r"FreezeParam: expected Layers or Parameters; got str"):
        optimizers.FreezeParam("l0")


def test_a_runtime_optimizer_plugin_appears_in_the_namespace():
    class Halve(dezero.Optimizer):
        """W /= 2."""

        def update_one(self, param):
            param.data /= 2

    module = types.ModuleType("halving")
    module.dezero_plug_optimizers = hookimpl(lambda: [Halve])
    dezero.plugin_manager.register(module)
    try:
        assert optimizers.Halve is Halve
    finally:
        dezero.plugin_manager.unregister("halving")
    assert not hasattr(optimizers, "Halve")


def test_a_third_party_optimizer_distribution_is_discovered_through_its_entry_point():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEZERO_PLUG_")}
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(Path(__file__).parent / "fixtures" / "optim"), env.get("PYTHONPATH")])
    )
    code = (
        "import numpy as np, dezero_plug as d\n"
        "opt = d.optimizers.SignSGD(0.5)\n"
        "l = d.Layer(); l.W = d.Parameter(np.array([1.0, 1.0])); l.W.grad = d.Variable(np.array([3.0, -2.0]))\n"
        "opt.setup(l).update(); print(l.W.data.tolist(), d.plugin_manager.records['lion'].distribution)"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "[0.5, 1.5] dezero-plug-lion", out.stderr


@pytest.mark.parametrize("name", ["MomentumSGD", "Adam", "AdaGrad", "AdaDelta"])
def test_a_reused_optimizer_starts_every_fresh_model_fresh(name):
    """State follows the Parameter object: a new model's parameters never inherit a freed model's state,
    even where they reuse its ids, and the freed parameters' state is released."""
    import gc

    def fresh_model():
        layer = dezero.Layer()
        layer.W = Parameter(W0.copy())
        layer.b = Parameter(np.zeros(2))
        layer.W.grad, layer.b.grad = Variable(G.copy()), Variable(np.ones(2))
        return layer

    reference = fresh_model()
    getattr(optimizers, name)().setup(reference).update()
    reused = getattr(optimizers, name)()
    for _ in range(20):
        model = fresh_model()
        reused.setup(model).update()
        np.testing.assert_array_equal(model.W.data, reference.W.data)
        np.testing.assert_array_equal(model.b.data, reference.b.data)
        del model
        gc.collect()
        assert len(reused.states) <= 2  # the last model's W and b (the optimizer's target): no freed model's


def test_a_tied_weight_is_yielded_once_and_updated_once():
    layer = dezero.Layer()
    layer.W = Parameter(W0.copy())
    layer.inner = dezero.Layer()
    layer.inner.W_tied = layer.W  # one Parameter under two names, as weight tying does
    layer.again = layer.inner  # and a sub-layer used twice
    assert list(layer.params()) == [layer.W]
    layer.W.grad = Variable(G.copy())
    optimizers.SGD(lr=0.1).setup(layer).update()
    np.testing.assert_allclose(layer.W.data, W0 - 0.1 * G)


@pytest.mark.parametrize("name", ["SGD", "MomentumSGD", "AdaGrad", "AdaDelta", "Adam"])
@pytest.mark.parametrize("make_read_only", ["flag", "broadcast_to"])
def test_an_optimizer_updates_a_read_only_parameter_by_rebinding_it_and_leaves_the_array_alone(name, make_read_only):
    """numpy's bare "output array is read-only" never reaches the user: the parameter gets a writable copy."""
    if make_read_only == "flag":
        frozen = W0.copy()
        frozen.flags.writeable = False
    else:
        frozen = np.broadcast_to(W0[:1], (2, 2))  # a read-only view of another array
    kept = frozen.copy()
    layer = dezero.Layer()
    layer.W = Parameter(frozen)
    layer.W.grad = Variable(G.copy())
    reference = model_with(dezero.backends.resolve("numpy"))
    reference.W.data = kept.copy()
    getattr(optimizers, name)().setup(layer).update()
    getattr(optimizers, name)().setup(reference).update()
    np.testing.assert_array_equal(frozen, kept)  # the read-only array itself is unchanged
    np.testing.assert_allclose(layer.W.data, reference.W.data)
    assert layer.W.data.flags.writeable


def test_a_model_moved_to_the_backend_under_test_and_back_has_writable_parameters(dezero_plug_backend):
    """JAX hands out read-only views of its memory; numpy's from_numpy copies those, so optimizers work after."""
    layer = model_with(dezero.backends.resolve("numpy"), grad=G)
    layer.to_backend(dezero_plug_backend)
    layer.to_backend("numpy")
    assert type(layer.W.data) is np.ndarray and layer.W.data.flags.writeable
    optimizers.MomentumSGD(lr=0.1).setup(layer).update()
    np.testing.assert_allclose(layer.W.data, W0 - 0.1 * G)


def test_numpy_from_numpy_copies_a_read_only_array_and_shares_a_writable_one():
    numpy_backend = dezero.backends.resolve("numpy")
    fresh = np.ones(3)
    assert numpy_backend.from_numpy(fresh) is fresh
    view = fresh[:2]  # as torch's Tensor.numpy() hands out: numpy -> torch -> numpy shares memory
    assert numpy_backend.from_numpy(view) is view
    read_only = np.ones(3)
    read_only.flags.writeable = False
    assert numpy_backend.from_numpy(read_only).flags.writeable


@pytest.mark.parametrize("name", ["SGD", "MomentumSGD", "Adam"])
def test_an_update_with_a_gradient_that_does_not_fit_changes_nothing_and_names_the_parameter(name):
    layer = dezero.Layer()
    layer.W = Parameter(W0.copy())
    layer.W.grad = Variable(G.copy())
    layer.inner = dezero.Layer()
    layer.inner.b = Parameter(np.zeros(2))
    layer.inner.b.grad = Variable(np.ones(3))  # the second parameter's gradient has the wrong shape
    optimizer = getattr(optimizers, name)().setup(layer)
    with pytest.raises(
        ValueError, match=rf"^{name}\.update: parameter 'inner/b' has shape \(2,\) but its gradient \(3,\)"
    ):
        optimizer.update()
    np.testing.assert_array_equal(layer.W.data, W0)  # the first was not stepped either
    assert len(optimizer.states) == 0 and getattr(optimizer, "t", 0) == 0


@pytest.mark.parametrize("name", ["SGD", "MomentumSGD", "Adam"])
def test_an_integer_parameter_is_refused_before_any_parameter_is_stepped(name):
    """numpy would step the float parameters and then fail on the integer one with its own casting words."""
    layer = dezero.Layer()
    layer.W = Parameter(W0.copy())
    layer.W.grad = Variable(G.copy())
    layer.count = Parameter(np.arange(2))
    layer.count.grad = Variable(np.ones(2))
    optimizer = getattr(optimizers, name)().setup(layer)
    with pytest.raises(ValueError, match=rf"^{name}\.update: parameter 'count' holds int64 data: optimizers step "):
        optimizer.update()
    np.testing.assert_array_equal(layer.W.data, W0)
    assert len(optimizer.states) == 0 and getattr(optimizer, "t", 0) == 0


def test_a_hook_that_fails_part_way_leaves_every_gradient_as_it_was():
    """A retry after the error applies the hooks once, not twice to the parameters a first try reached."""

    def decay_then_fail(params):
        params[0].grad = params[0].grad * 2.0
        raise RuntimeError("planted hook failure")

    layer = dezero.Layer()
    layer.W = Parameter(W0.copy())
    layer.W.grad = Variable(G.copy())
    grad = layer.W.grad
    optimizer = optimizers.SGD(lr=0.1).setup(layer)
    optimizer.add_hook(decay_then_fail)
    with pytest.raises(RuntimeError, match="planted hook failure"):
        optimizer.update()
    assert layer.W.grad is grad
    np.testing.assert_array_equal(layer.W.data, W0)


def _weight_and_bias_with_gradients():
    """A layer whose W (updated first) and b both have gradients."""
    layer = dezero.Layer()
    layer.W = Parameter(W0.copy())
    layer.W.grad = Variable(G.copy())
    layer.b = Parameter(np.zeros(2))
    layer.b.grad = Variable(np.ones(2))
    return layer


def test_an_update_that_raises_part_way_says_which_parameters_this_step_already_changed():
    """Never silently half-done: the error names the parameter that failed and those already stepped."""

    class FailsOnBias(optimizers.SGD):
        def update_one(self, param):
            if param.data.ndim == 1:
                raise ValueError("planted failure")
            super().update_one(param)

    layer = _weight_and_bias_with_gradients()
    expected = (
        r"^FailsOnBias\.update: parameter 'b' \(this step had already updated \['W'\] and their state: "
        r"reload a checkpoint to undo it\): planted failure$"
    )
    with pytest.raises(ValueError, match=expected) as caught:
        FailsOnBias(lr=0.1).setup(layer).update()
    assert str(caught.value.__cause__) == "planted failure"


def test_ctrl_c_part_way_through_an_update_says_which_parameters_this_step_already_changed():
    """A KeyboardInterrupt (Ctrl-C in a notebook) between two parameters is still a KeyboardInterrupt, naming
    the parameter it stopped at and those already stepped; Adam's step count does not advance."""

    class InterruptedOnBias(optimizers.Adam):
        def update_one(self, param):
            if param.data.ndim == 1:
                raise KeyboardInterrupt
            super().update_one(param)

    layer = _weight_and_bias_with_gradients()
    optimizer = InterruptedOnBias().setup(layer)
    with pytest.raises(KeyboardInterrupt, match=r"^InterruptedOnBias\.update: parameter 'b' \(this step had already "):
        optimizer.update()
    assert optimizer.t == 0 and not np.array_equal(layer.W.data, W0) and np.array_equal(layer.b.data, np.zeros(2))


@contextlib.contextmanager
def _sigint_handled_by(handler):
    """SIGINT handled by ``handler`` for the block, then as before (a background process inherits it ignored)."""
    inherited = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, inherited)


def test_ctrl_c_while_parameters_step_is_held_until_the_step_is_whole():
    """A real SIGINT (Ctrl-C) while W steps: b steps too, then the KeyboardInterrupt says the step completed."""

    class CtrlCOnWeight(optimizers.Adam):
        def update_one(self, param):
            if param.data.ndim == 2 and self.t == 0:  # the first step only
                os.kill(os.getpid(), signal.SIGINT)  # Python runs the handler at its next instruction
            super().update_one(param)

    with _sigint_handled_by(signal.default_int_handler):  # Python's own handler, as in a notebook
        layer = _weight_and_bias_with_gradients()
        optimizer = CtrlCOnWeight().setup(layer)
        with pytest.raises(KeyboardInterrupt, match=r"^CtrlCOnWeight\.update: interrupted \(Ctrl-C\) .* the step was "):
            optimizer.update()
        assert optimizer.t == 1 and not np.array_equal(layer.W.data, W0)
        assert not np.array_equal(layer.b.data, np.zeros(2))  # b stepped too
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # Python's handler is back
        optimizer.update()  # and a later step runs as usual
        assert optimizer.t == 2


def test_ctrl_c_held_by_an_update_goes_to_the_programs_own_handler_after_the_step():
    """A program with a SIGINT handler of its own gets the held signal once the step is whole, not before."""
    seen = []

    class CtrlCOnWeight(optimizers.SGD):
        def update_one(self, param):
            if param.data.ndim == 2:
                os.kill(os.getpid(), signal.SIGINT)
            super().update_one(param)
            seen.append(param.data.ndim)

    with _sigint_handled_by(lambda signum, frame: seen.append("handler")):
        layer = _weight_and_bias_with_gradients()
        CtrlCOnWeight(lr=0.1).setup(layer).update()
        assert seen == [2, 1, "handler"] and signal.getsignal(signal.SIGINT) is not signal.default_int_handler


def test_a_program_that_ignores_ctrl_c_keeps_ignoring_it_through_an_update():
    """Under SIG_IGN (a job started in the background) a SIGINT part-way is dropped: the step completes,
    nothing is raised, and SIG_IGN is the handler again afterwards."""

    class CtrlCOnWeight(optimizers.MomentumSGD):
        def update_one(self, param):
            if param.data.ndim == 2:
                os.kill(os.getpid(), signal.SIGINT)
            super().update_one(param)

    with _sigint_handled_by(signal.SIG_IGN):
        layer = _weight_and_bias_with_gradients()
        CtrlCOnWeight(lr=0.1).setup(layer).update()
        assert not np.array_equal(layer.W.data, W0) and not np.array_equal(layer.b.data, np.zeros(2))
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN


def _stepped_on_numpy_then_moved(to):
    """A one-layer model that MomentumSGD stepped once on numpy (its state made there), then moved ``to``."""
    rng = np.random.default_rng(0)
    model = dezero.Layer()
    model.l1 = dezero.layers.Linear(3, in_size=2, dtype=np.float32)
    opt = optimizers.MomentumSGD(lr=0.1).setup(model)
    for p in model.params():
        p.grad = Variable(rng.standard_normal(p.shape).astype(np.float32))
    opt.update()
    return model.to_backend(to), opt


def test_state_that_cannot_follow_its_parameter_fails_the_update_before_anything_steps(flaky_backend):
    """After to_backend the state moves at the next update, all of it before any parameter steps."""
    model, opt = _stepped_on_numpy_then_moved("flaky")
    flaky_backend.at, flaky_backend.fault = flaky_backend.calls + 2, MemoryError("out of device memory")  # l1/b's v
    before = [(p.data.copy(), opt.states[p].v.copy()) for p in model.params()]
    with pytest.raises(MemoryError, match=r"^MomentumSGD\.update: the state of parameter 'l1/b' \(no parameter has"):
        opt.update()
    for p, (data, v) in zip(model.params(), before):
        np.testing.assert_array_equal(p.data, data)
        np.testing.assert_array_equal(opt.states[p].v, v)
    opt.update()  # the device has room again: the step is taken, on the parameters' backend
    assert all(type(opt.states[p].v) is flaky_backend.array_types[0] for p in model.params())
    for p, (data, v) in zip(model.params(), before):
        np.testing.assert_allclose(p.data, data + (0.9 * v - 0.1 * p.grad.data), rtol=1e-6)


def test_state_a_backend_refuses_is_a_backend_mismatch_naming_the_parameter_and_the_field(flaky_backend):
    model, opt = _stepped_on_numpy_then_moved("flaky")
    flaky_backend.at, flaky_backend.fault = flaky_backend.calls + 1, TypeError("cannot hold it")
    before = [p.data.copy() for p in model.params()]
    with pytest.raises(
        BackendMismatchError,
        match=r"^MomentumSGD\.update: the state of parameter 'l1/W' \('v'; no parameter has stepped\): .*numpy",
    ):
        opt.update()
    for p, data in zip(model.params(), before):
        np.testing.assert_array_equal(p.data, data)


@pytest.mark.parametrize("name", ["MomentumSGD", "AdaGrad", "AdaDelta", "Adam"])
def test_state_of_a_parameter_given_another_shape_is_refused_before_anything_steps(name):
    """A layer resized after a step (``l1.W.data = ...`` of another shape) keeps a state of the old shape:
    refused naming the parameter, every parameter as it was; dropping that state starts it afresh."""
    rng = np.random.default_rng(0)
    model = dezero.Layer()
    model.l0, model.l1 = dezero.layers.Linear(3, in_size=2), dezero.layers.Linear(2, in_size=3)
    opt = getattr(optimizers, name)().setup(model)
    for p in model.params():
        p.grad = Variable(rng.standard_normal(p.shape))
    opt.update()
    model.l1.W.data, model.l1.b.data = rng.standard_normal((3, 4)), np.zeros(4)  # four outputs now
    for p in model.params():
        p.grad = Variable(rng.standard_normal(p.shape))
    before = {k: p.data.copy() for k, p in model.named_params().items()}
    with pytest.raises(
        ValueError,
        match=rf"^{name}\.update: parameter 'l1/W' has shape \(3, 4\), but its state was "
        r"made for \(3, 2\) .*`del optimizer\.states\[param\]`; nothing was updated",
    ):
        opt.update()
    for k, p in model.named_params().items():
        np.testing.assert_array_equal(p.data, before[k])
    del opt.states[model.l1.W], opt.states[model.l1.b]
    opt.update()
    assert not np.array_equal(model.l0.W.data, before["l0/W"])
    assert all(getattr(a, "shape", (3, 4)) == (3, 4) for a in vars(opt.states[model.l1.W]).values())
