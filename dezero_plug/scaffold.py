"""``python -m dezero_plug new-plugin NAME``: write a ready op-plugin distribution to start from.

What it writes installs with ``pip install ./NAME`` (after dezero-plug) and passes its own tests as
written: a pyproject with the entry point, one op (``NAME_scale``: ``factor * x``, its backward on
Variables and on raw arrays) with samples and a forward reference, a test file that runs the
conformance kit on the plugin, and a README that says what to change.
"""

from __future__ import annotations

import keyword
import re
from pathlib import Path

from dezero_plug.plugins import BUILTIN_PLUGINS

PYPROJECT = """\
[build-system]
requires = ["setuptools>=77"]
build-backend = "setuptools.build_meta"

[project]
name = "{dist}"
version = "0.1.0"
description = "{name}: ops for dezero_plug, as a plugin"
readme = "README.md"
requires-python = ">=3.10"
dependencies = ["dezero-plug"]

[project.entry-points.dezero_plug]
{name} = "{module}"

[tool.setuptools.packages.find]
where = ["src"]

[tool.pytest.ini_options]
dezero_plug = true
filterwarnings = ["error"]
"""

MODULE = '''\
"""{name}: one op for dezero_plug, registered through the plugin hooks (start here and rename)."""

from __future__ import annotations

from typing import Any

from dezero_plug.extend import Function
from dezero_plug.extend import Variable
from dezero_plug.extend import OpSample
from dezero_plug.extend import hookimpl


class Scale(Function):
    """``factor * x``: the differentiable backward builds on ops, the array one runs on raw arrays."""

    def __init__(self, factor: float) -> None:
        self.factor = factor

    def forward(self, x: Any) -> Any:
        return x * self.factor

    def backward(self, gy: Variable) -> Variable:
        return gy * self.factor

    def backward_arrays(self, gy: Any) -> Any:
        return gy * self.factor


def {name}_scale(x: Any, factor: float = 2.0) -> Variable:
    """``factor * x``, elementwise; same shape and dtype as ``x``."""
    return Scale(factor)(x)


@hookimpl
def dezero_plug_functions() -> list[Any]:
    return [{name}_scale]


@hookimpl
def dezero_plug_op_samples() -> dict[str, list[OpSample]]:
    return {{
        "{name}_scale": [
            OpSample((3, 4), reference=lambda x: 2.0 * x),
            OpSample((), kwargs={{"factor": -0.5}}, reference=lambda x, factor: factor * x, id="0-d"),
            OpSample((2, 3), dtype="float32", kwargs={{"factor": -1.0}}, reference=lambda x, factor: -x, id="f32"),
        ]
    }}
'''

TESTS = '''\
"""{name}'s tests: found through its entry point, and the conformance kit on its op."""

import subprocess
import sys
import tempfile

import dezero_plug


def test_found_through_its_entry_point():
    record = dezero_plug.plugin_manager.records["{name}"]
    assert (record.source, record.distribution, record.status) == ("entry point", "{dist}", "registered")


def test_the_conformance_kit_passes_on_the_plugin():
    options = ["--dezero-plug-conformance", "--dezero-plug-conformance-plugins={name}"]
    options += ["--dezero-plug-conformance-strict", "-p", "no:cacheprovider", "-q"]
    with tempfile.TemporaryDirectory() as empty:  # the kit's tests alone, not this folder's again
        done = subprocess.run(
            [sys.executable, "-m", "pytest", *options], cwd=empty, capture_output=True, text=True, timeout=600
        )
    assert done.returncode == 0, done.stdout + done.stderr
    assert " passed" in done.stdout and " failed" not in done.stdout
'''

README = """\
# {dist}

Ops for dezero_plug, as a plugin (written by `python -m dezero_plug new-plugin {name}`).

```bash
pip install ./{name}                  # after dezero-plug itself
pytest {name}/tests                   # its entry point, and the conformance kit on its ops
python -m dezero_plug ops             # {name}_scale ... with this plugin as provider
```

Rename `Scale`/`{name}_scale` in `src/{module}/__init__.py`, keep one `OpSample` per interesting
case (give `reference=` the numpy function, so the kit checks the forward too), and return every
public function from `dezero_plug_functions`. `hookspecs.py` in dezero_plug documents every hook.
"""


def new_plugin(name: str, where: Path = Path(".")) -> Path:
    """Write the distribution for plugin ``name`` under ``where/name``; returns its folder.

    Raises:
        ValueError: ``name`` is not a lower-case identifier, is a builtin plugin's, or the folder already exists.
    """
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or keyword.iskeyword(name):
        raise ValueError(f"new-plugin: {name!r} is not a plugin name: use lower-case letters, digits and _")
    if name in BUILTIN_PLUGINS:
        raise ValueError(
            f"new-plugin: {name!r} is the name of a builtin plugin, which an installed plugin may not take "
            f"(it would be refused); choose another, such as 'my_{name}'"
        )
    root = where / name
    if root.exists():
        raise ValueError(f"new-plugin: {root} already exists; choose another name or remove it")
    dist, module = f"dezero-plug-{name.replace('_', '-')}", f"dezero_plug_{name}"
    files = {
        "pyproject.toml": PYPROJECT,
        f"src/{module}/__init__.py": MODULE,
        "tests/test_plugin.py": TESTS,
        "README.md": README,
    }
    for relative, template in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(name=name, dist=dist, module=module))
    return root
