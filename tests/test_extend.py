"""The extension API: what the builtins are written with is public, documented, typed, and enough for a plugin."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import dezero_plug
import dezero_plug.functions as F
from dezero_plug import Parameter
from dezero_plug import Variable
from dezero_plug import extend
from dezero_plug import plugin_manager
from dezero_plug.extend import Layer
from dezero_plug.extend import init_lazily
from dezero_plug.extend import normal_weights

PACKAGE = Path(dezero_plug.__file__).parent  # the installed package (a wheel under tox)
ROOT = Path(__file__).resolve().parent.parent  # the repository
EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(EXAMPLES / "typed"))
import softplus_plugin  # noqa: E402


def imported_modules(path: Path) -> list[tuple[str, str]]:
    """(module, name) for every ``from module import name`` of a dezero_plug module in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dezero_plug"):
            found.extend((node.module, alias.name) for alias in node.names)
    return found


@pytest.mark.parametrize("path", sorted((PACKAGE / "std").glob("*.py")), ids=lambda p: p.name)
def test_builtin_plugins_import_only_the_extension_api_public_names_and_each_other(path):
    for module, name in imported_modules(path):
        allowed = (
            module in ("dezero_plug.extend", "dezero_plug.errors")
            or module.startswith("dezero_plug.std.")
            or (module == "dezero_plug" and name in dezero_plug.__all__)
        )
        assert allowed, f"{path.name} imports {name} from {module}: import it from dezero_plug.extend"


@pytest.mark.parametrize(
    "path", sorted((ROOT / "plugins").glob("*/src/*/*.py")), ids=lambda p: f"{p.parent.name}/{p.name}"
)
def test_the_project_plugins_use_the_extension_api_too(path):
    # dezero_plug.std.<family> stays allowed: a kernel for a builtin op is keyed by that op's class
    for module, name in imported_modules(path):
        private = module.startswith("dezero_plug.") and module.split(".")[1] in ("core", "registry", "backends")
        assert not private, f"{path} imports {name} from {module}: import it from dezero_plug.extend"


def test_every_extension_name_is_public_and_documented():
    for name in extend.__all__:
        obj = getattr(extend, name)
        assert (getattr(obj, "__doc__", None) or "").strip(), f"dezero_plug.extend.{name} has no docstring"
    assert "seed" in extend.Backend.__dict__ and extend.Backend.seed.__doc__


def test_init_lazily_sizes_a_parameter_from_its_first_input_on_that_inputs_backend(xp, asarray):
    class Scale(Layer):
        """y = x * w, one weight per feature, sized from the first input."""

        def __init__(self):
            super().__init__()
            self.w = Parameter(None, name="w")
            self.b = Parameter(np.zeros(1), name="b")  # eager, numpy: moved to the input's backend

        def forward(self, x):
            init_lazily(self.w, x, lambda backend: normal_weights(backend, (x.shape[1],), np.float64, 1.0))
            init_lazily(self.b, x)
            return x * self.w + self.b

    layer = Scale()
    x = Variable(asarray(np.ones((2, 3))))
    y = layer(x)
    assert layer.w.shape == (3,) and type(layer.w.data) is type(x.data) and type(layer.b.data) is type(x.data)
    F.sum(y).backward()
    assert layer.w.grad.shape == (3,)
    before = layer.w.data
    layer(x)
    assert layer.w.data is before  # made once
    init_lazily(None, x)  # nobias: nothing to do


def test_the_typed_example_plugin_registers_and_its_op_computes_softplus():
    plugin_manager.register(softplus_plugin, name="softplus")
    try:
        x = Variable(np.array([-2.0, 0.0, 3.0]))
        y = F.softplus(x)
        y.backward()
        assert np.allclose(y.data, np.logaddexp(0, x.data))
        assert np.allclose(x.grad.data, 1 / (1 + np.exp(-x.data)))
    finally:
        plugin_manager.unregister("softplus")


def test_the_typed_example_plugin_passes_the_conformance_kit(tmp_path):
    (tmp_path / "conftest.py").write_text(
        "import softplus_plugin\nfrom dezero_plug import plugin_manager\n"
        "plugin_manager.register(softplus_plugin, name='softplus')\n"
    )
    path = [str(EXAMPLES / "typed"), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "dezero_plug.testing.pytest_plugin",
            "--pyargs",
            "dezero_plug.testing.conformance",
            "--dezero-plug-conformance-plugins=softplus",
            "--rootdir",
            str(tmp_path),
            "--confcutdir",
            str(tmp_path),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and "failed" not in done.stdout
