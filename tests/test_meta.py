"""The project checks itself: kernel budget, a kernel that names no op, modules that import alone, docs."""

import ast
import builtins
import io
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

import dezero_plug
from dezero_plug import plugin_manager

PACKAGE = Path(dezero_plug.__file__).parent
KERNEL = ("core.py", "backends.py", "plugins.py")
KERNEL_BUDGET = 700


def code_lines(path: Path) -> int:
    """Non-blank lines that are neither comments nor docstrings (tinygrad's sz.py rule)."""
    source = path.read_text()
    docstring_lines = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                docstring_lines.update(range(first.lineno, first.end_lineno + 1))
    code = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type not in (
            tokenize.COMMENT,
            tokenize.NL,
            tokenize.NEWLINE,
            tokenize.INDENT,
            tokenize.DEDENT,
            tokenize.ENDMARKER,
        ):
            code.update(line for line in range(tok.start[0], tok.end[0] + 1) if line not in docstring_lines)
    return len(code)


def test_kernel_stays_within_its_line_budget():
    total = sum(code_lines(PACKAGE / name) for name in KERNEL)
    assert total <= KERNEL_BUDGET, f"kernel is {total} code lines (budget {KERNEL_BUDGET})"


def test_kernel_imports_no_op_module_and_names_no_op():
    op_names = {n for n in plugin_manager.exports["functions"] if not hasattr(builtins, n)}
    for name in KERNEL:
        tree = ast.parse((PACKAGE / name).read_text())
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                modules = (
                    [node.module or ""] + [a.name for a in node.names]
                    if isinstance(node, ast.ImportFrom)
                    else [a.name for a in node.names]
                )
                assert not any(m.startswith(("dezero_plug.std", "dezero_plug.functions")) for m in modules), (
                    f"{name} imports {modules}"
                )
            # A free name (``add(...)``) or an attribute of an op namespace (``F.add``) would name an op;
            # methods of other objects (``seen.add``, ``np.add.at``) do not.
            if isinstance(node, ast.Name):
                used = node.id
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in ("F", "functions")
            ):
                used = node.attr
            else:
                continue
            assert used not in op_names, f"{name}:{node.lineno} names the op {used!r}"


MODULES = sorted(
    "dezero_plug." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts)
    for p in PACKAGE.rglob("*.py")
    if p.name != "__init__.py" and p.name != "__main__.py"
)


@pytest.mark.parametrize("module", MODULES)
def test_each_module_imports_alone_without_warnings(module):
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", f"import {module}"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


def test_import_does_not_import_optional_libraries():
    optional = ("array_api_strict", "cupy", "matplotlib", "pytest")
    code = f"import sys, dezero_plug; print([m for m in {optional!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


@pytest.mark.parametrize(
    "kind", ["functions", "variable_methods", "layers", "models", "optimizers", "datasets", "transforms"]
)
def test_every_builtin_export_has_a_docstring(kind):
    missing = [
        name
        for name, obj in plugin_manager.exports[kind].items()
        if plugin_manager.providers[kind][name].source == "builtin"
        and not (getattr(obj, "__doc__", None) or "").strip()
    ]
    assert missing == [], f"{kind} without a docstring: {missing}"


NOT_OPS = {"as_array", "as_variable"}  # kernel helpers DeZero's F re-exports; they make no graph


def test_every_builtin_function_has_op_samples():
    samples = plugin_manager.op_samples()
    covered = {op for plugin in samples.values() for op in plugin}
    builtin = {n for n, r in plugin_manager.providers["functions"].items() if r.source == "builtin"} - NOT_OPS
    assert sorted(builtin - covered) == []


def test_docs_list_every_builtin_function():
    listed = (Path(__file__).parent.parent / "docs" / "ops.md").read_text()
    builtin = [n for n, r in plugin_manager.providers["functions"].items() if r.source == "builtin"]
    missing = [n for n in builtin if f"| `{n}` |" not in listed]
    assert missing == [], f"docs/ops.md lacks {missing}: run python docs/make_ops.py"
