"""Backends: lookup by type, the primitives, mixing errors, moving to and from the GPU."""

import sys

import numpy as np
import pytest
from helpers import run_fresh

import dezero_plug.functions as F
from dezero_plug import BackendMismatchError
from dezero_plug import Variable
from dezero_plug import backends
from dezero_plug.cuda import get_array_module


def test_backend_of_finds_the_backend_by_type(backend, asarray):
    assert backends.backend_of(asarray([1.0])) is backend
    assert get_array_module(Variable(asarray([1.0]))) is backend.xp


def test_get_array_module_of_anything_else_is_numpy():
    assert get_array_module(1.0) is np


def test_unknown_type_is_a_type_error_listing_accepted_types():
    with pytest.raises(
        TypeError, match=r"expected an array of a registered backend \(numpy\.ndarray.*got builtins\.list"
    ):
        backends.backend_of([1, 2])


def test_mixing_numpy_and_strict_names_the_op_and_both_backends():
    strict = backends.get_backend("array_api_strict")
    if strict.unavailable_reason():
        pytest.skip(strict.unavailable_reason())
    a = Variable(np.ones(3))
    b = Variable(strict.from_numpy(np.ones(3)))
    with pytest.raises(
        BackendMismatchError,
        match=r"^add: inputs come from different backends: numpy \(input 0\) and array_api_strict \(input 1\)",
    ) as info:
        a + b
    assert info.value.op == "add" and info.value.backends == ["numpy", "array_api_strict"]
    with pytest.raises(BackendMismatchError, match=r"^mul: .*array_api_strict \(input 0\) and numpy \(input 1\)"):
        F.mul(b, np.ones(3))


def test_a_three_input_op_with_inputs_of_two_backends_names_the_op_and_both():
    """Three inputs (a layer's op): each position of the odd one out is named, a raw batch x too."""
    strict = backends.get_backend("array_api_strict")
    if strict.unavailable_reason():
        pytest.skip(strict.unavailable_reason())
    W, b = Variable(np.ones((3, 2))), Variable(np.ones(2))
    for x, bias, where in [
        (Variable(strict.from_numpy(np.ones((4, 3)))), b, r"array_api_strict \(input 0\) and numpy \(input 1\)"),
        (Variable(np.ones((4, 3))), Variable(strict.from_numpy(np.ones(2))), r"numpy \(input 0\) and array_api_strict"),
        (np.ones((4, 3)), Variable(strict.from_numpy(np.ones(2))), r"numpy \(input 0\) and array_api_strict"),
    ]:
        with pytest.raises(BackendMismatchError, match=r"^linear: inputs come from different backends: " + where):
            F.linear(x, W, bias)


def test_scatter_add_accumulates_repeated_indices(backend, asarray, to_numpy):
    out = backend.scatter_add(asarray(np.zeros(4)), asarray(np.array([0, 2, 0, 0])), asarray([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(to_numpy(out), [8.0, 0.0, 2.0, 0.0])


def test_scatter_add_does_not_modify_its_input(backend, asarray, to_numpy):
    base = asarray(np.ones(2))
    backend.scatter_add(base, asarray(np.array([1])), asarray([5.0]))
    np.testing.assert_array_equal(to_numpy(base), [1.0, 1.0])


def test_sliding_window_view_matches_numpy(backend, asarray, to_numpy):
    x = np.arange(2 * 5 * 5, dtype=float).reshape(2, 5, 5)
    got = backend.sliding_window_view(asarray(x), (3, 3), (1, 2))
    np.testing.assert_array_equal(to_numpy(got), np.lib.stride_tricks.sliding_window_view(x, (3, 3), (1, 2)))


def test_random_numbers_follow_numpys_global_seed_on_numpy():
    numpy_backend = backends.get_backend("numpy")
    np.random.seed(0)
    a = numpy_backend.random("normal", (3,))
    np.random.seed(0)
    np.testing.assert_array_equal(a, np.random.randn(3))
    assert numpy_backend.random("uniform", (2, 2), np.float32).dtype == np.float32


def test_random_on_the_backend_under_test(backend, xp):
    x = backend.random("uniform", (100,), xp.float32)
    assert x.dtype == xp.float32 and x.shape == (100,)
    values = backend.to_numpy(x)
    assert ((values >= 0) & (values < 1)).all()


def test_getitem_follows_numpys_indexing(backend, asarray, to_numpy):
    x = np.arange(12.0).reshape(3, 4)
    for index in [(np.array([0, 2, 2]),), (slice(None), np.array([1, 3])), (np.array([0, 1]), np.array([2, 3])), 1]:
        np.testing.assert_array_equal(to_numpy(backend.getitem(asarray(x), index)), x[index])


def test_strict_arrays_live_on_a_non_default_device():
    strict = backends.get_backend("array_api_strict")
    if strict.unavailable_reason():
        pytest.skip(strict.unavailable_reason())
    x = strict.from_numpy(np.ones(2))
    assert str(x.device) == str(strict.xp.Device("device1"))
    with pytest.raises(ValueError, match="different devices"):
        x + strict.xp.ones(2)  # an array made without device= fails, as it would on a GPU


def test_to_cpu_moves_data_and_grad_to_numpy(asarray):
    x = Variable(asarray([1.0, 2.0]))
    (x * x).sum().backward()
    x.to_cpu()
    assert type(x.data) is np.ndarray and type(x.grad.data) is np.ndarray
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])


def test_to_gpu_without_a_gpu_backend_says_what_to_install(no_gpu_plugin):
    with pytest.raises(
        RuntimeError,
        match=r"no GPU backend is installed: pip install .<dezero_plug checkout>/plugins/dezero-plug-cupy\[cuda12\]. "
        r"\(its extra installs the CuPy wheel",
    ):
        Variable(np.ones(2)).to_gpu()


def test_unknown_backend_name_lists_the_registered_ones(no_gpu_plugin):
    with pytest.raises(
        LookupError,
        match=r"no backend named 'cupy' is registered "
        r"\(pip install <dezero_plug checkout>/plugins/dezero-plug-cupy\); registered: numpy",
    ):
        backends.get_backend("cupy")


# ---------------------------------------------------------------- the contract: owners, refusals, overlaps
@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # numpy's own warning on making a matrix
@pytest.mark.parametrize(
    "make, name",
    [(lambda: np.matrix([[1.0, 2.0]]), "numpy.matrix"), (lambda: np.ma.masked_array([1.0, 2.0]), "MaskedArray")],
)
def test_numpy_refuses_matrices_and_masked_arrays_naming_the_type(make, name):
    with pytest.raises(TypeError, match=rf"{name} is refused as Variable data") as info:
        Variable(make())
    assert "np.asarray" in str(info.value)


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_a_numpy_matrix_never_reaches_an_op():
    with pytest.raises(TypeError, match=r"numpy\.matrix is refused.*matrix product"):
        F.mul(Variable(np.ones((2, 2))), np.matrix(np.eye(2)))


def test_a_backend_for_a_numpy_subclass_owns_its_arrays_and_numpy_keeps_plain_ones():
    rc, out, err = run_fresh(
        """
        import numpy as np
        from dezero_plug import Variable, backends
        readonly = backends.get_backend("readonly")
        a = readonly.from_numpy(np.ones(3))
        print(backends.backend_of(a).name, backends.backend_of(np.ones(3)).name)
        print(backends.backend_of((Variable(a) * 2).data).name)
    """,
        "readonly",
    )
    assert rc == 0, err
    assert out.splitlines() == ["readonly numpy", "readonly"]


class _Tagged(np.ndarray):
    """A numpy subclass whose arrays carry a tag; the planted backend below refuses the "tracked" ones."""

    tag = ""


def test_a_backend_that_checks_arrays_sees_each_one_a_variable_is_given_op_outputs_too():
    import types

    from dezero_plug import hookimpl
    from dezero_plug import plugin_manager

    class Tagging(backends.Backend):
        name, array_types, checks_arrays, mutable_arrays = "tagging", (_Tagged,), True, True
        xp = np

        def refusal_of(self, array):
            return "tagging: a tracked array; untag it first" if array.tag == "tracked" else None

        def from_numpy(self, array, device=None):
            return np.array(array).view(_Tagged)

        def to_numpy(self, array):
            return array.view(np.ndarray)

    plugin = types.ModuleType("tagging")
    plugin.dezero_plug_backends = hookimpl(lambda: [Tagging()])
    plugin_manager.register(plugin)
    try:
        plain, tracked = np.ones(2).view(_Tagged), np.ones(2).view(_Tagged)
        tracked.tag = "tracked"
        v = Variable(plain)
        assert backends.backend_of(v.data).name == "tagging" and type((v * 2).data) is _Tagged
        for _ in range(2):  # the second time too: arrays of a checking backend are never trusted by type
            with pytest.raises(TypeError, match=r"^tagging: a tracked array; untag it first$"):
                Variable(tracked)
        with pytest.raises(TypeError, match=r"^tagging: a tracked array"):
            v.data = tracked
        with pytest.raises(TypeError, match=r"^mul: tagging: a tracked array"):  # an output that would be one
            F.mul(v, tracked)
        assert v.data is plain
    finally:
        plugin_manager.unregister("tagging")


def test_two_backends_declaring_one_class_are_reported_and_their_arrays_refused():
    rc, out, err = run_fresh(
        """
        import numpy as np
        from dezero_plug import backends
        from dezero_plug.__main__ import main
        main(["backends"])
        try:
            backends.backend_of(backends.get_backend("twin").from_numpy(np.ones(2)))
        except TypeError as e:
            print("refused:", e)
    """,
        "readonly",
        "overlap",
    )
    assert rc == 0, err
    assert "backends 'readonly' (plugin 'readonly' (dezero-plug-readonly 0.1)) and 'twin'" in err
    assert "both declare the array class dezero_plug_readonly:ReadOnlyArray" in err
    assert "overlap: dezero_plug_readonly:ReadOnlyArray is declared by readonly, twin" in out
    assert "refused: arrays of dezero_plug_readonly.ReadOnlyArray are claimed by backends 'readonly' and 'twin'" in out


def test_a_backend_plugin_imported_before_dezero_plug_owns_its_arrays_at_once():
    rc, out, err = run_fresh(
        """
        import numpy as np
        import dezero_plug_readonly
        import dezero_plug as dz
        a = dezero_plug_readonly.freeze(np.ones(2))
        print(dz.Variable(a).data.sum(), dz.backends.backend_of(a).name)
    """,
        "readonly",
    )
    assert rc == 0, err
    assert out.split() == ["2.0", "readonly"]


def test_float64_data_is_refused_by_a_backend_without_float64_naming_the_dtype(readonly_without_float64):
    v = Variable(np.ones(2))
    with pytest.raises(TypeError, match=r"cannot move float64 data to backend 'narrow', which has no float64"):
        v.to_backend(readonly_without_float64)
    v32 = Variable(np.ones(2, dtype=np.float32))
    v32.to_backend(readonly_without_float64)  # float32 moves
    assert type(v32.data).__name__ == "ReadOnlyArray" and v32.dtype == np.float32


@pytest.fixture
def readonly_without_float64(readonly_backend):
    class Narrow(type(readonly_backend)):
        name = "narrow"
        float64 = False

    return Narrow()


@pytest.mark.parametrize("widths", [((0, 0), (1, 2), (2, 0)), ((1, 1), (0, 2), (3, 1))])  # every corner too
def test_pad_matches_numpy_and_leaves_its_input_alone(backend, asarray, to_numpy, widths):
    x = np.arange(6.0).reshape(1, 2, 3)
    a = asarray(x)
    got = backend.pad(a, widths, -1.0)
    np.testing.assert_array_equal(to_numpy(got), np.pad(x, widths, constant_values=-1.0))
    np.testing.assert_array_equal(to_numpy(a), x)


def _on_glibc() -> bool:
    """Whether this process runs on Linux with glibc, where malloc's thresholds can be set."""
    import ctypes

    return sys.platform.startswith("linux") and hasattr(ctypes.CDLL(None), "gnu_get_libc_version")


KEPT_AFTER_IMPORT = """
    import dezero_plug, dezero_plug.functions
    from dezero_plug import memory
    print(memory.kept())
"""


@pytest.mark.parametrize("switch, kept", [(None, "False"), ("1", "True"), ("0", "False")])
def test_import_leaves_malloc_alone_unless_the_environment_asks(switch, kept):
    """Keeping freed memory changes malloc for the whole process: only a program's own choice makes it."""
    glibc = _on_glibc()
    env = {} if switch is None else {"DEZERO_PLUG_KEEP_FREED_MEMORY": switch}
    rc, out, err = run_fresh(KEPT_AFTER_IMPORT, **env)
    assert rc == 0, err
    assert out.strip() == (kept if glibc else "False")


def test_keep_freed_memory_is_an_explicit_call_that_says_whether_malloc_took_it():
    glibc = _on_glibc()
    rc, out, err = run_fresh("import dezero_plug\nprint(dezero_plug.keep_freed_memory(), dezero_plug.memory.kept())\n")
    assert rc == 0, err
    assert out.split() == ([str(glibc)] * 2)


def test_numpy_laid_out_like_copies_values_into_the_memory_order_of_like_only_when_it_differs():
    numpy_backend = backends.resolve("numpy")
    like = np.zeros((2, 4, 5, 3), dtype=bool).transpose(0, 3, 1, 2)  # an (N, C, H, W) view of channels-last memory
    gy = np.arange(120.0).reshape(2, 3, 4, 5)
    laid = numpy_backend.laid_out_like(gy, like)
    np.testing.assert_array_equal(laid, gy)
    assert laid.strides == (480, 8, 120, 24) and laid.dtype == gy.dtype
    assert numpy_backend.laid_out_like(laid, like) is laid  # already in that order: no copy
    assert numpy_backend.laid_out_like(gy, np.zeros((2, 3, 4, 5))) is gy  # a C-ordered like: itself
