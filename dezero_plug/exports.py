"""What plugin hooks may return: normalising and validating exports, and choosing between providers.

The plugin manager (plugins.py) calls these at registration time; they keep
the rules of the hook contract (hookspecs.py) in one place.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING
from typing import Any

from dezero_plug import backends
from dezero_plug import core
from dezero_plug.errors import PluginValidationError
from dezero_plug.hookspecs import KINDS

if TYPE_CHECKING:
    from dezero_plug.plugins import PluginRecord

# The kernel's own Variable attributes: a plugin may not rebind them.
KERNEL_ATTRIBUTES = frozenset(dir(core.Variable))


class Override:
    """An export that knowingly replaces another plugin's export of the same name."""

    def __init__(self, obj: Any, replaces: str | tuple[str, ...]) -> None:
        self.obj = obj
        self.replaces = (replaces,) if isinstance(replaces, str) else tuple(replaces)


def override(obj: Any, replaces: str | tuple[str, ...]) -> Override:
    """Declare that ``obj`` replaces the export of the same name from plugin(s) ``replaces``.

    Example: ``return [override(fast_gelu, replaces="acts")]`` in a functions hook.
    """
    return Override(obj, replaces)


def winner(offered: list[tuple[Any, PluginRecord]]) -> tuple[Any, PluginRecord] | None:
    """The only offer, or the one override that names every other provider; None is a conflict."""
    if len(offered) == 1:
        return offered[0]
    names = {record.name for _, record in offered}
    winners = [
        (obj, record)
        for obj, record in offered
        if isinstance(obj, Override) and names - {record.name} <= set(obj.replaces)
    ]
    return winners[0] if len(winners) == 1 else None


def validate(kind: str, result: Any, record: PluginRecord) -> dict[str, Any]:
    """Normalise one hook's return value to ``{name: obj}``, or raise naming the plugin."""

    def bad(problem: str) -> PluginValidationError:
        return PluginValidationError(f"{record.describe()}: hook dezero_plug_{kind} {problem}", record.name)

    if result is None:
        return {}
    if kind == "backends":
        if not isinstance(result, (list, tuple)):
            raise bad(f"must return a list of Backend instances; got {type(result).__name__}")
        for backend in result:
            if not isinstance(backend, backends.Backend) or not backend.name:
                raise bad(f"returned {backend!r}, not a dezero_plug.backends.Backend with a name")
        return {backend.name: backend for backend in result}
    if isinstance(result, (list, tuple)):
        result = {_export_name(obj, bad): obj for obj in result}
    if not isinstance(result, dict):
        raise bad(f"must return a list or a dict; got {type(result).__name__}")
    for name, obj in result.items():
        inner = obj.obj if isinstance(obj, Override) else obj
        if kind == "kernels":
            if not (isinstance(name, tuple) and len(name) == 2 and callable(inner)):
                raise bad(f'key {name!r} must be ("module.FunctionClass", "backend") with a callable forward')
            function_class(name[0])
            continue
        if not isinstance(name, str) or not name.isidentifier():
            raise bad(f"exports the name {name!r}, which is not an identifier")
        if kind == "variable_methods":
            if name in KERNEL_ATTRIBUTES and not name.startswith("__") or name in _KERNEL_OWN:
                raise bad(f"cannot rebind Variable.{name}: it belongs to the kernel")
            if not (callable(inner) or hasattr(inner, "__get__")):
                raise bad(f"binds Variable.{name} to {inner!r}, which is neither callable nor a descriptor")
        elif not callable(inner):
            raise bad(f"exports {name!r} = {inner!r}, which is not callable")
    return result


_KERNEL_OWN = frozenset(core.Variable.__dict__) - {"__module__", "__doc__", "__array_priority__"}


def _export_name(obj: Any, bad: Callable[[str], Exception]) -> str:
    inner = obj.obj if isinstance(obj, Override) else obj
    name = getattr(inner, "__name__", None)
    if not isinstance(name, str):
        raise bad(f"returned {inner!r}, which has no __name__; return a dict to name it")
    return name


def function_class(path: str) -> type:
    module_name, _, class_name = path.rpartition(".")
    cls = getattr(importlib.import_module(module_name), class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, core.Function)):
        raise PluginValidationError(f"kernel target {path!r} is not a dezero_plug Function subclass")
    return cls


def peek(module: ModuleType) -> dict[str, dict[str, Any]]:
    """What a (blocked, builtin) module would export, for 'blocked by' messages."""
    exports = {}
    for kind in KINDS:
        hook = getattr(module, f"dezero_plug_{kind}", None)
        if hook is not None and kind != "kernels":
            result = hook()
            items = result if isinstance(result, dict) else {getattr(o, "name", None) or o.__name__: o for o in result}
            exports[kind] = items
    return exports
