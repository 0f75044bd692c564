"""Write docs/ops.md: every builtin function in dezero_plug.functions, its provider, and its double-backprop support.

Run: python docs/make_ops.py (``--check``: fail if the file is out of date; tests/test_meta.py runs it).
Only the builtin plugins are listed, whatever else is installed: they are what the docs describe.
"""

import inspect
import sys
from pathlib import Path

from dezero_plug import plugin_manager

NOT_DIFFERENTIABLE = {"accuracy": "not differentiable (returns a constant)"}
HELPERS = {"as_array": "kernel helper, makes no graph", "as_variable": "kernel helper, makes no graph"}
ZERO_SECOND = {"relu", "leaky_relu", "max", "min", "clip", "maximum", "minimum", "abs", "pooling", "pooling_simple"}


def signature(function: object) -> str:
    """``(x, axis=None, keepdims=False)``: the call as a reader writes it, without annotations."""
    try:
        sig = inspect.signature(function)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "(...)"
    bare = [p.replace(annotation=inspect.Parameter.empty) for p in sig.parameters.values()]
    return str(sig.replace(parameters=bare, return_annotation=inspect.Signature.empty))


def main() -> None:
    samples = {op: s for plugin in plugin_manager.op_samples().values() for op, s in plugin.items()}
    rows = []
    for name in sorted(plugin_manager.exports["functions"]):
        record = plugin_manager.providers["functions"][name]
        if record.source != "builtin":
            continue
        module = getattr(record.module, "__name__", record.name)
        if name in HELPERS or name in NOT_DIFFERENTIABLE:
            double = "—"
        elif all(s.double for s in samples.get(name, [])):
            double = "yes" + (" (zero almost everywhere: piecewise linear)" if name in ZERO_SECOND else "")
        else:
            double = "first order only"
        doc = (getattr(plugin_manager.exports["functions"][name], "__doc__", "") or "").strip().splitlines()[0]
        note = HELPERS.get(name) or NOT_DIFFERENTIABLE.get(name) or doc
        call = name + signature(plugin_manager.exports["functions"][name])
        rows.append(f"| `{call}` | `{module}` ({record.name}) | {double} | {note} |")
    text = (
        "# Functions\n\n"
        "Every name in `dezero_plug.functions` (`F`), the plugin and module that provide it, and whether\n"
        "its backward is itself differentiable (double backprop), each checked numerically by the\n"
        "conformance kit on every sample (`dezero_plug/std/<family>.py`, bottom of the file).\n"
        "`python -m dezero_plug ops` prints the same providers for what is installed. No builtin op is\n"
        "first-order only: the piecewise-linear ones have an exact second derivative of zero. Each name\n"
        "is shown with its signature; [the library reference](api/library.md) has the whole docstring.\n\n"
        "| function | module (plugin) | double backprop | what it does |\n|---|---|---|---|\n" + "\n".join(rows) + "\n"
    )
    path = Path(__file__).with_name("ops.md")
    if "--check" in sys.argv[1:]:
        if path.read_text() != text:
            sys.exit("docs/ops.md is out of date: run python docs/make_ops.py")
        print(f"docs/ops.md is up to date: {len(rows)} functions")
        return
    path.write_text(text)
    print(f"wrote docs/ops.md: {len(rows)} functions")


if __name__ == "__main__":
    main()
