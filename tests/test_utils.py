"""dezero_plug.utils: DeZero's helpers on raw arrays, the book's gradient check, graph drawing."""

import os
import shutil
import sys

import numpy as np
import pytest

import dezero_plug.functions as F
from dezero_plug import Variable
from dezero_plug import utils


def test_gradient_check_keeps_its_true_false_contract(asarray):
    assert utils.gradient_check(F.tanh, asarray(np.linspace(-1, 1, 6).reshape(2, 3))) is True


def test_gradient_check_failure_names_the_worst_element(capsys):
    assert utils.gradient_check(_wrong_sin, np.array([0.1, 0.5, 1.2])) is False
    out = capsys.readouterr().out
    assert "Worst element (0,)" in out and "|diff|" in out  # cos is largest at 0.1


def _wrong_sin(x):
    """sin whose backward claims 2·cos: wrong by cos(x)."""
    from dezero_plug import Function

    class WrongSin(Function):
        def forward(self, a):
            return np.sin(a)

        def backward(self, gy):
            return gy * 2 * F.cos(self.inputs[0])

    return WrongSin()(x)


def test_numerical_grad_of_a_square(asarray, to_numpy):
    g = utils.numerical_grad(lambda x: x * x, asarray([1.0, 2.0]))
    np.testing.assert_allclose(to_numpy(g), [2.0, 4.0], rtol=1e-6)


@pytest.mark.backend("numpy")
def test_array_helpers_work_on_raw_arrays():
    x = np.ones((2, 3))
    assert utils.sum_to(x, (1, 3)).tolist() == [[2.0, 2.0, 2.0]]
    assert utils.reshape_sum_backward(np.ones(3), (2, 3), 0, False).shape == (1, 3)
    assert utils.reshape_sum_backward(Variable(np.ones(3)), (2, 3), -2, False).shape == (1, 3)
    assert utils.max_backward_shape(x, -1) == (2, 1)
    assert utils.logsumexp(np.zeros((2, 3)), axis=1).shape == (2, 1)
    assert (utils.pair(3), utils.get_conv_outsize(5, 3, 2, 1), utils.get_deconv_outsize(3, 3, 2, 1)) == ((3, 3), 3, 5)
    assert utils.array_equal(Variable(x), x) and utils.array_allclose(x, x + 1e-7)


def test_pair_rejects_a_triple():
    with pytest.raises(TypeError, match=r"pair: the value must be an int or a pair of ints; got \(1, 2, 3\)"):
        utils.pair((1, 2, 3))


@pytest.mark.backend("numpy")
def test_dot_graph_lists_variables_functions_and_edges():
    x = Variable(np.array(1.0), name="x")
    y = F.sin(x) * x
    y.name = "y"
    dot = utils.get_dot_graph(y)
    assert dot.startswith("digraph g {") and dot.endswith("}")
    assert 'label="x: () float64"' in dot and 'label="Sin"' in dot and 'label="Mul"' in dot
    sin = y.creator.inputs[0].creator
    assert f"{id(x)} -> {id(sin)}" in dot and f"{id(y.creator)} -> {id(y)}" in dot


@pytest.mark.backend("numpy")
def test_dot_graph_of_a_gradient_built_with_create_graph():
    x = Variable(np.array(1.0), name="x")
    F.tanh(x).backward(create_graph=True)
    dot = utils.get_dot_graph(x.grad, verbose=False)
    assert "None" not in dot and dot.count("->") >= 3  # the backward pass's own ops are drawn


@pytest.mark.backend("numpy")
def test_plot_dot_graph_renders_a_real_png(tmp_path):
    if shutil.which("dot") is None:
        if os.environ.get("CI"):
            pytest.fail(".ci/run installs Graphviz; 'dot' is missing")
        pytest.skip("Graphviz 'dot' is not installed here (apt-get install graphviz)")
    x = Variable(np.array(1.0))
    target = tmp_path / "graph.png"
    utils.plot_dot_graph(F.sin(x) * x, to_file=str(target))
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.backend("numpy")
def test_plot_dot_graph_without_graphviz_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no 'dot' anywhere on PATH
    with pytest.raises(RuntimeError, match=r"needs the Graphviz 'dot' program.*apt-get install graphviz"):
        utils.plot_dot_graph(F.sin(Variable(np.array(1.0))), to_file=str(tmp_path / "g.png"))
    assert not (tmp_path / "g.png").exists()


def test_pyplot_without_matplotlib_names_the_extra_before_any_work(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    with pytest.raises(ImportError, match=r"plotting needs matplotlib: pip install matplotlib, or .*'\.\[plot\]'"):
        utils.pyplot()
