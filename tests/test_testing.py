"""The conformance kit tests itself: a wrong backward fails it, a right one passes; the checks raise with the diff."""

import shlex
import sys

import numpy as np
import pytest

import dezero_plug.functions as F
from dezero_plug import Function
from dezero_plug.testing import OpSample
from dezero_plug.testing import check_backward
from dezero_plug.testing import check_double_backward

pytest_plugins = ["pytester"]

PLUGIN = '''
import numpy as np
import dezero_plug
from dezero_plug import Function, hookimpl
from dezero_plug.testing import OpSample
import dezero_plug.functions as F


class WrongCube(Function):
    def forward(self, x):
        return x ** 3

    def backward(self, gy):
        (x,) = self.inputs
        return gy * 2 * x ** 2          # wrong: d x^3/dx = 3 x^2


def wrong_cube(x):
    """x cubed, with a deliberately wrong backward."""
    return WrongCube()(x)


class Cube(Function):
    def forward(self, x):
        return x ** 3

    def backward(self, gy):
        (x,) = self.inputs
        return gy * 3 * x ** 2


def cube(x):
    """x cubed."""
    return Cube()(x)


class StiffCube(Function):
    def forward(self, x):
        return x ** 3

    def backward(self, gy):
        (x,) = self.inputs
        return gy * dezero_plug.Variable(3 * x.data ** 2)   # right value, but a constant: no second derivative


def stiff_cube(x):
    """x cubed, whose backward is not differentiable."""
    return StiffCube()(x)


@hookimpl
def dezero_plug_functions():
    return [wrong_cube, cube, stiff_cube]


@hookimpl
def dezero_plug_op_samples():
    return {"wrong_cube": [OpSample((2, 3))], "cube": [OpSample((2, 3))], "stiff_cube": [OpSample((2, 3))]}
'''


def test_a_wrong_backward_fails_the_conformance_tests(pytester):
    pytester.makepyfile(cubes=PLUGIN)
    pytester.makeconftest("import dezero_plug, cubes\ndezero_plug.plugin_manager.register(cubes)\n")
    result = pytester.runpytest_subprocess("--dezero-plug-conformance", "--dezero-plug-conformance-plugins=cubes", "-v")
    result.stdout.fnmatch_lines(["*dezero_plug conformance: 3 samples of 3 ops from 1 plugins*"])
    assert result.parseoutcomes().get("failed") == 2, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*test_forward?cubes:wrong_cube:0? PASSED*",
            "*test_backward?cubes:wrong_cube:0? FAILED*",  # a wrong first derivative
            "*test_backward?cubes:cube:0? PASSED*",
            "*test_backward?cubes:stiff_cube:0? PASSED*",
            "*test_double_backward?cubes:cube:0? PASSED*",
            "*test_double_backward?cubes:stiff_cube:0? FAILED*",  # a backward that is not differentiable
        ]
    )
    result.stdout.fnmatch_lines(["*gradient of input 0 differs: max |diff|*"])
    rerun = "rerun: pytest --dezero-plug-conformance --dezero-plug-conformance-plugins=cubes "
    rerun += "--dezero-plug-conformance-ops=wrong_cube -k 'test_backward?cubes:wrong_cube:0?'"
    result.stdout.fnmatch_lines([rerun])
    printed = next(line for line in result.stdout.lines if line.startswith("rerun: pytest "))
    again = pytester.runpytest_subprocess(*shlex.split(printed.removeprefix("rerun: pytest ")))
    outcomes = again.parseoutcomes()
    assert outcomes["failed"] == 1 and "passed" not in outcomes, again.stdout.str()  # that one test alone


class _Half(Function):
    def forward(self, x):
        return x * 2

    def backward(self, gy):
        return gy  # wrong: should be 2·gy


def test_check_backward_raises_with_both_gradients(backend):
    x = backend.from_numpy(np.array([0.5, -0.2, 0.1]))
    with pytest.raises(
        AssertionError, match=r"(?s)gradient of input 0 differs.*numerical: \[2\. 2\. 2\.\].*backprop:  \[1\. 1\. 1\.\]"
    ):
        check_backward(lambda x: _Half()(x), [x], grad_outputs=[np.ones(3)], backend=backend)


def test_check_double_backward_passes_for_tanh(backend):
    check_double_backward(F.tanh, [backend.from_numpy(np.array([0.3, -0.7]))], backend=backend)


def test_op_sample_makes_reproducible_inputs_and_marks_float_inputs_differentiable():
    sample = OpSample((2, 3), np.array([1, 2]), 2.0, low=0.5, high=1.0)
    a, b = sample.make_inputs(seed=3), sample.make_inputs(seed=3)
    np.testing.assert_array_equal(a[0], b[0])
    assert sample.grad == (0,) and (a[0] >= 0.5).all() and a[2] == 2.0
    assert sample.make_inputs(dtype="float32")[0].dtype == np.float32


def test_importing_op_sample_does_not_import_pytest():
    import subprocess
    import sys

    code = "import sys; from dezero_plug.testing import OpSample; print('pytest' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


# ---------------------------------------------------------------- the pytest plugin stays out of unrelated projects
UNRELATED = """
import sys


def test_no_dezero_plug_module_is_imported():
    assert [m for m in sys.modules if m == "dezero_plug" or m.startswith("dezero_plug.")] == []


def test_a_fixture_called_backend_is_not_dezero_plugs(backend):
    pass
"""


def test_an_unrelated_project_imports_nothing_gets_no_fixture_and_skips_nothing(pytester, monkeypatch):
    monkeypatch.setenv("DEZERO_PLUG_BACKEND", "cupy")  # chooses a backend only once the plugin is on
    pytester.makepyfile(test_unrelated=UNRELATED)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*fixture 'backend' not found*"])
    fixtures = pytester.runpytest_subprocess("--fixtures", "-p", "no:cacheprovider")
    assert "dezero_plug" not in fixtures.stdout.str()


def test_an_unrelated_project_imports_no_dezero_plug_module_at_start_up(pytester):
    pytester.makepyfile(test_nothing="def test_nothing():\n    pass\n")
    result = pytester.run(sys.executable, "-X", "importtime", "-m", "pytest", "-p", "no:cacheprovider")
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    imported = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.lines if "|" in line]
    assert [m for m in imported if m == "dezero_plug" or m.startswith("dezero_plug.")] == []
    traced = pytester.runpytest_subprocess("--trace-config", "-p", "no:cacheprovider")  # the entry point is there
    traced.stdout.fnmatch_lines(["*PLUGIN registered: <module 'dezero_plug_pytest'*"])


def test_a_project_that_enables_the_plugin_gets_prefixed_fixtures_and_deprecated_aliases(pytester, monkeypatch):
    monkeypatch.delenv("DEZERO_PLUG_BACKEND", raising=False)
    pytester.makeini("[pytest]\ndezero_plug = true\nfilterwarnings = error::DeprecationWarning\n")
    pytester.makepyfile(
        test_enabled="""
        import numpy as np

        def test_prefixed(dezero_plug_backend, dezero_plug_asarray, dezero_plug_to_numpy):
            assert dezero_plug_backend.name == "numpy"
            assert dezero_plug_to_numpy(dezero_plug_asarray([1.0])).tolist() == [1.0]

        def test_old_name(backend):
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*fixture 'backend' is deprecated*use 'dezero_plug_backend'*"])


def test_an_unknown_backend_name_is_a_usage_error_not_a_run_that_skips_everything(pytester, monkeypatch):
    monkeypatch.delenv("DEZERO_PLUG_BACKEND", raising=False)
    pytester.makeini("[pytest]\ndezero_plug = true\n")
    pytester.makepyfile(test_any="def test_any(dezero_plug_backend):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--dezero-plug-backend=jaxx")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*no backend named 'jaxx' is registered*registered: numpy*"])


# ---------------------------------------------------------------- the kit fails loudly
def _cubes_project(pytester):
    pytester.makepyfile(cubes=PLUGIN)
    pytester.makeconftest("import dezero_plug, cubes\ndezero_plug.plugin_manager.register(cubes)\n")


@pytest.mark.parametrize(
    "option, message",
    [
        (
            "--dezero-plug-conformance-plugins=cubez",
            "*--dezero-plug-conformance-plugins names ?'cubez'?, which is no registered plugin*cubes*",
        ),
        ("--dezero-plug-conformance-ops=cbue", "*--dezero-plug-conformance-ops names ?'cbue'?, which have no samples*"),
    ],
)
def test_a_typo_in_a_plugin_or_op_name_is_a_usage_error_not_a_green_run(pytester, option, message):
    _cubes_project(pytester)
    result = pytester.runpytest_subprocess("--dezero-plug-conformance", option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_functions_without_samples_are_listed_and_strict_mode_fails_on_them(pytester):
    _cubes_project(pytester)
    pytester.makepyfile(
        extra='''
from dezero_plug import hookimpl

def unsampled(x):
    """An op nobody wrote a sample for."""
    return x

@hookimpl
def dezero_plug_functions():
    return [unsampled]
'''
    )
    pytester.makeconftest(
        "import dezero_plug, cubes, extra\n"
        "dezero_plug.plugin_manager.register(cubes)\ndezero_plug.plugin_manager.register(extra)\n"
    )
    listed = pytester.runpytest_subprocess("--dezero-plug-conformance", "--dezero-plug-conformance-plugins=cubes,extra")
    listed.stdout.fnmatch_lines(["*1 function(s) without op samples, not tested: extra:unsampled*"])
    strict = pytester.runpytest_subprocess(
        "--dezero-plug-conformance", "--dezero-plug-conformance-plugins=cubes,extra", "--dezero-plug-conformance-strict"
    )
    assert strict.ret == pytest.ExitCode.USAGE_ERROR
    strict.stderr.fnmatch_lines(["*functions without op samples: extra:unsampled*"])


SINH = '''
import numpy as np
from dezero_plug import Function, hookimpl
from dezero_plug.testing import OpSample


class Sinh(Function):
    def forward(self, x):
        return np.cosh(x)               # the planted bug: cosh claiming to be sinh

    def backward(self, gy):
        (x,) = self.inputs
        return gy * Sinh()(x)           # consistent with the wrong forward: d cosh = sinh ... wrong, but differentiable


def sinh(x):
    """Hyperbolic sine (wrongly: computes cosh)."""
    return Sinh()(x)


@hookimpl
def dezero_plug_functions():
    return [sinh]


@hookimpl
def dezero_plug_op_samples():
    return {"sinh": [OpSample((2, 3), reference=np.sinh)]}
'''


def test_a_forward_that_disagrees_with_its_reference_fails_as_a_forward_error(pytester, monkeypatch):
    monkeypatch.delenv("DEZERO_PLUG_BACKEND", raising=False)
    monkeypatch.setenv("DEZERO_PLUG_DISABLE", "hyperbolic")  # its sinh would conflict with this one
    pytester.makepyfile(badsinh=SINH)
    pytester.makeconftest("import dezero_plug, badsinh\ndezero_plug.plugin_manager.register(badsinh)\n")
    result = pytester.runpytest_subprocess(
        "--dezero-plug-conformance", "--dezero-plug-conformance-plugins=badsinh", "-k", "test_forward", "-v"
    )
    result.stdout.fnmatch_lines(["*test_forward?badsinh:sinh:0? FAILED*"])
    result.stdout.fnmatch_lines(["*forward of sinh against its reference differs: max |diff|*at index*reference*op*"])


@pytest.mark.parametrize(
    "check, expected",
    [
        (check_backward, r"^first-order gradient of input 0 differs: max \|diff\| .* at index \(\d+,\): numerical"),
        (check_double_backward, r"^second-order \(double backward\) gradient of input 0 differs"),
    ],
)
def test_each_failure_kind_says_which_it_is_and_shows_the_worst_element(backend, check, expected):
    def halved(x):
        return _Half()(x) * x

    with pytest.raises(AssertionError, match=expected):
        check(halved, [backend.from_numpy(np.array([0.5, 1.5, -2.0]))], backend=backend)


PLAIN_BUG = '''
from dezero_plug import Function, hookimpl
from dezero_plug.testing import OpSample


class Twice(Function):
    def forward(self, x):
        return 2 * x

    def backward(self, gy):
        return 2 * gy

    def backward_arrays(self, gy):
        return 3 * gy                    # the planted bug: only the plain (raw-array) backward is wrong


def twice(x):
    """2 x, with a wrong plain backward."""
    return Twice()(x)


@hookimpl
def dezero_plug_functions():
    return [twice]


@hookimpl
def dezero_plug_op_samples():
    return {"twice": [OpSample((2, 3))]}
'''


def test_a_plain_backward_that_disagrees_with_the_differentiable_one_fails(pytester, monkeypatch):
    monkeypatch.delenv("DEZERO_PLUG_BACKEND", raising=False)
    pytester.makepyfile(twice=PLAIN_BUG)
    pytester.makeconftest("import dezero_plug, twice\ndezero_plug.plugin_manager.register(twice)\n")
    result = pytester.runpytest_subprocess("--dezero-plug-conformance", "--dezero-plug-conformance-plugins=twice", "-v")
    result.stdout.fnmatch_lines(["*test_plain_and_differentiable_backward_agree?twice:twice:0? FAILED*"])
    result.stdout.fnmatch_lines(["*plain and differentiable backward of twice disagree: gradient of input 0 differs*"])
    result.stdout.fnmatch_lines(["*test_double_backward?twice:twice:0? PASSED*"])  # the graph backward is right


EDGY = '''
import numpy as np
from dezero_plug import Function, hookimpl
from dezero_plug.testing import OpSample


class RowScale(Function):
    def forward(self, x):
        return x * x.shape[0]           # the planted bug: an "elementwise" op that reads the batch size

    def backward(self, gy):
        return gy * self.inputs[0].shape[0]


def row_scale(x):
    """x times its number of rows (wrongly declared elementwise)."""
    return RowScale()(x)


class Total(Function):
    def forward(self, x):
        with np.errstate(all="ignore"):
            return x.sum() / x.size     # the planted bug: a mean that divides by zero on an empty batch

    def backward(self, gy):
        x = self.inputs[0]
        return gy * np.ones(x.shape) / x.size


def total(x):
    """The mean of x."""
    return Total()(x)


@hookimpl
def dezero_plug_functions():
    return [row_scale, total]


@hookimpl
def dezero_plug_op_samples():
    return {
        "row_scale": [OpSample((3, 4), category="elementwise")],
        "total": [OpSample((3, 4), category="reduction", reference=lambda x: x.sum() / max(x.size, 1))],
    }
'''


def test_the_kit_derives_0d_and_empty_cases_for_elementwise_and_reduction_ops(pytester, monkeypatch):
    monkeypatch.delenv("DEZERO_PLUG_BACKEND", raising=False)
    pytester.makepyfile(edgy=EDGY)
    pytester.makeconftest("import dezero_plug, edgy\ndezero_plug.plugin_manager.register(edgy)\n")
    result = pytester.runpytest_subprocess(
        "--dezero-plug-conformance", "--dezero-plug-conformance-plugins=edgy", "-k", "test_edge_case", "-v"
    )
    # the author wrote one (3, 4) sample each; the kit asked the 0-d and empty-batch questions itself
    result.stdout.fnmatch_lines(["*test_edge_case?edgy:row_scale:0-0-d? FAILED*"])
    result.stdout.fnmatch_lines(["*IndexError: tuple index out of range*"])
    result.stdout.fnmatch_lines(["*test_edge_case?edgy:total:0-empty? FAILED*"])
    result.stdout.fnmatch_lines(["*total (0-empty): output 0 holds ?nan?: a silent wrong answer*"])
    result.stdout.fnmatch_lines(["*test_edge_case?edgy:total:0-0-d? PASSED*"])
    assert result.ret != 0


OWNERS = '''
from dezero_plug import Function, hookimpl
from dezero_plug.testing import OpSample


class Double(Function):
    def forward(self, x):
        return x * 2

    def backward(self, gy):
        return gy * 2

    def backward_arrays(self, gy):
        return gy * 2                   # a new array, gy untouched


class WritingDouble(Double):
    def backward_arrays(self, gy):
        gy *= 2                         # the planted bug: writes into gy, which another gradient may hold
        return gy


def double(x):
    """2 x."""
    return Double()(x)


def writing_double(x):
    """2 x, whose plain backward writes into its gy."""
    return WritingDouble()(x)


@hookimpl
def dezero_plug_functions():
    return [double, writing_double]


@hookimpl
def dezero_plug_op_samples():
    # writing_double's gy from a product (writable, as from most ops), not the read-only view sum's backward gives
    return {
        "double": [OpSample((2, 3))],
        "writing_double": [OpSample((2, 3), call=lambda x: writing_double(x) * 3.0)],
    }
'''


def test_a_plain_backward_that_writes_into_its_gy_fails_the_conformance_tests(pytester, monkeypatch):
    # The planted bug gives the right gradient here: only the check that gys are left untouched sees it.
    monkeypatch.setenv("DEZERO_PLUG_BACKEND", "numpy")
    pytester.makepyfile(owners=OWNERS)
    pytester.makeconftest("import dezero_plug, owners\ndezero_plug.plugin_manager.register(owners)\n")
    result = pytester.runpytest_subprocess(
        "--dezero-plug-conformance", "--dezero-plug-conformance-plugins=owners", "-k", "plain_and", "-v"
    )
    for op, outcome in [("double", "PASSED"), ("writing_double", "FAILED")]:
        result.stdout.fnmatch_lines([f"*test_plain_and_differentiable_backward_agree?owners:{op}:0? {outcome}*"])
    result.stdout.fnmatch_lines(["*writing_double: WritingDouble.backward_arrays wrote into gy 0*"])


@pytest.mark.parametrize("name", ["SGD", "MomentumSGD", "AdaGrad", "AdaDelta", "Adam"])
def test_the_builtin_optimizers_pass_the_kits_optimizer_check(name):
    from dezero_plug import optimizers
    from dezero_plug.testing import check_optimizer

    check_optimizer(getattr(optimizers, name))


def _aliasing_optimizers():
    import dezero_plug as dezero

    class AliasedMomentum(dezero.Optimizer):  # the how-to's warning, not heeded: state through a local alias
        def init_state(self, param):
            return {"v": np.zeros_like(param.data)}

        def update_one(self, param):
            v = self.state(param).v
            v *= 0.9
            v -= 0.1 * param.grad.data
            param.data += v

    class AliasedParameter(dezero.Optimizer):  # the parameter written through an alias
        def update_one(self, param):
            data = param.data
            data -= 0.1 * param.grad.data

    return AliasedMomentum, AliasedParameter


@pytest.mark.parametrize("which", [0, 1], ids=["state-alias", "parameter-alias"])
def test_the_kits_optimizer_check_catches_an_update_through_a_local_alias(which):
    """Such an optimizer trains on numpy and silently worse on JAX; the kit catches it on any machine."""
    from dezero_plug.testing import check_optimizer

    cls = _aliasing_optimizers()[which]
    expected = rf"(?s)^{cls.__name__}: after 3 steps, parameter 'W' data differs .*alias"
    with pytest.raises(AssertionError, match=expected):
        check_optimizer(cls)


LIAR = """
import numpy as np
from dezero_plug.extend import Backend, hookimpl


class Host(np.ndarray):
    pass


class Liar(Backend):
    name = "liar"
    array_types = (Host,)
    mutable_arrays = True
    xp = np

    def from_numpy(self, array, device=None):
        array = np.asarray(array)
        if array.dtype == np.float64:
            array = array.astype(np.float32)  # declares float64 (the default) but truncates it
        return array.copy().view(Host)

    def to_numpy(self, array):
        return np.asarray(array)


@hookimpl
def dezero_plug_backends():
    return [Liar()]
"""


def test_a_backend_that_truncates_what_it_declares_fails_the_kit(pytester):
    pytester.makepyfile(liar=LIAR)
    pytester.makeconftest("import dezero_plug, liar\ndezero_plug.plugin_manager.register(liar)\n")
    result = pytester.runpytest_subprocess(
        "--dezero-plug-conformance", "--dezero-plug-backend=liar", "-k", "keeps_what", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*backend 'liar': float64 came back from a round trip as float32*"])


@pytest.mark.parametrize(
    "declared, message",
    [
        ('"liar.Host"', "array_types entry 'liar.Host' is not 'module:QualName'"),
        ('Host, "liar:Nowhere"', "array_types entry 'liar:Nowhere' names no class"),
    ],
)
def test_a_backend_declaring_a_class_string_that_names_nothing_fails_the_kit(pytester, declared, message):
    """The registry looks a string up only as "module:QualName" (so that no library is imported to recognise its
    arrays); a dotted one, or one naming nothing, would silently own no array."""
    honest = LIAR.replace("array = array.astype(np.float32)  # declares float64 (the default) but truncates it", "pass")
    pytester.makepyfile(liar=honest.replace("array_types = (Host,)", f"array_types = ({declared},)"))
    pytester.makeconftest("import dezero_plug, liar\ndezero_plug.plugin_manager.register(liar)\n")
    result = pytester.runpytest_subprocess(
        "--dezero-plug-conformance", "--dezero-plug-backend=liar", "-k", "keeps_what", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"*backend 'liar': {message}*"])
