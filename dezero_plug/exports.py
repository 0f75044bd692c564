"""What plugin hooks may return: normalising and checking exports, and choosing between providers.

The plugin manager (plugins.py) calls these at registration time; the kinds
table (kinds.py) says which normaliser and which check each hook gets.
"""

from __future__ import annotations

import difflib
import importlib
import warnings
from collections.abc import Callable
from collections.abc import Mapping
from types import ModuleType
from typing import TYPE_CHECKING
from typing import Any

from dezero_plug import backends
from dezero_plug import core
from dezero_plug.errors import PluginValidationError
from dezero_plug.registry import REGISTRY

if TYPE_CHECKING:
    from dezero_plug.kinds import Kind
    from dezero_plug.plugins import PluginRecord

# Raises a PluginValidationError that names the plugin and the hook.
Bad = Callable[[str], Exception]

# The kernel's own Variable attributes: a plugin may not rebind them.
KERNEL_ATTRIBUTES = frozenset(dir(core.Variable))
_KERNEL_OWN = frozenset(core.Variable.__dict__) - {"__module__", "__doc__", "__array_priority__"}
# The object protocol: binding these on Variable would change what every Variable is, not add an operation.
OBJECT_PROTOCOL = frozenset(
    "__getattribute__ __getattr__ __setattr__ __delattr__ __class__ __dict__ __slots__ __weakref__ __init__ "
    "__new__ __init_subclass__ __subclasshook__ __eq__ __ne__ __hash__ __reduce__ __reduce_ex__ __getstate__ "
    "__setstate__ __copy__ __deepcopy__ __dir__ __sizeof__ __format__ __del__ __array_ufunc__ "
    "__array_priority__".split()
)


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


def unwrap(obj: Any) -> Any:
    """The exported object itself, whether or not it was wrapped in ``override``."""
    return obj.obj if isinstance(obj, Override) else obj


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


def override_hint(offered: list[tuple[Any, PluginRecord]], known: set[str]) -> str:
    """Why the overrides among ``offered`` settle nothing: a ``replaces`` naming no plugin, or missing a provider."""
    names = {record.name for _, record in offered}
    for obj, record in offered:
        if not isinstance(obj, Override):
            continue
        unknown = [r for r in obj.replaces if r not in known]
        if unknown:
            close = difflib.get_close_matches(unknown[0], sorted(known), n=1)
            return (
                f"Plugin {record.name!r} declares override(..., replaces={unknown[0]!r}), but no plugin has that "
                f"name" + (f" (did you mean {close[0]!r}?)" if close else "") + "."
            )
        missing = sorted(names - {record.name} - set(obj.replaces))
        if missing:
            return (
                f"Plugin {record.name!r}'s override replaces {list(obj.replaces)}, not {missing}: "
                f"{' and '.join(repr(m) for m in missing)} export{'s' if len(missing) == 1 else ''} it without one."
            )
    return ""


def validate(kind: Kind, result: Any, record: PluginRecord) -> dict[Any, Any]:
    """Normalise one hook's return value to ``{name: obj}`` and check every item, or raise naming the plugin."""

    def bad(problem: str) -> PluginValidationError:
        return PluginValidationError(f"{record.describe()}: hook {kind.hook} {problem}", record.name)

    if result is None:
        return {}
    items = kind.normalize(result, bad, record)
    base = _resolve_base(kind.base)
    reserved = REGISTRY.reserved(kind) | kind.reserved_names
    for name, obj in items.items():
        if isinstance(obj, Override) and not kind.overridable:
            raise bad(f"wraps {name!r} in override(), but {kind.noun}s cannot be overridden")
        problem = kind.check(name, unwrap(obj)) if kind.check is not None else None
        if (
            problem is None
            and base is not None
            and not (isinstance(unwrap(obj), type) and issubclass(unwrap(obj), base))
        ):
            problem = f"exports {name!r} = {unwrap(obj)!r}, which is not a subclass of {kind.base}"
        if problem is None and name in reserved and not (name in kind.reserved_names and record.source == "builtin"):
            owner = "builtin plugins" if name in kind.reserved_names else kind.target
            problem = f"exports {name!r}, a name reserved for {owner}: rename the export"
        if problem is not None:
            raise bad(problem)
    return items


def _resolve_base(path: str | None) -> type | None:
    if path is None:
        return None
    module, _, name = path.partition(":")
    base: type = getattr(importlib.import_module(module), name)
    return base


# ---------------------------------------------------------------------- normalisers: hook result -> {key: obj}
def by_name(result: Any, bad: Bad, record: PluginRecord | None) -> dict[str, Any]:
    """A list exported under each object's ``__name__``, or a dict as it is."""
    if isinstance(result, (list, tuple)):
        named = {}
        for obj in result:
            name = getattr(unwrap(obj), "__name__", None)
            if not isinstance(name, str):
                raise bad(f"returned {unwrap(obj)!r}, which has no __name__; return a dict to name it")
            named[name] = obj
        return named
    if not isinstance(result, Mapping):
        raise bad(f"must return a list or a dict; got {type(result).__name__}")
    return dict(result)


def by_backend_name(result: Any, bad: Bad, record: PluginRecord | None) -> dict[str, Any]:
    """A list of Backend instances, each under its ``name``."""
    if not isinstance(result, (list, tuple)):
        raise bad(f"must return a list of Backend instances; got {type(result).__name__}")
    for backend in result:
        if not isinstance(backend, backends.Backend) or not backend.name:
            raise bad(f"returned {backend!r}, not a dezero_plug.backends.Backend with a name")
    return {backend.name: backend for backend in result}


def by_class_name_attribute(result: Any, bad: Bad, record: PluginRecord | None) -> dict[str, Any]:
    """A list of classes, each under its ``name`` attribute (communicators: ``"mpi"``), or a dict."""
    if isinstance(result, Mapping):
        return dict(result)
    if not isinstance(result, (list, tuple)):
        raise bad(f"must return a list of classes; got {type(result).__name__}")
    named = {}
    for cls in result:
        name = getattr(unwrap(cls), "name", None)
        if not isinstance(name, str) or not name:
            raise bad(f"returned {unwrap(cls)!r}, which has no name attribute")
        named[name] = cls
    return named


def by_function_class(result: Any, bad: Bad, record: PluginRecord | None) -> dict[tuple[type, str], Any]:
    """``{(FunctionClass, backend_name): forward}``; a ``"module.Class"`` key still works, with a warning."""
    if not isinstance(result, Mapping):
        raise bad(f"must return a dict {{(FunctionClass, backend_name): forward}}; got {type(result).__name__}")
    keyed = {}
    for key, forward in result.items():
        if not (isinstance(key, tuple) and len(key) == 2 and isinstance(key[1], str)):
            raise bad(f"key {key!r} must be (FunctionClass, backend_name)")
        target, backend_name = key
        if isinstance(target, str):
            cls = _function_class(target, bad)
            who = record.describe() if record is not None else "a plugin"
            warnings.warn(
                f"{who}: hook dezero_plug_kernels keys {target!r} by its import path, which is "
                f"deprecated and will stop working in the next release; key it by the class itself: "
                f"({cls.__module__}.{cls.__qualname__}, {backend_name!r})",
                DeprecationWarning,
                stacklevel=2,
            )
            target = cls
        keyed[target, backend_name] = forward
    return keyed


def _function_class(path: str, bad: Bad) -> type:
    module_name, _, class_name = path.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module_name), class_name, None)
    except ImportError as exc:
        raise bad(f"names kernel target {path!r}, whose module does not import: {exc}") from None
    if not (isinstance(cls, type) and issubclass(cls, core.Function)):
        raise bad(f"names kernel target {path!r}, which is not a dezero_plug Function subclass")
    return cls


def samples_by_op(result: Any, bad: Bad, record: PluginRecord | None) -> dict[str, Any]:
    """``{op_name: [OpSample, ...]}``."""
    if not isinstance(result, Mapping):
        raise bad(f"must return a dict {{op_name: [OpSample, ...]}}; got {type(result).__name__}")
    return dict(result)


# ---------------------------------------------------------------------- checks: (key, obj) -> the problem or None
def check_callable(name: Any, obj: Any) -> str | None:
    if not isinstance(name, str) or not name.isidentifier():
        return f"exports the name {name!r}, which is not an identifier"
    if not callable(obj):
        return f"exports {name!r} = {obj!r}, which is not callable"
    return None


def check_variable_method(name: Any, obj: Any) -> str | None:
    if not isinstance(name, str) or not name.isidentifier():
        return f"exports the name {name!r}, which is not an identifier"
    if name in KERNEL_ATTRIBUTES and not name.startswith("__") or name in _KERNEL_OWN or name in OBJECT_PROTOCOL:
        return f"cannot rebind Variable.{name}: it belongs to the kernel"
    if not (callable(obj) or hasattr(obj, "__get__")):
        return f"binds Variable.{name} to {obj!r}, which is neither callable nor a descriptor"
    return None


def check_kernel(key: Any, forward: Any) -> str | None:
    cls = key[0]
    if not (isinstance(cls, type) and issubclass(cls, core.Function)):
        return f"keys a kernel by {cls!r}, which is not a dezero_plug Function subclass"
    if not callable(forward):
        return f"registers {forward!r} as the kernel of {cls.__name__}, which is not callable"
    return None


def check_samples(name: Any, samples: Any) -> str | None:
    if not isinstance(name, str) or not isinstance(samples, (list, tuple)):
        return f"gives {name!r}: {samples!r}; expected a list of OpSample for each op name"
    return None


def peek(module: ModuleType, kinds: tuple[Kind, ...]) -> dict[str, dict[Any, Any]]:
    """What a blocked builtin module would export of ``kinds`` (those called at registration), for
    'blocked by' messages (never registered)."""
    found = {}
    for kind in kinds:
        hook = getattr(module, kind.hook, None)
        if hook is not None and kind.name != "kernels":
            found[kind.name] = kind.normalize(hook(), PluginValidationError, None)
    return found
