"""The conformance kit tests itself: a wrong backward fails it, a right one passes; the checks raise with the diff."""

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
