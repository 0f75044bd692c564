"""Variables at the boundary with numpy and Python (std/interop.py), on the backend under test.

One rule per protocol (docs/mixing.md): ``np.asarray`` gives the data, never an object array; Python's
numbers and truth follow numpy 2's arrays; DLPack shares memory; a gradient has its variable's dtype.
"""

import copy
import operator
import pickle
import re

import numpy as np
import pytest

import dezero_plug as dz
import dezero_plug.functions as F
from dezero_plug import Parameter
from dezero_plug import Variable


def test_asarray_gives_the_values_never_an_object_array(asarray):
    v = Variable(asarray(np.arange(6.0).reshape(2, 3)))
    for host in (np.asarray(v), np.array(v), np.asarray(v, dtype=np.float32)):
        assert host.dtype != object and host.shape == (2, 3)
        np.testing.assert_array_equal(host, np.arange(6.0).reshape(2, 3))
    assert np.asarray(v, dtype=np.float32).dtype == np.float32


@pytest.mark.backend("numpy")
def test_asarray_of_a_numpy_variable_is_its_data_and_copy_true_copies():
    data = np.arange(3.0)
    v = Variable(data)
    assert np.asarray(v) is data
    assert np.asarray(v, copy=False) is data
    copied = np.array(v, copy=True)
    copied[0] = 5.0
    assert data[0] == 0.0


def test_asarray_of_a_variable_without_data_is_refused():
    with pytest.raises(TypeError, match=r"np.asarray: the Parameter holds no data \(None\)"):
        np.asarray(dz.Parameter(None))


def test_python_numbers_of_a_0d_variable(asarray):
    assert float(Variable(asarray(2.5))) == 2.5
    assert int(Variable(asarray(2.7))) == 2
    assert complex(Variable(asarray(1.5))) == 1.5 + 0j
    assert operator.index(Variable(asarray(3, dtype=np.int64))) == 3
    assert list(range(10))[Variable(asarray(4, dtype=np.int64))] == 4
    assert Variable(asarray(2.5)).item() == 2.5 and type(Variable(asarray(2.5)).item()) is float


@pytest.mark.parametrize("convert", [float, int, complex, operator.index])
def test_python_numbers_of_other_shapes_raise_naming_the_shape(asarray, convert):
    with pytest.raises(TypeError, match=r"only 0-dimensional Variables .* got shape \(1,\)"):
        convert(Variable(asarray(np.ones(1, dtype=np.int64))))


def test_index_of_a_float_is_refused(asarray):
    with pytest.raises(TypeError, match="only integer Variables are indices; got dtype float"):
        operator.index(Variable(asarray(3.0)))


def test_truth_follows_numpy(asarray):
    assert bool(Variable(asarray(np.zeros(1)))) is False
    assert bool(Variable(asarray(np.ones((1, 1))))) is True
    assert bool(Variable(asarray(0.0))) is False
    for shape, size in (((2, 3), 6), ((0,), 0)):
        with pytest.raises(ValueError, match=rf"shape {re.escape(repr(shape))} \({size} elements\) is ambiguous"):
            bool(Variable(asarray(np.ones(shape))))


def test_iteration_over_rows_is_differentiable_and_refused_for_0d(asarray, to_numpy):
    x = Variable(asarray(np.array([1.0, 2.0, 3.0])))
    rows = list(x)
    assert len(rows) == 3 and all(isinstance(r, Variable) for r in rows)
    y = rows[0] * rows[2]
    y.backward()
    np.testing.assert_allclose(to_numpy(x.grad), [3.0, 0.0, 1.0])
    with pytest.raises(TypeError, match="iteration over a 0-d Variable"):
        list(Variable(asarray(1.0)))


@pytest.mark.backend("numpy")  # array_api_strict's operators raise for a Variable instead of deferring to it
def test_an_ndarray_on_the_left_of_matmul_is_matmul(to_numpy):
    a = np.arange(6.0).reshape(2, 3)
    w = Variable(np.ones((3, 2)))
    assert isinstance(a + Variable(np.ones(3)), Variable)
    y = a @ w
    assert isinstance(y, Variable)
    np.testing.assert_allclose(to_numpy(y), np.arange(6.0).reshape(2, 3) @ np.ones((3, 2)))
    F.sum(y).backward()
    np.testing.assert_allclose(to_numpy(w.grad), np.arange(6.0).reshape(2, 3).T @ np.ones((2, 2)))


def test_numpy_ufuncs_are_the_differentiable_ops(asarray, to_numpy):
    x = Variable(asarray(np.array([0.5, 1.0])))
    y = np.exp(x) * np.sin(x)  # numpy's functions reach F.exp and F.sin: a Variable, on x's backend
    assert isinstance(y, Variable)
    F.sum(y).backward()
    expected = np.exp([0.5, 1.0]) * (np.sin([0.5, 1.0]) + np.cos([0.5, 1.0]))
    np.testing.assert_allclose(to_numpy(x.grad), expected, rtol=1e-12)
    with pytest.raises(TypeError, match=r"np.floor on a Variable: dezero_plug has no .*np.floor\(v.data"):
        np.floor(x)
    with pytest.raises(TypeError, match=r"np.add.reduce on a Variable"):
        np.add.reduce(x)


@pytest.mark.backend("numpy")  # an ndarray on the left
def test_an_in_place_operator_on_an_ndarray_rebinds_the_name_as_in_dezero():
    a = np.ones(3)
    kept = a
    v = Variable(np.arange(3.0))
    a -= v  # DeZero's rule: the name is bound to a Variable; the array it named is not written
    assert isinstance(a, Variable) and np.array_equal(a.data, [1.0, 0.0, -1.0])
    assert np.array_equal(kept, np.ones(3))
    D = np.full((2, 2), 4.0)
    D /= F.sum(v)  # a RetNet layer written for DeZero does this
    assert isinstance(D, Variable) and np.array_equal(D.data, np.full((2, 2), 4.0 / 3.0))
    with pytest.raises(TypeError, match=r"np.add\(..., out=...\) on a Variable: a Variable cannot be written"):
        np.add(np.ones(3), v, out=np.empty(3))


def test_numpy_reductions_call_the_variable_methods_and_refuse_dtype_and_out(asarray, to_numpy):
    x = Variable(asarray(np.arange(6.0).reshape(2, 3)))
    mean = np.mean(x)
    assert isinstance(mean, Variable) and float(mean) == 2.5
    np.testing.assert_allclose(to_numpy(np.sum(x, axis=0)), [3.0, 5.0, 7.0])
    with pytest.raises(TypeError, match=r"x.sum: numpy's dtype= and out= are not taken .* F.sum\(x\)"):
        np.sum(x, dtype=np.float32)
    with pytest.raises(TypeError, match=r"x.max: numpy's dtype= and out="):
        np.max(x, out=np.empty(()))


@pytest.mark.backend("numpy")
def test_dlpack_shares_the_memory():
    data = np.arange(4.0)
    v = Variable(data)
    assert np.shares_memory(np.from_dlpack(v), data)
    assert v.__dlpack_device__() == data.__dlpack_device__()
    again = dz.from_dlpack(v)
    assert isinstance(again, Variable) and again.data is data
    assert dz.from_dlpack(data).data is data


def test_from_dlpack_refuses_what_is_no_producer():
    with pytest.raises(TypeError, match="from_dlpack: a list is no DLPack producer"):
        dz.from_dlpack([1.0, 2.0])


@pytest.mark.parametrize("create_graph", [False, True])
def test_a_gradient_has_its_variables_dtype(asarray, backend, create_graph):
    if not backend.float64:
        pytest.skip(f"{backend.name} has no float64 here")
    x = Variable(asarray(np.ones((2, 3)), dtype=np.float32))
    W = Variable(asarray(np.full((3, 4), 0.5)))
    y = F.sum(F.linear(x, W) ** 2)
    y.backward(create_graph=create_graph)
    assert x.grad.dtype == x.dtype and W.grad.dtype == W.dtype
    np.testing.assert_allclose(np.asarray(x.grad), np.full((2, 3), 2 * 1.5 * 0.5 * 4), rtol=1e-6)
    if create_graph:  # the cast is recorded too: differentiable again
        gx = x.grad
        x.cleargrad()
        F.sum(gx).backward()
        assert x.grad.dtype == x.dtype


def test_astype_converts_and_its_gradient_comes_back_in_the_input_dtype(asarray, backend):
    if not backend.float64:
        pytest.skip(f"{backend.name} has no float64 here")
    x = Variable(asarray(np.array([1.0, 2.0]), dtype=np.float32))
    y = x.astype(asarray(np.zeros(1)).dtype)  # the backend's float64
    assert y.dtype == asarray(np.zeros(1)).dtype
    F.sum(y * y).backward()
    assert x.grad.dtype == x.dtype
    np.testing.assert_allclose(np.asarray(x.grad), [2.0, 4.0])


@pytest.mark.backend("numpy", "readonly", "jax", "torch")  # array_api_strict refuses int * float
def test_an_integer_variables_gradient_stays_real(asarray):
    i = Variable(asarray(np.array([1, 2, 3])))
    F.sum(i * 2.5).backward()
    np.testing.assert_allclose(np.asarray(i.grad), [2.5, 2.5, 2.5])


def test_data_no_backend_owns_is_refused_naming_the_type_and_the_plugin_to_install():
    tensor_type = type("Tensor", (), {"__module__": "torch"})  # a library's array whose plugin is not installed
    with pytest.raises(
        TypeError,
        match=r"for torch's arrays: pip install <dezero_plug checkout>/plugins/dezero-plug-torch\) or None; got Tensor",
    ):
        Variable(tensor_type())
    with pytest.raises(TypeError, match=r"Variable data must be an array of a registered backend .* got list"):
        Variable([1.0, 2.0])
    with pytest.raises(
        TypeError,
        match="relu: input 0 is a Tensor; expected .* pip install <dezero_plug checkout>/plugins/dezero-plug-torch",
    ):
        F.relu(tensor_type())


def test_len_is_the_first_axis_and_refused_for_0d(asarray):
    assert len(Variable(asarray(np.ones((3, 2))))) == 3
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d Variable"):
        len(Variable(asarray(1.0)))


# ----------------------------------------------------------------------------- pickle and copy: a leaf
def test_a_variable_pickles_and_deep_copies_as_a_leaf_with_its_data_name_grad_and_attributes():
    x = Variable(np.array([0.5, 1.0]), name="x")
    y = F.sin(x)
    y.name, y.grad, y.note = "y", Variable(np.array([1.0, 2.0])), "kept"
    for copied in (pickle.loads(pickle.dumps(y)), copy.deepcopy(y)):
        assert type(copied) is Variable and copied.creator is None and copied.generation == 0
        assert copied.name == "y" and copied.note == "kept"
        np.testing.assert_array_equal(copied.data, np.sin(x.data))
        np.testing.assert_array_equal(copied.grad.data, [1.0, 2.0])
        assert copied.data is not y.data  # deep: its own array
        copied.backward()  # a leaf: nothing reaches x through the copy
    assert x.grad is None
    assert copy.copy(y).data is y.data  # shallow: the same array, still a leaf


def test_a_variable_at_the_end_of_a_long_graph_copies_without_recursing_through_it():
    y = Variable(np.array(0.0))
    for _ in range(100_000):
        y = y + 1.0
    assert float(copy.deepcopy(y).data) == 100_000.0
    assert float(pickle.loads(pickle.dumps(y)).data) == 100_000.0


def test_parameters_shared_in_one_pickle_stay_one_object():
    p = Parameter(np.ones(2), name="W")
    first, second = pickle.loads(pickle.dumps([p, p]))
    assert first is second and type(first) is Parameter and first.name == "W"
