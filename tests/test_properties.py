"""Property-based: random shapes, dtypes, axes and values for every builtin elementwise, reduction,
broadcasting and shape op, on numpy and array-api-strict, against the ops' declared references.

The oracle is each op's own ``OpSample(reference=...)`` (the one forward oracle of the project): the
op, category, value range and reference come from the samples, hypothesis draws the rest. Properties:
the forward matches the reference, float32 stays float32, each input's gradient has its shape and
dtype, and the only errors are TypeError, ValueError or LookupError starting with the op's name.
The ``ci`` profile (CI=1, as tox passes it) is derandomized with a fixed example count and no database.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dezero_plug import Variable
from dezero_plug import backends
from dezero_plug import functions as F
from dezero_plug import plugin_manager

ALLOWED = (TypeError, ValueError, LookupError)


def builtin_oracles():
    """(op, sample) for each builtin elementwise/reduction/shape op: its first sample with a numpy reference."""
    found = {}
    for plugin, samples in plugin_manager.op_samples().items():
        if plugin_manager.records[plugin].source != "builtin":
            continue
        for op, listed in samples.items():
            for sample in listed:
                if sample.category != "other" and callable(sample.reference) and sample.call is None:
                    found.setdefault(op, sample)
    return sorted(found.items())


ORACLES = builtin_oracles()
BACKENDS = ["numpy", "array_api_strict"]


def test_the_oracles_cover_each_category():
    categories = {sample.category for _, sample in ORACLES}
    assert categories == {"elementwise", "reduction", "shape"}, categories
    assert {"add", "mul", "exp", "sum", "mean", "transpose", "squeeze"} <= {op for op, _ in ORACLES}


def shapes_for(sample):
    """Shapes for the sample's generated inputs: mutually broadcastable ones, or (to test errors) any."""
    count = sum(isinstance(x, tuple) for x in sample.inputs)
    if count == 1:
        return hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4).map(lambda s: [s])
    broadcastable = hnp.mutually_broadcastable_shapes(num_shapes=count, min_dims=0, max_dims=3, max_side=4).map(
        lambda b: list(b.input_shapes)
    )
    anything = st.lists(
        hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4), min_size=count, max_size=count
    )
    return st.one_of(broadcastable, anything)


def kwargs_for(sample):
    if sample.category == "reduction":
        axis = st.one_of(st.none(), st.integers(-4, 3), st.tuples(st.integers(-3, 3), st.integers(-3, 3)))
        return st.fixed_dictionaries({"axis": axis, "keepdims": st.booleans()})
    if "axis" in sample.kwargs:  # expand_dims, squeeze: an axis in or out of range
        return st.fixed_dictionaries({"axis": st.integers(-4, 4)})
    return st.just({k: v for k, v in sample.kwargs.items() if k != "axes"})


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("backend_name", BACKENDS)
@pytest.mark.parametrize("op, sample", ORACLES, ids=[op for op, _ in ORACLES])
@given(data=st.data())
def test_op_against_its_reference(op, sample, backend_name, data):
    backend = backends.get_backend(backend_name)
    shapes = data.draw(shapes_for(sample), label="shapes")
    kwargs = data.draw(kwargs_for(sample), label="kwargs")
    dtype = data.draw(st.sampled_from(["float32", "float64"]), label="dtype")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16), label="seed"))
    shape_iter = iter(shapes)
    made = [
        rng.uniform(sample.low, sample.high, size=next(shape_iter)).astype(dtype) if isinstance(x, tuple) else x
        for x in sample.inputs
    ]
    inputs = [Variable(backend.from_numpy(x)) if isinstance(x, np.ndarray) else x for x in made]
    try:
        y = getattr(F, op)(*inputs, **kwargs)
    except ALLOWED as exc:
        assert str(exc).startswith(f"{op}:"), f"{op}{tuple(shapes)} {kwargs}: {type(exc).__name__}: {exc}"
        return
    try:
        with np.errstate(all="ignore"):
            expected = np.asarray(sample.reference(*made, **kwargs))
    except Exception:  # numpy refuses what the op accepts (a 0-d input's axis 0): nothing to compare
        expected = None
    got = backend.to_numpy(y.data)
    if expected is not None:
        assert got.shape == expected.shape, f"{op}{tuple(shapes)} {kwargs}: shape {got.shape}, numpy {expected.shape}"
        tolerance = 1e-4 if dtype == "float32" else 1e-10
        np.testing.assert_allclose(
            got, expected, rtol=tolerance, atol=tolerance, err_msg=f"{op}{tuple(shapes)} {kwargs}"
        )
    assert str(y.dtype).rpartition(".")[2] == dtype, f"{op}: {dtype} inputs gave {y.dtype}"
    F.sum(y).backward()
    for x in inputs:
        if isinstance(x, Variable):
            assert x.grad is not None, f"{op}{tuple(shapes)}: an input got no gradient"
            assert tuple(x.grad.shape) == tuple(x.shape), f"{op}{tuple(shapes)}: gradient {x.grad.shape}"
            assert x.grad.dtype == x.dtype, f"{op}{tuple(shapes)}: {x.dtype} input got a {x.grad.dtype} gradient"
