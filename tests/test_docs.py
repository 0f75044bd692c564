"""The documentation: every public name documented, the op table current, the pages' code runs as printed."""

import importlib
import importlib.util
import os
import pkgutil
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

import dezero_plug
from dezero_plug import kinds
from dezero_plug import plugin_manager

ROOT = Path(__file__).resolve().parent.parent  # the repository (the package may be an installed wheel)
DOCS = ROOT / "docs"
# Modules whose import needs something optional or is a program, not a library
NOT_IMPORTED = {"dezero_plug.__main__"}


def public_modules() -> list[str]:
    names = ["dezero_plug"]
    for info in pkgutil.walk_packages(dezero_plug.__path__, "dezero_plug."):
        if info.name not in NOT_IMPORTED and not info.name.rpartition(".")[2].startswith("_"):
            names.append(info.name)
    return names


def undocumented(obj: object) -> bool:
    if isinstance(obj, (str, int, float, tuple, frozenset, dict)):  # data: documented by its module
        return False
    return not (getattr(obj, "__doc__", None) or "").strip()


@pytest.mark.parametrize("module", public_modules())
def test_every_name_in_every_modules_all_has_a_docstring(module):
    mod = importlib.import_module(module)
    assert (mod.__doc__ or "").strip(), f"{module} has no module docstring"
    missing = [name for name in getattr(mod, "__all__", []) if undocumented(getattr(mod, name))]
    assert missing == [], f"{module}.__all__ names without a docstring: {missing}"


@pytest.mark.parametrize("kind", [k.name for k in kinds.REGISTERED if k.name not in ("backends", "kernels")])
def test_every_builtin_export_has_a_docstring(kind):
    missing = [
        name
        for name, obj in plugin_manager.exports[kind].items()
        if plugin_manager.providers[kind][name].source == "builtin" and undocumented(obj)
    ]
    assert missing == [], f"builtin {kind} without a docstring: {missing}"


def test_the_docstring_check_catches_a_missing_docstring():
    def bare():
        pass

    planted = types.ModuleType("planted", "A module.")
    planted.bare, planted.__all__ = bare, ["bare"]
    assert undocumented(planted.bare) and not undocumented(dezero_plug.Variable)


def fresh_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEZERO_PLUG_")}
    return {**env, "DEZERO_PLUG_DISABLE_PLUGIN_AUTOLOAD": "1"}


def check_generated(script: str) -> None:
    """``docs/<script> --check`` in a fresh interpreter with no plugin but the builtins: the page is current."""
    done = subprocess.run(
        [sys.executable, str(DOCS / script), "--check"], env=fresh_env(), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_op_table_is_current_and_lists_only_builtins():
    check_generated("make_ops.py")
    listed = (DOCS / "ops.md").read_text()
    assert "(hyperbolic)" not in listed and "| `sinh(" not in listed
    assert "| `conv2d(x, W, b=None, stride=1, pad=0)` |" in listed  # each with its signature


def test_the_api_page_is_current_and_names_every_builtin_export_of_the_library_namespaces():
    check_generated("make_api.py")
    listed = (DOCS / "api" / "library.md").read_text()
    prefixes = {"functions": "F", "layers": "L"}
    for kind in ("functions", "layers", "models", "optimizers", "datasets", "transforms"):
        for name, record in plugin_manager.providers[kind].items():
            if record.source == "builtin":
                label = f"{prefixes.get(kind, kind)}.{name}"
                assert f"toc_label: {label}\n" in listed or f"### `{label}`" in listed, f"{label} is not on the page"
    assert "api/library.md" in (ROOT / "mkdocs.yml").read_text()


def test_every_page_of_the_site_has_content():
    nav = re.findall(r":\s*(\S+\.md)\s*$", (ROOT / "mkdocs.yml").read_text(), flags=re.M)
    assert "index.md" in nav and len(nav) > 10
    texts = {page: (DOCS / page).read_text() for page in nav}  # an API page is mkdocstrings' ::: directives
    empty = [page for page, text in texts.items() if len(text.split()) < 50 and "\n::: dezero_plug" not in "\n" + text]
    assert empty == [], f"pages with next to nothing on them: {empty}"


def test_every_picture_a_page_shows_is_there():
    nav = re.findall(r":\s*(\S+\.md)\s*$", (ROOT / "mkdocs.yml").read_text(), flags=re.M)
    shown = [(page, src) for page in nav for src in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", (DOCS / page).read_text())]
    assert len(shown) >= 6  # the graphs of design.md and the learning curves of examples.md
    missing = [(page, src) for page, src in shown if not (DOCS / page).parent.joinpath(src).is_file()]
    tiny = [
        src
        for page, src in shown
        if (page, src) not in missing and (DOCS / page).parent.joinpath(src).stat().st_size < 1000
    ]
    assert missing == [] and tiny == []


PAGES = [
    "index.md",
    "tutorial.md",
    "design.md",
    "examples.md",
    "mixing.md",
    *sorted(f"howto/{p.name}" for p in (DOCS / "howto").glob("*.md")),
]


def python_blocks(page: str, torch: bool = False) -> list[str]:
    """The ```python blocks of a page (```py blocks are sketches, not run): those that import torch, or the others."""
    blocks = re.findall(r"^```python\n(.*?)^```", (DOCS / page).read_text(), flags=re.S | re.M)
    return [block for block in blocks if ("import torch" in block) == torch]


@pytest.mark.parametrize("page", [p for p in PAGES if python_blocks(p)])
def test_the_code_on_each_page_runs_as_printed(page, tmp_path):
    code = "\n".join(python_blocks(page))
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=fresh_env(), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{page}:\n{done.stderr[-3000:]}"


@pytest.mark.parametrize("page", [p for p in PAGES if python_blocks(p, torch=True)])
def test_the_torch_code_on_each_page_runs_with_the_torch_plugin(page, tmp_path):
    if importlib.util.find_spec("dezero_plug_torch") is None or importlib.util.find_spec("torch") is None:
        pytest.skip("needs torch and plugins/dezero-plug-torch installed: tox -e torch runs it")
    code = "\n".join(python_blocks(page, torch=True))
    env = {**fresh_env(), "DEZERO_PLUG_PLUGINS": "torch"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{page}:\n{done.stderr[-3000:]}"
