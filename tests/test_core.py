"""Variable, Parameter, Function: construction, errors, weak references, constants and dtypes."""

import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import dezero_plug as dezero
import dezero_plug.functions as F
from dezero_plug import Function
from dezero_plug import Parameter
from dezero_plug import Variable


def test_variable_rejects_a_list_naming_the_accepted_types():
    with pytest.raises(TypeError, match=r"numpy\.ndarray, array_api_strict\.Array.*got list.*np\.asarray\(\[1, 2\]\)"):
        Variable([1, 2])


def test_variable_accepts_none_for_lazy_parameters():
    p = Parameter(None, name="W")
    assert p.data is None and repr(p) == "variable(None)" and isinstance(p, Variable)


def test_properties_len_and_repr(asarray):
    x = Variable(asarray([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), name="x")
    assert (x.shape, x.ndim, x.size, len(x), x.name) == ((2, 3), 2, 6, 2, "x")


@pytest.mark.backend("numpy")
def test_repr_is_dezero_style():
    x = Variable(np.array([[1, 2], [3, 4]]))
    assert repr(x) == "variable([[1 2]\n          [3 4]])"


def test_intermediate_is_freed_by_reference_counting_alone(asarray):
    gc.disable()
    try:
        x = Variable(asarray(np.ones(3)))
        h = F.sin(x)
        y = F.exp(h)
        probe = weakref.ref(h)
        del h
        assert probe() is not None  # still an input of exp
        del y
        assert probe() is None, "the graph must not hold a reference cycle"
    finally:
        gc.enable()


def test_outputs_are_weak_references(asarray):
    x = Variable(asarray(1.0))
    y = F.sin(x)
    f = y.creator
    assert isinstance(f.outputs[0], weakref.ref) and f.outputs[0]() is y
    assert y.generation == x.generation + 1 == 1


def test_outputs_are_a_tuple_of_weak_references_for_one_output_or_several():
    x = Variable(np.arange(4.0))
    halves = F.split(x, 2)
    for f, n in ((F.sin(x).creator, 1), (halves[0].creator, 2)):
        assert type(f.outputs) is tuple and len(f.outputs) == n and all(isinstance(r, weakref.ref) for r in f.outputs)
    assert all(ref() is half for ref, half in zip(halves[0].creator.outputs, halves, strict=True))


@pytest.mark.parametrize("call", [lambda x: x * 2.0, lambda x: F.sin(x), lambda x: x + x])
def test_an_op_output_starts_as_a_new_variable_does(call):
    """Every slot of an op's output matches a fresh Variable's but the graph's own."""
    y = call(Variable(np.arange(3.0)))
    fresh = Variable(y.data)
    for slot in Variable.__slots__:
        if slot in ("__weakref__", "__dict__", "creator", "generation"):  # the graph's: set by the call
            continue
        assert getattr(y, slot) is getattr(fresh, slot), slot
    assert type(y) is Variable and vars(y) == vars(fresh) == {}
    with dezero.no_grad():
        z = call(Variable(np.arange(3.0)))
    assert z.creator is None and z.generation == 0 and z.grad is None and z.name is None


def test_assigned_data_is_checked_and_a_variable_holding_none_is_named_by_the_op():
    x = Variable(np.ones(2))
    with pytest.raises(TypeError, match=r"Variable data must be an array .* got list"):
        x.data = [1.0, 2.0]
    assert np.array_equal(x.data, np.ones(2))  # the refused assignment changed nothing
    x.data = None
    with pytest.raises(TypeError, match=r"mul: input 0 is a Variable that holds no data \(None\)"):
        x * 2.0


def test_a_variable_assigned_to_data_gives_its_array_as_the_books_steps_28_and_29_need():
    x, v = Variable(np.array([1.0, 2.0])), Variable(np.array([0.5, 0.5]))
    y = v * 2.0
    x.data = y
    assert type(x.data) is np.ndarray and x.data is y.data and x.creator is None
    x.data -= v  # ndarray -= Variable gives a Variable (DeZero's rule); the property keeps its array
    assert type(x.data) is np.ndarray and np.array_equal(x.data, [0.5, 0.5])
    x.data = Variable(None)
    assert x.data is None


def test_no_grad_keeps_nothing_beyond_the_last_output():
    """A no_grad chain retains no graph: 2,000 ops leave one output, not 2,000 ops' worth of memory."""
    x = Variable(np.ones(4))
    with dezero.no_grad():
        y = x * 1.0001 + 0.0001  # the shared constants made
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for _ in range(1000):
                y = y * 1.0001 + 0.0001
            kept = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
    assert y.creator is None and kept < 4096, f"{kept} bytes kept by 2,000 no_grad ops"


def test_nothing_is_recorded_under_no_grad(asarray):
    x = Variable(asarray(1.0))
    with dezero.no_grad():
        y = F.sin(x)
    assert y.creator is None


def test_float32_stays_float32_with_python_scalars(asarray, xp):
    x = Variable(asarray([1.0, 2.0], dtype=np.float32))
    y = 2.0 * x**2 + x / 3 - 1
    y.backward(create_graph=True)
    assert y.dtype == xp.float32 and x.grad.dtype == xp.float32
    gx = x.grad
    x.cleargrad()
    gx.backward()
    assert x.grad.dtype == xp.float32


@pytest.mark.backend("numpy")
def test_float64_constant_array_meeting_float32_takes_float32():
    x = Variable(np.ones(2, dtype=np.float32))
    assert (x * np.array(2.0)).dtype == np.float32
    assert (x * np.array([2.0, 3.0])).dtype == np.float32
    assert (x + np.float64(1.5)).dtype == np.float32


@pytest.mark.backend("numpy")
def test_int_array_meeting_a_float_scalar_follows_numpy():
    x = Variable(np.array([1, 2]))
    assert (x * 1.5).dtype == np.float64 and (x * 2).dtype == x.dtype


def test_constants_get_no_gradient_but_user_variables_do(asarray):
    a = Variable(asarray([1.0, 2.0]))
    b = Variable(asarray([3.0, 4.0]))
    y = a * b * asarray([5.0, 6.0])
    assert y.creator.needs_input_grad == (True, False)
    y.backward()
    np.testing.assert_allclose(dezero.backends.to_numpy(a.grad.data), [15.0, 24.0])
    np.testing.assert_allclose(dezero.backends.to_numpy(b.grad.data), [5.0, 12.0])


def test_op_on_constants_only_records_nothing(asarray):
    y = F.sin(asarray(1.0))
    assert y.creator is None
    y.backward()  # DeZero allows it: nothing to propagate
    assert y.grad is not None


class _BadShape(Function):
    def forward(self, x):
        return x * 2

    def backward(self, gy):
        return gy.sum()  # wrong: a scalar for a (3,) input


def test_a_backward_returning_the_wrong_shape_is_blamed_on_the_op(asarray):
    x = Variable(asarray([1.0, 2.0, 3.0]))
    y = _BadShape()(x)
    with pytest.raises(
        ValueError,
        match=r"Function `_BadShape` has a bug: backward returned a grad of shape \(\) for input 0 of shape \(3,\)",
    ):
        y.backward()


def test_unsupported_input_type_names_the_op():
    with pytest.raises(TypeError, match=r"^sin: input 0 is a str"):
        F.sin("x")


def test_as_array_and_as_variable():
    assert isinstance(dezero.as_array(1.0), np.ndarray)
    v = Variable(np.array(1.0))
    assert dezero.as_variable(v) is v and isinstance(dezero.as_variable(np.array(1.0)), Variable)


@pytest.mark.backend("numpy")
def test_numpy_array_on_the_left_of_an_operator_gives_a_variable():
    x = Variable(np.array([1.0, 2.0]))
    for y in (np.array([1.0, 1.0]) + x, np.array(2.0) * x, np.array(1.0) - x, np.array(1.0) / x):
        assert isinstance(y, Variable)
    assert isinstance(np.float64(2.0) * x, Variable)


def test_unchain_backward_cuts_the_graph(asarray):
    x = Variable(asarray(1.0))
    h = F.sin(x)
    y = F.exp(h)
    y.unchain_backward()
    assert h.creator is None
    y.backward()
    assert x.grad is None and h.grad is not None


def test_variable_attribute_typo_is_pythons_own_error_with_the_context_for_did_you_mean(asarray):
    # Variable has no __getattr__ while the plugin manager has nothing to explain (it would slow every x.data);
    # Python's printed traceback adds "Did you mean: 'reshape'?" (test_plugins runs that in a fresh process)
    assert "__getattr__" not in vars(Variable)
    x = Variable(asarray([1.0]))
    with pytest.raises(AttributeError, match=r"'Variable' object has no attribute 'reshap'") as info:
        x.reshap(1)
    assert info.value.name == "reshap" and info.value.obj is x


@pytest.mark.backend("numpy")
def test_a_scalar_constant_is_made_once_and_read_only_on_numpy():
    a = np.ones(3)
    c = (Variable(a) * 2.0).creator.inputs[1].data
    assert c is (Variable(a) * 2.0).creator.inputs[1].data and c.dtype == a.dtype  # no new array per op call
    with pytest.raises(ValueError, match="read-only"):
        c += 1  # nobody may write into a shared constant
    x = Variable(a)
    with dezero.no_grad():
        y = x * 2.0
    assert y.creator is None and np.all(y.data == 2.0) and y.data.flags.writeable


def test_a_shared_scalar_input_keeps_its_wrapper_and_never_gets_a_gradient():
    x = Variable(np.array([1.0, 2.0]))
    y0, y1 = x * 3.0, 3.0 * x
    c = y0.creator.inputs[1]
    assert c is y1.creator.inputs[1] and y0.creator.needs_input_grad == (True, False)  # one wrapper per value
    left = F.sub(3.0, x).creator  # a scalar on the left shares the same wrapper
    assert left.inputs[0] is c and left.needs_input_grad == (False, True)
    (y0 + y1).sum().backward()
    assert c.grad is None and c.creator is None and np.all(x.grad.data == 6.0)


@pytest.mark.parametrize("op", [lambda x, c: x + c, lambda x, c: x * c, lambda x, c: c - x, lambda x, c: x / c])
def test_signed_zero_constants_keep_their_sign(asarray, to_numpy, op):
    # 0.0 == -0.0 and both hash alike: a cache keyed by the value would hand -0.0 the constant 0.0
    x = Variable(asarray([-0.0, 1.0]))
    for c in (0.0, -0.0, 0.0, -0.0):
        with np.errstate(divide="ignore", invalid="ignore"):
            got = op(x, c).data
            want = op(np.array([-0.0, 1.0]), c)
        assert np.array_equal(np.signbit(to_numpy(got)), np.signbit(want)), (c, got, want)


@pytest.mark.parametrize("x_kind", ["variable", "raw array"])
def test_a_three_input_op_records_generation_needs_and_constants(x_kind):
    """A layer's op, linear(x, W, b), with x a Variable or a raw array of W's class (a constant, by
    constant_array's rule): the generation is the inputs' highest, the needs and constants recorded."""
    from dezero_plug.core import _Constant

    rng = np.random.default_rng(0)
    data = rng.standard_normal((4, 3)).astype(np.float32)
    W, b = Variable(rng.standard_normal((3, 2))), Variable(rng.standard_normal(2))
    W.generation, b.generation = 2, 7
    x = Variable(data) if x_kind == "variable" else data
    if x_kind == "variable":
        x.generation = 9
    y = F.linear(x, W, b)
    f = y.creator
    assert f.generation == (9 if x_kind == "variable" else 7) and y.generation == f.generation + 1
    assert f.needs_input_grad == ((True, True, True) if x_kind == "variable" else (False, True, True))
    assert f.inputs[1] is W and f.inputs[2] is b
    if x_kind == "variable":
        assert f.inputs[0] is x
    else:
        assert type(f.inputs[0]) is _Constant
        assert f.inputs[0].data.dtype == np.float64  # a float32 constant meets float64 W: the general rule casts it
    np.testing.assert_allclose(y.data, data.astype(np.float64) @ W.data + b.data, rtol=1e-6)
    y.backward()
    assert W.grad.shape == (3, 2) and b.grad.shape == (2,)


def test_a_forward_that_returns_no_array_is_blamed_on_its_op():
    class Listed(dezero.Function):
        def forward(self, x):
            return [1.0, 2.0]  # the planted bug: a list, not an array

    with pytest.raises(TypeError, match=r"^Function `Listed` has a bug: forward returned list, not an array"):
        Listed()(Variable(np.ones(2)))
