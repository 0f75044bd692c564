"""The project checks itself: kernel budget, a kernel that names no op, modules that import alone, docs."""

import ast
import builtins
import io
import os
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

import dezero_plug
from dezero_plug import plugin_manager
from dezero_plug.testing.pytest_plugin import NOT_OPS  # kernel helpers F re-exports: they make no graph

PACKAGE = Path(dezero_plug.__file__).parent
# The kernel, read in this order (see CONTRIBUTING.md), in two halves with a budget each that keeps it readable
# in one sitting: autograd (modes, Variable, Function, the traversal, the backend contract and lookup, the
# weak-typing rule for constants) and the plugin host (registry, kinds, hookspecs, discovery and
# registration, errors). The budgets are fixed (shared/DESIGN.md section 2): never raised to fit a change.
AUTOGRAD = ("backends.py", "constants.py", "core.py")
PLUGIN_HOST = ("errors.py", "registry.py", "kinds.py", "hookspecs.py", "plugins.py")
# The reading order (README, CONTRIBUTING.md) is the dependency order: each module imports only those before it.
KERNEL = (
    "errors.py",
    "registry.py",
    "backends.py",
    "constants.py",
    "core.py",
    "kinds.py",
    "hookspecs.py",
    "plugins.py",
)
AUTOGRAD_BUDGET = 550
PLUGIN_HOST_BUDGET = 900
# The two functions a learner must read, as DeZero's: Function.__call__ and Variable.backward.
FUNCTION_BUDGETS = {("Function", "__call__"): 30, ("Variable", "backward"): 55}


def code_lines(path: Path, lines: range | None = None) -> int:
    """Non-blank lines that are neither comments nor docstrings (tinygrad's sz.py rule), of ``lines`` or all."""
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
    return len(code if lines is None else code.intersection(lines))


def test_the_kernel_reads_in_dependency_order():
    graph = import_graph(PACKAGE)
    order = [f"dezero_plug.{name.removesuffix('.py')}" for name in KERNEL]
    assert sorted(order) == sorted(f"dezero_plug.{name.removesuffix('.py')}" for name in AUTOGRAD + PLUGIN_HOST)
    for i, module in enumerate(order):
        later = sorted(graph[module] & set(order[i + 1 :]))
        assert later == [], f"{module} imports {later}, which the reading order puts after it"


@pytest.mark.parametrize("half, budget", [(AUTOGRAD, AUTOGRAD_BUDGET), (PLUGIN_HOST, PLUGIN_HOST_BUDGET)])
def test_each_half_of_the_kernel_stays_within_its_line_budget(half, budget):
    counts = {name: code_lines(PACKAGE / name) for name in half}
    assert sum(counts.values()) <= budget, f"{counts}: {sum(counts.values())} code lines (budget {budget})"


def method_lines(path: Path, cls: str, method: str) -> int:
    """The code lines of ``cls.method`` in ``path``, its signature included (the rule of code_lines)."""
    tree = ast.parse(path.read_text())
    node = next(
        item
        for top in tree.body
        if isinstance(top, ast.ClassDef) and top.name == cls
        for item in top.body
        if isinstance(item, ast.FunctionDef) and item.name == method
    )
    return code_lines(path, range(node.lineno, node.end_lineno + 1))


@pytest.mark.parametrize(
    "where, budget", list(FUNCTION_BUDGETS.items()), ids=lambda v: ".".join(v) if isinstance(v, tuple) else str(v)
)
def test_the_op_call_and_the_backward_pass_stay_short(where, budget):
    lines = method_lines(PACKAGE / "core.py", *where)
    assert lines <= budget, f"{'.'.join(where)} is {lines} code lines (budget {budget})"


def test_the_method_count_sees_a_method_grow(tmp_path):
    planted = tmp_path / "core.py"
    source = (
        (PACKAGE / "core.py")
        .read_text()
        .replace(
            "    def __call__(self, *inputs: Any) -> Any:\n",
            "    def __call__(self, *inputs: Any) -> Any:\n" + "        pass\n" * 31,
        )
    )
    planted.write_text(source)
    assert method_lines(planted, "Function", "__call__") > FUNCTION_BUDGETS["Function", "__call__"]


def test_the_kernel_list_holds_every_module_the_kernel_imports():
    """A module the kernel imports is kernel too, whether by an import statement or by a string naming it
    (``"dezero_plug.layers:Layer"``): moving code out of the counted files does not shrink it. The builtin
    plugins (``dezero_plug.std``) are not kernel: the plugin manager loads them as it loads anyone's."""
    for name in KERNEL:
        tree = ast.parse((PACKAGE / name).read_text())
        for node in ast.walk(tree):
            modules = []
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dezero_plug"):
                modules = (
                    [node.module] if node.module != "dezero_plug" else [f"dezero_plug.{a.name}" for a in node.names]
                )
                if any(m.startswith("dezero_plug.testing") for m in modules) and node in _type_checking_imports(tree):
                    continue
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                named = node.value.partition(":")[0]
                if named.startswith("dezero_plug.") and named.isidentifier() is False and " " not in named:
                    modules = [named] if not named.startswith("dezero_plug.std") else []
            for module in modules:
                file = module.removeprefix("dezero_plug.").replace(".", "/") + ".py"
                assert file in KERNEL, f"{name} imports {module}, which tests/test_meta.py does not count"


def _type_checking_imports(tree: ast.Module) -> list[ast.AST]:
    return [
        inner
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
        for inner in node.body
    ]


def private_uses(source: str, filename: str) -> list[str]:
    """Where ``source`` reaches into another dezero_plug module's private names (``core._KERNELS = ...``)."""
    tree = ast.parse(source)
    local_modules = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "dezero_plug"
        for alias in node.names
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dezero_plug"):
            private = [a.name for a in node.names if a.name.startswith("_") and a.name != "__version__"]
            if private:
                found.append(f"{filename}:{node.lineno} imports private {private} from {node.module}")
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in local_modules
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            found.append(f"{filename}:{node.lineno} uses {node.value.id}.{node.attr}")
    return found


def test_no_module_writes_or_reads_another_modules_private_names():
    """The kernel's modules talk through public names (the registry's methods), never each other's _globals."""
    found = [use for path in sorted(PACKAGE.rglob("*.py")) for use in private_uses(path.read_text(), path.name)]
    assert found == []


def test_the_private_name_check_catches_the_wiring_it_forbids():
    planted = "from dezero_plug import core\nfrom dezero_plug.backends import _BY_TYPE\ncore._KERNELS.clear()\n"
    assert private_uses(planted, "plugins.py") == [
        "plugins.py:2 imports private ['_BY_TYPE'] from dezero_plug.backends",
        "plugins.py:3 uses core._KERNELS",
    ]


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


def test_every_builtin_function_has_op_samples():
    samples = plugin_manager.op_samples()
    covered = {op for plugin in samples.values() for op in plugin}
    builtin = {n for n, r in plugin_manager.providers["functions"].items() if r.source == "builtin"} - NOT_OPS
    assert sorted(builtin - covered) == []


# ---------------------------------------------------------------- the kinds table and the written hookspecs
HOOKSPEC_SECTIONS = ("Called", "Return", "Conflicts:", "Example::")


def kind_problems(kinds_table, specs_module) -> list[str]:
    """Where the kinds table and the hookspecs disagree: a kind without its hook, a hook without its kind."""
    written = {name for name in vars(specs_module) if name.startswith("dezero_plug_")}
    declared = {kind.hook for kind in kinds_table}
    problems = [
        f"kind {hook.removeprefix('dezero_plug_')!r} has no hookspec {hook}" for hook in sorted(declared - written)
    ]
    problems += [f"hookspec {hook} has no entry in the kinds table" for hook in sorted(written - declared)]
    for hook in sorted(written & declared):
        doc = getattr(specs_module, hook).__doc__ or ""
        problems += [f"{hook}'s docstring lacks {section!r}" for section in HOOKSPEC_SECTIONS if section not in doc]
    return problems


def test_every_kind_has_a_documented_hookspec_and_every_hookspec_a_kind():
    from dezero_plug import hookspecs
    from dezero_plug import kinds

    assert kind_problems(kinds.KINDS, hookspecs) == []


def test_adding_a_kind_in_one_place_only_fails_the_consistency_check():
    import dataclasses
    import types

    from dezero_plug import hookspecs
    from dezero_plug import kinds

    planted = dataclasses.replace(kinds.KINDS[1], name="schedulers", noun="scheduler")
    assert kind_problems((*kinds.KINDS, planted), hookspecs) == [
        "kind 'schedulers' has no hookspec dezero_plug_schedulers"
    ]
    specs = types.SimpleNamespace(**vars(hookspecs), dezero_plug_schedulers=lambda: None)
    assert kind_problems(kinds.KINDS, specs) == ["hookspec dezero_plug_schedulers has no entry in the kinds table"]
    undocumented = types.SimpleNamespace(**{**vars(hookspecs), "dezero_plug_layers": lambda: None})
    assert "dezero_plug_layers's docstring lacks 'Example::'" in kind_problems(kinds.KINDS, undocumented)


def test_pluggy_sees_exactly_the_hooks_of_the_kinds_table():
    from dezero_plug import kinds

    # hooks with a spec: pluggy keeps an (unspecified) caller for a refused plugin's unknown hook name
    hooks = {
        name
        for name, caller in vars(plugin_manager._pm.hook).items()
        if name.startswith("dezero_plug_") and caller.has_spec()
    }
    assert hooks == {kind.hook for kind in kinds.KINDS}


# ---------------------------------------------------------------- declared requirements of the builtins
def _std_imports(name: str) -> set[str]:
    tree = ast.parse((PACKAGE / "std" / f"{name}.py").read_text())
    return {
        node.module.removeprefix("dezero_plug.std.")
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dezero_plug.std.")
    }


@pytest.mark.parametrize("name", dezero_plug.plugins.BUILTIN_PLUGINS)
def test_each_builtin_declares_every_builtin_it_imports_and_comes_after_them(name):
    from dezero_plug.plugins import BUILTIN_PLUGINS

    requires = plugin_manager.records[name].requires
    assert _std_imports(name) <= set(requires), f"std/{name}.py imports {_std_imports(name) - set(requires)}"
    for required in requires:
        assert BUILTIN_PLUGINS.index(required) < BUILTIN_PLUGINS.index(name), f"{name} is listed before {required}"


BLOCKED_RUN = """
import warnings
import numpy as np
import dezero_plug.functions as F
from dezero_plug import Variable, plugin_manager
failures = []
for plugin, samples in plugin_manager.op_samples().items():
    for op, cases in samples.items():
        if op not in plugin_manager.exports["functions"]:
            continue
        sample = cases[0]
        xs = [Variable(x) if isinstance(x, np.ndarray) and x.dtype.kind == "f" else x for x in sample.make_inputs()]
        try:
            out = (sample.call or getattr(F, op))(*xs, **sample.kwargs)
            for y in out if isinstance(out, (list, tuple)) else [out]:
                if isinstance(y, Variable) and y.dtype.kind == "f":
                    y.backward()
        except Exception as exc:
            failures.append(f"{op}: {type(exc).__name__}: {exc}")
print(failures)
"""


@pytest.mark.backend("numpy")
@pytest.mark.parametrize("name", [n for n in dezero_plug.plugins.BUILTIN_PLUGINS if n != "numpy_backend"])
def test_with_any_one_builtin_blocked_every_op_still_registered_runs_forward_and_backward(name):
    """Declared requirements are complete: blocking a plugin never leaves an op that fails for want of it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEZERO_PLUG_")}
    env.update(DEZERO_PLUG_DISABLE=name, DEZERO_PLUG_DISABLE_PLUGIN_AUTOLOAD="1")
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", BLOCKED_RUN], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# ---------------------------------------------------------------- no import cycle of any kind
def import_graph(package: Path) -> dict[str, set[str]]:
    """Module -> the package's modules it imports: at the top, inside functions, under TYPE_CHECKING, or by a
    string naming it (``"dezero_plug.layers:Layer"``, which an importlib call would load)."""

    def name(path: Path) -> str:
        parts = path.relative_to(package.parent).with_suffix("").parts
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)

    modules = {name(p): p for p in package.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(package.name):
                found.update(
                    f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules else node.module
                    for a in node.names
                )
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and " " not in node.value:
                found.add(node.value.partition(":")[0])
        graph[module] = {m for m in found if m in modules and m not in (module, package.name)}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def test_no_module_of_the_package_takes_part_in_an_import_cycle():
    assert import_cycles(import_graph(PACKAGE)) == []


def test_the_cycle_check_sees_a_lazy_import_and_a_string_naming_a_module(tmp_path):
    graph = import_graph(PACKAGE)
    graph["dezero_plug.core"] = graph["dezero_plug.core"] | {"dezero_plug.plugins"}  # a lazy import back
    assert any("dezero_plug.core" in cycle and "dezero_plug.plugins" in cycle for cycle in import_cycles(graph))
    planted = tmp_path / "_planted_package"
    (planted / "sub").mkdir(parents=True)
    (planted / "__init__.py").write_text("")
    (planted / "sub" / "__init__.py").write_text("")
    (planted / "a.py").write_text("def f():\n    from _planted_package import b\n")
    (planted / "b.py").write_text("TARGET = '_planted_package.a:f'\n")
    assert import_cycles(import_graph(planted)) == [["_planted_package.a", "_planted_package.b"]]
