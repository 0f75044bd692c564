"""The plugin manager: finds builtin and entry-point plugins, orders them by what they require, registers them.

Builtins come from the ``BUILTIN_PLUGINS`` tuple (modules of
``dezero_plug.std``, registered under their basename), third-party plugins
from the entry-point group ``dezero_plug`` (under the entry-point name). A
plugin may declare the plugins it needs in a module attribute
``dezero_plug_requires``; a plugin whose requirement is blocked, failed or
missing is blocked too. Every plugin goes through ``_register``: call its
hooks, validate what they return, then keep it; on any failure it is
unregistered whole. ``refresh`` decides the winner of every name and hands
the tables to the registry, so no hook is ever called per op.
"""

from __future__ import annotations

import difflib
import functools
import importlib
import os
import sys
import warnings
from collections.abc import Callable
from collections.abc import Mapping
from importlib.metadata import EntryPoint
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any

import pluggy

from dezero_plug import core
from dezero_plug import hookspecs
from dezero_plug import kinds
from dezero_plug.errors import PluginConflictError
from dezero_plug.errors import PluginConflictWarning
from dezero_plug.errors import PluginError
from dezero_plug.errors import PluginLoadWarning
from dezero_plug.errors import PluginValidationError
from dezero_plug.kinds import PluginRecord
from dezero_plug.registry import REGISTRY
from dezero_plug.registry import overlaps

hookimpl = pluggy.HookimplMarker("dezero_plug")

ENTRY_POINT_GROUP = "dezero_plug"
REQUIRES_ATTRIBUTE = "dezero_plug_requires"
# In an order that lists every plugin after the ones it requires (tests/test_meta.py checks it).
BUILTIN_PLUGINS = (
    "numpy_backend",
    "strict_backend",
    "shape",
    "broadcast",
    "arithmetic",
    "reduction",
    "math",
    "linalg",
    "interop",
    "activation",
    "loss",
    "numpy_kernels",
    "evaluation",
    "noise",
    "norm",
    "conv",
    "compat",
    "layers",
    "models",
    "optimizers",
    "transforms",
    "datasets",
    "debug",
)
ESSENTIAL_PLUGINS = ("numpy_backend",)


def requirements(plugin: Any) -> tuple[str, ...]:
    """The plugin names ``plugin`` declares it needs (its ``dezero_plug_requires``), validated."""
    declared = getattr(plugin, REQUIRES_ATTRIBUTE, ())
    if isinstance(declared, str) or not all(isinstance(name, str) for name in declared):
        raise PluginValidationError(f"{REQUIRES_ATTRIBUTE} must be a tuple of plugin names; got {declared!r}")
    return tuple(declared)


def _env_list(env: Mapping[str, str], name: str) -> list[str]:
    return [item.strip() for item in env.get(name, "").split(",") if item.strip()]


def _env_flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() not in ("", "0", "false", "no")


class PluginManager:
    """Loads plugins once, keeps a record of each, and hands their exports to the registry."""

    def __init__(self) -> None:
        self._pm = pluggy.PluginManager("dezero_plug")
        self._pm.add_hookspecs(hookspecs)
        self.records: dict[str, PluginRecord] = {}
        self.blocked: set[str] = set()
        self.strict = False
        self.trace = False
        self._deferred: list[tuple[PluginRecord, EntryPoint]] = []
        self._loading: PluginRecord | None = None  # the plugin whose hooks are running: it may unregister no other
        REGISTRY.explain_with(self._missing, self.settle)
        REGISTRY.refresh = self.refresh

    # The registry's tables, read-only, for the CLI, the docs and tests.
    @property
    def exports(self) -> dict[str, dict[Any, Any]]:
        return REGISTRY.exports

    @property
    def providers(self) -> dict[str, dict[Any, PluginRecord]]:
        return REGISTRY.providers

    @property
    def conflicts(self) -> Mapping[tuple[str, str], Exception]:
        return REGISTRY.conflicts

    # ------------------------------------------------------------------ loading
    def load(self, env: Mapping[str, str] = os.environ) -> None:
        """Register the builtins and the entry-point plugins (once, from ``import dezero_plug``)."""
        self.strict = _env_flag(env, "DEZERO_PLUG_STRICT")
        self.blocked = set(_env_list(env, "DEZERO_PLUG_DISABLE"))
        self.trace = _env_flag(env, "DEZERO_PLUG_TRACE")
        for name in sorted(self.blocked & set(ESSENTIAL_PLUGINS)):
            raise PluginError(f"DEZERO_PLUG_DISABLE={name}: plugin {name!r} is essential and cannot be blocked", name)
        found = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)
        autoload = not _env_flag(env, "DEZERO_PLUG_DISABLE_PLUGIN_AUTOLOAD")
        wanted = set(_env_list(env, "DEZERO_PLUG_PLUGINS"))
        candidates: list[tuple[PluginRecord, Callable[[], Any]]] = [
            (PluginRecord(name, "builtin"), functools.partial(importlib.import_module, f"dezero_plug.std.{name}"))
            for name in BUILTIN_PLUGINS
        ]
        for ep in found:
            if ep.name in BUILTIN_PLUGINS:  # it would replace the builtin, and block what requires it
                self._refuse(ep, "has the name of a builtin plugin and was refused: the builtin stays")
            elif not ep.name.replace("-", "_").replace(".", "_").isidentifier():  # "a,b": no variable can list it
                self._refuse(ep, "is no name DEZERO_PLUG_DISABLE or DEZERO_PLUG_PLUGINS can list and was refused")
            elif autoload or ep.name in wanted:
                dist = getattr(ep, "dist", None)
                record = PluginRecord(ep.name, "entry point", dist and dist.name, dist and dist.version)
                if self._is_half_imported(ep):  # the user imported it first and it is importing us: later
                    record.status = "deferred"
                    self.records[record.name] = record
                    self._deferred.append((record, ep))
                else:
                    candidates.append((record, ep.load))
        self._warn_unknown("DEZERO_PLUG_DISABLE", self.blocked - set(BUILTIN_PLUGINS) - {ep.name for ep in found})
        self._warn_unknown("DEZERO_PLUG_PLUGINS", wanted - {ep.name for ep in found})
        self._load_all(candidates)
        self.refresh(at_autoload=True)

    def _refuse(self, ep: EntryPoint, why: str) -> None:
        dist = getattr(ep, "dist", None)
        source = f"entry point {ep.name!r} ({dist.name if dist else ep.value})"
        self._fail_or_warn(f"{source} {why}; rename the entry point in that distribution's pyproject.toml", ep.name, 3)

    def _fail_or_warn(self, message: str, plugin: str, stacklevel: int, cause: Exception | None = None) -> None:
        """A plugin that cannot load: a PluginError naming it in strict mode, else a warning (the rest load)."""
        if self.strict:
            raise PluginError(message, plugin) from cause
        hint = " Set DEZERO_PLUG_STRICT=1 to make this an error." if cause is not None else ""
        warnings.warn(message + hint, PluginLoadWarning, stacklevel=stacklevel + 1)

    def _warn_unknown(self, variable: str, names: set[str]) -> None:
        known = ", ".join(sorted([*BUILTIN_PLUGINS, *(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))]))
        for name in sorted(names):
            warnings.warn(
                f"{variable} names {name!r}, which is no installed plugin (known: {known})",
                PluginLoadWarning,
                stacklevel=3,
            )

    @staticmethod
    def _is_half_imported(ep: EntryPoint) -> bool:
        module = sys.modules.get(ep.module)
        return module is not None and getattr(getattr(module, "__spec__", None), "_initializing", False)

    def _load_all(self, candidates: list[tuple[PluginRecord, Callable[[], Any]]]) -> None:
        """Import every candidate, then register them so that each comes after what it requires."""
        modules = {}
        for record, loader in candidates:
            self.records[record.name] = record
            if record.name in self.blocked:
                record.status = "blocked"
                if record.source != "builtin":
                    continue  # a third party's blocked code is never run
            try:
                modules[record.name] = module = loader()
                record.requires = requirements(module)
            except Exception as exc:
                self._failed(record, exc)
        ordered, cycles = _in_requirement_order([r for r, _ in candidates if r.name in modules])
        for name, cycle in cycles.items():
            self._failed(self.records[name], PluginError(f"plugins require each other in a cycle: {cycle}", name))
        for record in ordered:
            module = modules[record.name]
            if record.status == "blocked":
                record.exports = kinds.peek(module, kinds.REGISTERED)  # our own code: safe to ask
            elif not self._requirements_met(record):
                record.exports = kinds.peek(module, kinds.REGISTERED) if record.source == "builtin" else {}
            else:
                try:
                    self._register(module, record)
                except Exception as exc:
                    self._failed(record, exc)
        self._report_blocked_chain()

    def _requirements_met(self, record: PluginRecord) -> bool:
        for name in record.requires:
            required = self.records.get(name)
            if required is None or required.status != "registered":
                state = "not installed" if required is None else required.status
                record.status, record.error = "blocked", f"requires {name!r}, which is {state}"
                return False
        return True

    def _report_blocked_chain(self) -> None:
        chain = [r for r in self.records.values() if r.status == "blocked" and r.name not in self.blocked]
        if not chain:
            return
        cause = f" (DEZERO_PLUG_DISABLE={','.join(sorted(self.blocked))})" if self.blocked else ""
        message = (
            f"plugins blocked because a plugin they require is not registered{cause}: "
            + "; ".join(f"{r.describe()} {r.error}" for r in chain)
            + ". Name them in DEZERO_PLUG_DISABLE too to block them on purpose."
        )
        self._fail_or_warn(message, chain[0].name, stacklevel=4)

    def _failed(self, record: PluginRecord, exc: Exception) -> None:
        record.status = "failed"
        record.error = f"{type(exc).__name__}: {exc}"
        message = f"{record.describe()} failed to load and was skipped: {record.error}."
        self._fail_or_warn(message, record.name, stacklevel=4, cause=exc)

    def settle(self) -> None:
        """Register deferred plugins whose module has finished importing."""
        ready = [(r, ep) for r, ep in self._deferred if not self._is_half_imported(ep)]
        if ready:
            self._deferred = [item for item in self._deferred if item not in ready]
            self._load_all([(record, ep.load) for record, ep in ready])
            self.refresh(at_autoload=True)

    # ------------------------------------------------------------------ registration
    def register(self, plugin: Any, name: str | None = None) -> PluginRecord:
        """Register a plugin (module or object) at run time; raises on any failure or conflict."""
        name = name or getattr(plugin, "__name__", type(plugin).__name__).rpartition(".")[2]
        record = PluginRecord(name, "runtime", requires=requirements(plugin))
        if name in self.blocked:
            raise PluginError(f"{record.describe()} is blocked by DEZERO_PLUG_DISABLE", name)
        if not self._requirements_met(record):
            raise PluginError(f"{record.describe()} {record.error}: register that plugin first", name)
        self._register(plugin, record)
        self.records[name] = record
        try:
            self.refresh(at_autoload=False, plugin=name)
        except Exception:  # a conflict, or an attribute that cannot be set: the plugin leaves no trace
            self.unregister(name)
            raise
        return record

    def unregister(self, name: str) -> None:
        """Remove a registered plugin by name and refresh the namespaces."""
        if self._loading is not None:
            raise PluginError(f"unregister({name!r}) called from a hook of {self._loading.describe()}", name)
        record = self.records.get(name)
        if record is None or record.status != "registered":
            raise LookupError(f"no registered plugin named {name!r}; registered: {', '.join(self.names())}")
        dependants = [r.name for r in self.records.values() if name in r.requires and r.status == "registered"]
        if dependants:
            raise PluginError(f"plugin {name!r} is required by {dependants}: unregister them first", name)
        del self.records[name]
        self._pm.unregister(record.module, name=name)
        self.refresh(at_autoload=False, plugin=name)

    def _register(self, plugin: Any, record: PluginRecord) -> None:
        existing = self.records.get(record.name)
        if existing is not None and existing is not record and existing.status == "registered":
            raise PluginError(f"{record.describe()}: a plugin named {record.name!r} is already registered", record.name)
        self._pm.register(plugin, name=record.name)
        self._loading = record
        try:
            callers = {caller.name: caller for caller in self._pm.get_hookcallers(plugin) or []}
            unknown = [name for name, caller in callers.items() if not caller.has_spec()]
            if unknown:
                raise PluginValidationError(
                    f"{record.describe()} implements unknown hook(s) {unknown}; "
                    f"known hooks: {', '.join(kind.hook for kind in kinds.KINDS)}",
                    record.name,
                )
            if not callers:
                warnings.warn(
                    f"{record.describe()} implements no dezero_plug hook; mark its functions with "
                    "dezero_plug.hookimpl (pluggy.HookimplMarker('dezero_plug'))",
                    PluginLoadWarning,
                    stacklevel=5,
                )
            found = {}
            for kind in kinds.REGISTERED:
                if kind.hook in callers:
                    try:
                        result = self._call_own(plugin, kind.hook)
                    except Exception as exc:
                        raise PluginError(
                            f"{record.describe()}: its hook {kind.hook} raised {type(exc).__name__}: {exc}", record.name
                        ) from exc
                    found[kind.name] = kinds.validate(kind, result, record)
                    if self.trace:  # DEZERO_PLUG_TRACE=1: one line per hook a plugin implements, naming it
                        names = ", ".join(map(str, found[kind.name])) or "nothing"
                        sys.stderr.write(f"dezero_plug trace: {record.describe()}: {kind.hook} gave {names}\n")
        except BaseException:
            self._pm.unregister(plugin, name=record.name)
            raise
        finally:
            self._loading = None
        record.module, record.exports, record.status = plugin, found, "registered"
        if self.records.get(record.name) is record:  # keep the records in registration order
            self.records[record.name] = self.records.pop(record.name)

    def _call_own(self, plugin: Any, hook: str) -> Any:
        """What ``plugin``'s own implementation of ``hook`` returns (pluggy calls only that one)."""
        others = [p for p in self._pm.get_plugins() if p is not plugin]
        (result,) = self._pm.subset_hook_caller(hook, others)() or [None]
        return result

    # ------------------------------------------------------------------ applying
    def refresh(self, at_autoload: bool = False, plugin: str | None = None) -> None:
        """Decide the provider of every name from the registered plugins and install the tables; a conflict
        raises (a warning at autoload) when it involves ``plugin``, or any when ``plugin`` is None."""
        offers: dict[tuple[str, Any], list[tuple[Any, PluginRecord]]] = {}
        for record in self.records.values():
            if record.status == "registered":
                for kind, items in record.exports.items():
                    for name, obj in items.items():
                        offers.setdefault((kind, name), []).append((obj, record))
        table: dict[str, dict[Any, Any]] = {kind.name: {} for kind in kinds.REGISTERED}
        providers: dict[str, dict[Any, PluginRecord]] = {kind.name: {} for kind in kinds.REGISTERED}
        conflicts: dict[tuple[str, str], PluginConflictError] = {}
        for (kind, name), offered in offers.items():
            winner = kinds.winner(offered)
            if winner is None:
                records = [r for _, r in offered]
                hint = kinds.override_hint(offered, set(self.records))
                conflicts[kind, name] = PluginConflictError(
                    kind, name, [r.describe() for r in records], [r.name for r in records], kinds.noun(kind), hint
                )
                continue
            table[kind][name] = kinds.unwrap(winner[0])
            providers[kind][name] = winner[1]
        # At run time only the plugin being (un)registered answers for a conflict; others' were warned at load.
        blocking = [e for e in conflicts.values() if self.strict or not at_autoload and plugin in (None, *e.plugins)]
        if blocking:
            raise blocking[0]
        for error in conflicts.values() if at_autoload else ():
            warnings.warn(f"{error} Neither version is exported.", PluginConflictWarning, stacklevel=3)
        for declared, names in overlaps(table["backends"].values()).items():
            shown = " and ".join(f"{name!r} ({providers['backends'][name].describe()})" for name in names)
            warnings.warn(
                f"backends {shown} both declare the array class {declared}: its arrays are refused until "
                f"one is blocked (DEZERO_PLUG_DISABLE={providers['backends'][names[-1]].name})",
                PluginConflictWarning,
                stacklevel=3,
            )
        # Variable methods a blocked plugin offers or two plugins contest; an operator among them (``__add__``)
        # gets a method that says so: Python looks operators up on the type, never through ``__getattr__``.
        blocked = [r for r in self.records.values() if r.status == "blocked"]
        unserved = {name for kind, name in conflicts if kind == "variable_methods"}
        unserved.update(name for r in blocked for name in r.exports.get("variable_methods", {}))
        for name in sorted(n for n in unserved if n.startswith("__") and n not in table["variable_methods"]):
            table["variable_methods"][name] = functools.partialmethod(_unserved_operator, name)
        REGISTRY.install(kinds.REGISTERED, table, providers, conflicts)
        # A missing Variable attribute may need more than Python's message: Variable's __getattr__ explains it.
        failed = any(r.status == "failed" for r in self.records.values())
        core.explain_missing_attributes(bool(unserved or self._deferred) or failed)

    # ------------------------------------------------------------------ questions
    def names(self) -> list[str]:
        """Names of the registered plugins, in registration order."""
        return [name for name, record in self.records.items() if record.status == "registered"]

    def op_samples(self) -> dict[str, dict[str, list[Any]]]:
        """Every registered plugin's op samples, by plugin name (called by the test kit only)."""
        kind = kinds.BY_NAME["op_samples"]
        samples = {}
        for name in self.names():
            record = self.records[name]
            result = self._call_own(record.module, kind.hook)
            if result is not None:
                samples[name] = kinds.validate(kind, result, record)
        return samples

    def _missing(self, kind: str, name: str, owner: Any) -> Any:
        """Explain a name a namespace or a Variable lacks: conflict, blocked provider, or the close names."""
        if isinstance(owner, ModuleType):
            message = f"module {owner.__name__!r} has no attribute {name!r}"
        else:
            message = f"{type(owner).__name__!r} object has no attribute {name!r}"
        if name.startswith("__"):
            raise AttributeError(message)
        if isinstance(getattr(type(owner), name, None), property):  # its getter raised (no data): its own error
            return getattr(type(owner), name).fget(owner)
        self.settle()
        if name in REGISTRY.exports.get(kind, {}):
            return getattr(owner, name) if not isinstance(owner, ModuleType) else REGISTRY.exports[kind][name]
        extra = kinds.KERNEL_ATTRIBUTES if kind == "variable_methods" else frozenset()
        error = self._explain(kind, name, message, extra)
        if isinstance(error, AttributeError):
            error.obj = owner  # Python adds no second "Did you mean" to an error that already has its context
        raise error

    def _explain(self, kind: str, name: str, message: str, extra: frozenset[str] = frozenset()) -> Exception:
        if (kind, name) in REGISTRY.conflicts:
            return REGISTRY.conflicts[kind, name]
        for record in self.records.values():
            if record.status == "blocked" and name in record.exports.get(kind, {}):
                why = f"blocked: it {record.error}" if record.error else "blocked by DEZERO_PLUG_DISABLE"
                provided = f"{kinds.noun(kind)} {name!r} is provided by {record.describe()}"
                return AttributeError(f"{message}: {provided}, which is {why}")
        public = [*REGISTRY.names(kind), *(n for n in extra if not n.startswith("_"))]
        close = difflib.get_close_matches(name, public, n=1)
        if close:
            message += f". Did you mean: {close[0]!r}?"
        failed = [r.describe() for r in self.records.values() if r.status == "failed"]
        if failed:
            message += f" ({', '.join(failed)} failed to load: see python -m dezero_plug plugins)"
        return AttributeError(message)


def _unserved_operator(variable: core.Variable, name: str, *operands: Any) -> Any:
    """``Variable.<name>`` for an operator no plugin serves: a TypeError (Python's for an operator) that says
    which plugin offers it and why it is not bound (blocked), or the conflict that keeps it unbound."""
    error = plugin_manager._explain("variable_methods", name, f"Variable has no operator {name}")
    raise error if not isinstance(error, AttributeError) else TypeError(str(error))


def _in_requirement_order(records: list[PluginRecord]) -> tuple[list[PluginRecord], dict[str, str]]:
    """``records`` reordered so that each follows the ones it requires (otherwise in the given order), and the
    plugins that require each other in a cycle, each with the cycle in words: those are left out (they fail)."""
    by_name = {r.name: r for r in records}
    ordered: list[PluginRecord] = []
    visiting: list[str] = []
    cycles: dict[str, str] = {}

    def visit(record: PluginRecord) -> None:
        if record in ordered or record.name in cycles:
            return
        if record.name in visiting:
            members = visiting[visiting.index(record.name) :]
            for name in members:
                cycles[name] = " -> ".join([*members, record.name])
            return
        visiting.append(record.name)
        for name in record.requires:
            if name in by_name:
                visit(by_name[name])
        visiting.pop()
        if record.name not in cycles:
            ordered.append(record)

    for record in records:
        visit(record)
    return [r for r in ordered if r.name not in cycles], cycles


plugin_manager = PluginManager()
