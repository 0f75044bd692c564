"""Ops at the edges: 0-d inputs through forward and backward, numpy scalars as Variable data, axis spellings.

Each 0-d case used to crash in backward (a numpy scalar where an array was expected) or in forward
(dropout); the gradient is checked against central differences, not only that nothing raised.
"""

import re

import numpy as np
import pytest

import dezero_plug as dezero
import dezero_plug.functions as F
from dezero_plug import Variable
from dezero_plug.testing import check_backward

ZERO_D = {
    "abs": (lambda x: F.abs(x), 0.3),
    "clip": (lambda x: F.clip(x, 0.0, 1.0), 0.3),
    "leaky_relu": (lambda x: F.leaky_relu(x), -0.3),
    "maximum": (lambda x: F.maximum(x, 0.1), 0.3),
    "minimum": (lambda x: F.minimum(x, 0.5), 0.3),
    "mean_absolute_error": (lambda x: F.mean_absolute_error(x, np.array(0.1)), 0.3),
    "sigmoid_cross_entropy": (lambda x: F.sigmoid_cross_entropy(x, np.array(1)), 0.3),
    "binary_cross_entropy": (lambda x: F.binary_cross_entropy(x, np.array(1)), 0.3),
    "sum axis=0": (lambda x: F.sum(x, axis=0), 0.3),
    "sum axis=-1": (lambda x: F.sum(x, axis=-1), 0.3),
    "mean axis=0": (lambda x: F.mean(x, axis=0), 0.3),
    "max axis=0": (lambda x: F.max(x, axis=0), 0.3),
}


@pytest.mark.parametrize("name", sorted(ZERO_D))
def test_a_0d_input_goes_through_forward_and_backward(backend, name):
    f, value = ZERO_D[name]
    if name in ("mean_absolute_error", "sigmoid_cross_entropy", "binary_cross_entropy") and backend.name != "numpy":
        pytest.skip("the target is a numpy array; the op itself is tested on every backend elsewhere")
    check_backward(f, [backend.from_numpy(np.array(value))], backend=backend)


def test_dropout_of_a_0d_input_draws_a_0d_mask(backend):
    backend.seed(0)
    y = F.dropout(Variable(backend.from_numpy(np.array(2.0))), 0.5)
    assert y.shape == () and float(backend.to_numpy(y.data)) in (0.0, 4.0)


@pytest.mark.backend("numpy")
def test_numpy_scalars_are_accepted_as_variable_data_and_after_an_out_of_place_update():
    assert type(Variable(np.float64(2.5)).data) is np.ndarray
    x = Variable(np.array(2.0))
    y = x * x
    y.backward()
    x.data = x.data - 0.1 * x.grad.data  # the book's update, out of place: numpy gives an np.float64 ...
    assert type(x.data) is np.ndarray and x.data.shape == ()  # ... which Variable.data keeps as a 0-d array
    for expression, expected in ((lambda v: v - 1.0, 0.6), (lambda v: 2 * v, 3.2), (lambda v: 1.0 - v, -0.6)):
        np.testing.assert_allclose(expression(x).data, expected)


def test_other_junk_as_variable_data_is_refused_naming_the_type():
    with pytest.raises(TypeError, match=r"Variable data must be an array of a registered backend .* got list"):
        Variable([1.0, 2.0])


def test_a_numpy_integer_axis_is_an_axis(backend, asarray, to_numpy):
    y = F.sum(Variable(asarray(np.ones((2, 3)))), axis=np.int64(1))
    np.testing.assert_array_equal(to_numpy(y), [3.0, 3.0])


def test_a_non_integer_axis_is_refused_naming_the_op(asarray):
    with pytest.raises(TypeError, match=r"^sum: axis must be an int or a tuple of ints; got 1.5"):
        F.sum(Variable(asarray(np.ones((2, 3)))), axis=1.5)


def test_an_out_of_range_axis_of_a_0d_input_is_refused(asarray):
    with pytest.raises(ValueError, match=r"^sum: axis 1 is out of range for an input of 0 dimension"):
        F.sum(Variable(asarray(np.array(1.0))), axis=1)
    assert dezero.Variable(asarray(np.array(1.0))).shape == ()


def test_softmax_of_integer_scores_is_refused_instead_of_wrapping_around():
    x = Variable(np.array([[1, 2, 255]], dtype=np.uint8))  # x - max(x) would wrap: NaN before
    for op in (F.softmax, F.log_softmax):
        with pytest.raises(TypeError, match=r"softmax: expected floating-point scores; got dtype uint8"):
            op(x)


def test_deconv2d_with_a_pad_that_leaves_no_output_is_refused_naming_the_sizes():
    with pytest.raises(ValueError, match=r"^deconv2d: the output size would be \(-6, -6\) .* pad \(5, 5\)"):
        F.deconv2d(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)), pad=5)


def test_each_for_over_a_data_loader_is_a_new_epoch_even_after_a_break():
    """As PyTorch's: DeZero's went on with the rest of the old epoch. next() goes on where it was."""
    np.random.seed(0)
    loader = dezero.DataLoader(dezero.datasets.Spiral(train=True), batch_size=100)  # 300 samples: 3 batches
    for _ in loader:
        break
    assert sum(1 for _ in loader) == 3
    assert sum(1 for _ in loader) == 3  # a full epoch reset itself: the next one is whole too
    loader.next()
    assert loader.iteration == 1


# ---------------------------------------------- numpy's bare OverflowError and MemoryError, restated
@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda: Variable(np.array([1], np.uint8)) + 300, "add: input 1, 300, does not fit uint8"),
        (lambda: 300 - Variable(np.array([1], np.uint8)), "sub: input 0, 300, does not fit uint8"),
        (lambda: Variable(np.array([1])) * 2**70, f"mul: input 1, {2**70}, does not fit int64"),
    ],
)
def test_a_python_int_out_of_the_range_of_the_dtype_it_meets_names_the_op(call, fragment):
    with pytest.raises(OverflowError, match=f"^{fragment}"):
        call()


# Sizes past any machine's address space (2**47 bytes), so that the allocation fails wherever it runs
# (a smaller one could succeed under overcommit and then fault its pages in).
HUGE = 10**14


def test_an_op_that_cannot_allocate_its_result_names_itself_and_its_inputs():
    x, W = np.ones((1, 1, 3, 3), np.float32), np.ones((1, 1, 3, 3), np.float32)
    with pytest.raises(MemoryError, match=r"^conv2d: .*\(forward of inputs \(1, 1, 3, 3\) float32"):
        F.conv2d(x, Variable(W), pad=10**7)


def test_a_layer_too_big_to_allocate_names_the_layer_and_the_size():
    with pytest.raises(MemoryError, match=rf"^Linear: a bias of {HUGE} elements: .*check the layer's sizes"):
        dezero.layers.Linear(HUGE)
    with pytest.raises(MemoryError, match=rf"^Conv2d: a bias of {HUGE} elements"):
        dezero.layers.Conv2d(HUGE, 3)
    with pytest.raises(MemoryError, match=rf"^weights of shape \({HUGE}, 10\): .*check the layer's sizes"):
        dezero.layers.EmbedID(HUGE, 10)


def test_a_data_loader_over_a_dataset_too_long_to_order_names_its_length():
    class Endless:
        def __len__(self):
            return HUGE

        def __getitem__(self, i):
            return np.zeros(2), 0

    with pytest.raises(MemoryError, match=rf"^DataLoader: the order of a dataset of {HUGE} items: .*len\(\)"):
        dezero.DataLoader(Endless(), 10)


@pytest.mark.parametrize("data", [np.array([1, "a"], dtype=object), np.zeros(2, dtype=[("a", "f4")]), np.array(["a"])])
def test_an_array_of_no_numbers_meeting_a_scalar_is_refused_naming_the_op_and_dtype(data):
    """numpy's backend declares object, string and record arrays of no kind (its dtype_kind raised KeyError)."""
    with pytest.raises(TypeError, match=rf"^add: dtype {re.escape(str(data.dtype))} holds no numbers"):
        Variable(data) + 1.0
