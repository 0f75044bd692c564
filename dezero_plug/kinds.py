"""The plugin kinds: one table that says, for every hook, what it returns and where its exports go.

Registration, validation, error messages, the CLI and the meta test read this
table; ``hookspecs.py`` writes each hook out for readers, mypy and the docs,
and ``tests/test_meta.py`` fails when the two disagree. A new kind is one
entry here plus one documented hookspec there. Below the table's entry type
(``Kind``) and the record of one plugin (``PluginRecord``) come what hooks may
return: the normalisers and checks the table names, ``override`` and the
choice between providers.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
from collections.abc import Callable
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from dezero_plug import backends
from dezero_plug import core
from dezero_plug.errors import PluginValidationError
from dezero_plug.registry import REGISTRY
from dezero_plug.registry import Kernel


@dataclasses.dataclass(frozen=True)
class Kind:
    """One kind of export.

    Attributes:
        name: the hook is ``dezero_plug_<name>``; the key of the registry's tables.
        noun: what one export is called in messages ("function", "Variable method").
        accepts: what the hook returns, in words.
        normalize: turns the hook's return value into ``{key: object}`` (or raises through ``bad``).
        check: ``(key, object) -> problem or None`` for each item, after normalising.
        overridable: whether ``dezero_plug.override`` may replace another plugin's export of this kind.
        at_registration: whether the hook is called when the plugin registers (op samples: by the kit only).
        lists_all: whether the target's ``__all__`` lists the exports.
    """

    name: str
    noun: str
    accepts: str
    normalize: Callable[..., dict[Any, Any]]
    check: Callable[[Any, Any], str | None] | None = None
    overridable: bool = True
    at_registration: bool = True
    lists_all: bool = True
    reserved_names: frozenset[str] = frozenset()  # names only builtin plugins may export

    @property
    def hook(self) -> str:
        """The hook's name: ``dezero_plug_functions`` ..."""
        return f"dezero_plug_{self.name}"


@dataclasses.dataclass
class PluginRecord:
    """What the manager knows of one plugin: where it came from, what it needs, its status and its exports."""

    name: str
    source: str  # "builtin", "entry point" or "runtime"
    distribution: str | None = None
    version: str | None = None
    module: Any = None
    status: str = "pending"  # "registered", "blocked", "failed", "deferred"
    error: str | None = None  # why it failed, or why it is blocked when it was not named in DEZERO_PLUG_DISABLE
    requires: tuple[str, ...] = ()
    exports: dict[str, dict[Any, Any]] = dataclasses.field(default_factory=dict)

    @property
    def origin(self) -> str:
        """``dezero-plug-x 0.1.0`` for a distribution's plugin, else its source (``builtin``, ``runtime``)."""
        return f"{self.distribution} {self.version}" if self.distribution else self.source

    def describe(self) -> str:
        """``plugin 'x' (dezero-plug-x 0.1.0)`` or ``plugin 'math' (builtin)``, for messages."""
        return f"plugin {self.name!r} ({self.origin})"


# Raises a PluginValidationError that names the plugin and the hook.
Bad = Callable[[str], Exception]

# The kernel's own Variable attributes: a plugin may not rebind them.
KERNEL_ATTRIBUTES = frozenset(dir(core.Variable))
_KERNEL_OWN = frozenset(core.Variable.__dict__) - {"__module__", "__doc__", "__array_priority__"}
# The object protocol: binding these on Variable would change what every Variable is, not add an operation.
OBJECT_PROTOCOL = frozenset(
    "__getattribute__ __getattr__ __setattr__ __delattr__ __class__ __dict__ __slots__ __weakref__ __init__ "
    "__new__ __init_subclass__ __subclasshook__ __eq__ __ne__ __hash__ __reduce__ __reduce_ex__ __getstate__ "
    "__setstate__ __copy__ __deepcopy__ __dir__ __sizeof__ __format__ __del__ __array_priority__".split()
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
    target, base = REGISTRY.targets.get(kind.name, (None, None))
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
            problem = f"exports {name!r} = {unwrap(obj)!r}, which is not a subclass of {backends.type_name(base)}"
        if problem is None and name in reserved and not (name in kind.reserved_names and record.source == "builtin"):
            owner = "builtin plugins" if name in kind.reserved_names else getattr(target, "__name__", target)
            problem = f"exports {name!r}, a name reserved for {owner}: rename the export"
        if problem is not None:
            raise bad(problem)
    return items


# ---------------------------------------------------------------------- normalisers: hook result -> {key: obj}
def by_attribute(attribute: str, result: Any, bad: Bad, record: PluginRecord | None) -> dict[str, Any]:
    """A list exported under each object's ``attribute`` (its ``__name__``; a communicator's ``name``), or a
    dict as it is."""
    if isinstance(result, (list, tuple)):
        named = {}
        for obj in result:
            name = getattr(unwrap(obj), attribute, None)
            if not isinstance(name, str) or not name:
                raise bad(f"returned {unwrap(obj)!r}, which has no {attribute}; return a dict to name it")
            named[name] = obj
        return named
    if not isinstance(result, Mapping):
        raise bad(f"must return a list or a dict; got {type(result).__name__}")
    return dict(result)


by_name = functools.partial(by_attribute, "__name__")


def by_backend_name(result: Any, bad: Bad, record: PluginRecord | None) -> dict[str, Any]:
    """A list of Backend instances, each under its ``name``."""
    if not isinstance(result, (list, tuple)):
        raise bad(f"must return a list of Backend instances; got {type(result).__name__}")
    for backend in result:
        if not isinstance(backend, backends.Backend) or not backend.name:
            raise bad(f"returned {backend!r}, not a dezero_plug.backends.Backend with a name")
    return {backend.name: backend for backend in result}


def by_function_class(result: Any, bad: Bad, record: PluginRecord | None) -> dict[tuple[type, str], Any]:
    """``{(FunctionClass, backend_name): forward or Kernel(forward, backward_arrays)}``."""
    if not isinstance(result, Mapping):
        raise bad(f"must return a dict {{(FunctionClass, backend): forward or Kernel}}; got {type(result).__name__}")
    for key in result:
        if not (isinstance(key, tuple) and len(key) == 2 and isinstance(key[1], str)):
            raise bad(f"key {key!r} must be (FunctionClass, backend_name)")
    return dict(result)


def samples_by_op(result: Any, bad: Bad, record: PluginRecord | None) -> dict[str, Any]:
    """``{op_name: [OpSample, ...]}``."""
    if not isinstance(result, Mapping):
        raise bad(f"must return a dict {{op_name: [OpSample, ...]}}; got {type(result).__name__}")
    return dict(result)


# ---------------------------------------------------------------------- checks: (key, obj) -> the problem or None
def check_callable(name: Any, obj: Any) -> str | None:
    if not isinstance(name, str) or not name.isidentifier():
        return f"exports the name {name!r}, which is not an identifier"
    if name.startswith("__") and name.endswith("__"):  # a namespace's own (__class__, __dict__ ...)
        return f"exports {name!r}, a name Python reserves for the namespace itself: rename the export"
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


def check_kernel(key: Any, kernel: Any) -> str | None:
    cls = key[0]
    if not (isinstance(cls, type) and issubclass(cls, core.Function)):
        return f"keys a kernel by {cls!r}, which is not a dezero_plug Function subclass"
    parts = kernel if isinstance(kernel, Kernel) else (kernel,)
    if not all(callable(part) for part in parts if part is not None) or parts[0] is None:
        return f"registers {kernel!r} as the kernel of {cls.__name__}: expected a callable forward or a Kernel"
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


# In the order they are applied: backends first, so that everything after can meet arrays.
KINDS: tuple[Kind, ...] = (
    Kind(
        "backends",
        "backend",
        "a list of dezero_plug.Backend instances",
        by_backend_name,
        overridable=False,
        reserved_names=frozenset({"numpy"}),
    ),
    Kind("functions", "function", "a list of functions or a dict {name: function}", by_name, check_callable),
    Kind(
        "variable_methods",
        "Variable method",
        "a dict {attribute: function or descriptor}",
        by_name,
        check_variable_method,
        lists_all=False,
    ),
    Kind(
        "kernels",
        "kernel",
        "a dict {(FunctionClass, backend_name): forward or Kernel}",
        by_function_class,
        check_kernel,
    ),
    Kind("layers", "layer", "a list of Layer subclasses or a dict", by_name, check_callable),
    Kind(
        "models",
        "model",
        "a list of Model subclasses (and the Layer blocks they are built of) or a dict",
        by_name,
        check_callable,
    ),
    Kind(
        "optimizers",
        "optimizer",
        "a list of optimizers and optimizer hooks (classes or callables) or a dict",
        by_name,
        check_callable,
    ),
    Kind(
        "datasets",
        "dataset",
        "a list of datasets and dataset helpers (classes or callables) or a dict",
        by_name,
        check_callable,
    ),
    Kind("transforms", "transform", "a list of transforms (classes or callables) or a dict", by_name, check_callable),
    Kind(
        "communicators",
        "communicator",
        "a list of Communicator subclasses, each under its name",
        functools.partial(by_attribute, "name"),
        check_callable,
    ),
    Kind("function_hooks", "function hook", "a list of FunctionHook subclasses or a dict", by_name, check_callable),
    Kind(
        "op_samples",
        "op sample list",
        "a dict {op_name: [OpSample, ...]}",
        samples_by_op,
        check_samples,
        at_registration=False,
    ),
)

BY_NAME: dict[str, Kind] = {kind.name: kind for kind in KINDS}
REGISTERED: tuple[Kind, ...] = tuple(kind for kind in KINDS if kind.at_registration)


def noun(kind: str) -> str:
    """What one export of ``kind`` is called in messages."""
    return BY_NAME[kind].noun if kind in BY_NAME else kind
