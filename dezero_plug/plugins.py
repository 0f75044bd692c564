"""The plugin manager: registers builtin and entry-point plugins and fills the namespaces.

Builtins come from the ``BUILTIN_PLUGINS`` tuple (modules of
``dezero_plug.std``, registered under their basename), third-party plugins
from the entry-point group ``dezero_plug`` (under the entry-point name). Both
go through ``_register``: call the plugin's hooks, validate what they return,
then keep it; on any failure the plugin is unregistered whole. ``refresh``
turns the registered exports into plain dicts and module attributes, so no
hook is ever called per op.
"""

from __future__ import annotations

import dataclasses
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

from dezero_plug import backends
from dezero_plug import core
from dezero_plug import exports
from dezero_plug import hookspecs
from dezero_plug.errors import KIND_NOUNS
from dezero_plug.errors import PluginConflictError
from dezero_plug.errors import PluginConflictWarning
from dezero_plug.errors import PluginError
from dezero_plug.errors import PluginLoadWarning
from dezero_plug.errors import PluginValidationError
from dezero_plug.hookspecs import KINDS

hookimpl = pluggy.HookimplMarker("dezero_plug")

ENTRY_POINT_GROUP = "dezero_plug"
BUILTIN_PLUGINS = (
    "numpy_backend",
    "strict_backend",
    "arithmetic",
    "math",
    "shape",
    "reduction",
    "linalg",
    "activation",
    "loss",
    "evaluation",
    "noise",
    "norm",
    "conv",
    "compat",
    "layers",
    "models",
    "optimizers",
    "datasets",
    "transforms",
)
ESSENTIAL_PLUGINS = ("numpy_backend",)
NAMESPACE_KINDS = ("functions", "layers", "models", "optimizers", "datasets", "transforms")
KERNEL_ATTRIBUTES = exports.KERNEL_ATTRIBUTES


@dataclasses.dataclass
class PluginRecord:
    """What the manager knows of one plugin: where it came from, its status and its exports."""

    name: str
    source: str  # "builtin", "entry point" or "runtime"
    distribution: str | None = None
    version: str | None = None
    module: ModuleType | None = None
    status: str = "pending"  # "registered", "blocked", "failed", "deferred"
    error: str | None = None
    exports: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)

    @property
    def origin(self) -> str:
        """``dezero-plug-x 0.1.0`` for a distribution's plugin, else its source (``builtin``, ``runtime``)."""
        return f"{self.distribution} {self.version}" if self.distribution else self.source

    def describe(self) -> str:
        """``plugin 'x' (dezero-plug-x 0.1.0)`` or ``plugin 'math' (builtin)``, for messages."""
        return f"plugin {self.name!r} ({self.origin})"


def _env_list(env: Mapping[str, str], name: str) -> list[str]:
    return [item.strip() for item in env.get(name, "").split(",") if item.strip()]


def _env_flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() not in ("", "0", "false", "no")


class PluginManager:
    """Loads plugins once, keeps a record of each, and applies their exports to the namespaces."""

    def __init__(self) -> None:
        self._pm = pluggy.PluginManager("dezero_plug")
        self._pm.add_hookspecs(hookspecs)
        self.records: dict[str, PluginRecord] = {}
        self.exports: dict[str, dict[Any, Any]] = {kind: {} for kind in KINDS}  # kernels: keyed by tuples
        self.providers: dict[str, dict[str, PluginRecord]] = {kind: {} for kind in KINDS}
        self.conflicts: dict[tuple[str, str], PluginConflictError] = {}
        self.blocked: set[str] = set()
        self.strict = False
        self._deferred: list[tuple[PluginRecord, EntryPoint]] = []
        self._applied: dict[str, set[str]] = {kind: set() for kind in KINDS}

    # ------------------------------------------------------------------ loading
    def load(self, env: Mapping[str, str] = os.environ) -> None:
        """Register the builtins and the entry-point plugins (once, from ``import dezero_plug``)."""
        self.strict = _env_flag(env, "DEZERO_PLUG_STRICT")
        self.blocked = set(_env_list(env, "DEZERO_PLUG_DISABLE"))
        if _env_flag(env, "DEZERO_PLUG_TRACE"):
            self._pm.trace.root.setwriter(sys.stderr.write)
            self._pm.enable_tracing()
        for name in sorted(self.blocked & set(ESSENTIAL_PLUGINS)):
            raise PluginError(f"DEZERO_PLUG_DISABLE={name}: plugin {name!r} is essential and cannot be blocked", name)
        for name in BUILTIN_PLUGINS:
            record = PluginRecord(name, "builtin")
            self._load(record, functools.partial(importlib.import_module, f"dezero_plug.std.{name}"))
        autoload = not _env_flag(env, "DEZERO_PLUG_DISABLE_PLUGIN_AUTOLOAD")
        wanted = set(_env_list(env, "DEZERO_PLUG_PLUGINS"))
        found = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)
        for ep in found:
            if autoload or ep.name in wanted:
                self._load_entry_point(ep)
        unknown = self.blocked - set(BUILTIN_PLUGINS) - {ep.name for ep in found}
        for name in sorted(unknown):
            warnings.warn(
                f"DEZERO_PLUG_DISABLE names {name!r}, which is no installed plugin "
                f"(known: {', '.join(sorted(self.records))})",
                PluginLoadWarning,
                stacklevel=2,
            )
        self.refresh(at_autoload=True)

    def _load_entry_point(self, ep: EntryPoint) -> None:
        dist = getattr(ep, "dist", None)
        record = PluginRecord(ep.name, "entry point", dist.name if dist else None, dist.version if dist else None)
        module = sys.modules.get(ep.module)
        if module is not None and getattr(getattr(module, "__spec__", None), "_initializing", False):
            # The user imported this plugin first and it is importing us: register it once it is whole.
            record.status = "deferred"
            self.records[record.name] = record
            self._deferred.append((record, ep))
            return
        self._load(record, ep.load)

    def _load(self, record: PluginRecord, loader: Callable[[], Any]) -> None:
        self.records[record.name] = record
        if record.name in self.blocked:
            record.status = "blocked"
            if record.source == "builtin":  # our own code: safe to ask what it would provide
                record.exports = exports.peek(loader())
            return
        try:
            self._register(loader(), record)
        except Exception as exc:
            record.status = "failed"
            record.error = f"{type(exc).__name__}: {exc}"
            message = f"{record.describe()} failed to load and was skipped: {record.error}."
            if self.strict:
                raise PluginError(message, record.name) from exc
            warnings.warn(message + " Set DEZERO_PLUG_STRICT=1 to make this an error.", PluginLoadWarning, stacklevel=3)

    def settle(self) -> None:
        """Register deferred plugins whose module has finished importing."""
        ready = [
            (r, ep) for r, ep in self._deferred if not getattr(sys.modules[ep.module].__spec__, "_initializing", False)
        ]
        if ready:
            self._deferred = [item for item in self._deferred if item not in ready]
            for record, ep in ready:
                self._load(record, ep.load)
            self.refresh(at_autoload=True)

    # ------------------------------------------------------------------ registration
    def register(self, plugin: Any, name: str | None = None) -> PluginRecord:
        """Register a plugin (module or object) at run time; raises on any failure or conflict."""
        name = name or getattr(plugin, "__name__", type(plugin).__name__).rpartition(".")[2]
        record = PluginRecord(name, "runtime")
        if name in self.blocked:
            raise PluginError(f"{record.describe()} is blocked by DEZERO_PLUG_DISABLE", name)
        self._register(plugin, record)
        self.records[name] = record
        try:
            self.refresh(at_autoload=False)
        except PluginConflictError:
            self.unregister(name)
            raise
        return record

    def unregister(self, name: str) -> None:
        """Remove a registered plugin by name and refresh the namespaces."""
        record = self.records.pop(name, None)
        if record is None or record.status != "registered":
            raise LookupError(f"no registered plugin named {name!r}; registered: {', '.join(self.names())}")
        self._pm.unregister(record.module, name=name)
        self.refresh(at_autoload=False)

    def _register(self, plugin: Any, record: PluginRecord) -> None:
        existing = self.records.get(record.name)
        if existing is not None and existing is not record and existing.status == "registered":
            raise PluginError(f"{record.describe()}: a plugin named {record.name!r} is already registered", record.name)
        self._pm.register(plugin, name=record.name)
        try:
            callers = self._pm.get_hookcallers(plugin) or []
            unknown = [c.name for c in callers if not c.has_spec()]
            if unknown:
                raise PluginValidationError(
                    f"{record.describe()} implements unknown hook(s) {unknown}; "
                    f"known hooks: {', '.join('dezero_plug_' + k for k in (*KINDS, 'op_samples'))}",
                    record.name,
                )
            if not callers:
                warnings.warn(
                    f"{record.describe()} implements no dezero_plug hook; mark its functions with "
                    "dezero_plug.hookimpl (pluggy.HookimplMarker('dezero_plug'))",
                    PluginLoadWarning,
                    stacklevel=4,
                )
            others = [p for p in self._pm.get_plugins() if p is not plugin]
            found = {}
            for caller in callers:
                kind = caller.name.removeprefix("dezero_plug_")
                if kind in KINDS:
                    (result,) = self._pm.subset_hook_caller(caller.name, others)() or [None]
                    found[kind] = exports.validate(kind, result, record)
        except BaseException:
            self._pm.unregister(plugin, name=record.name)
            raise
        record.module, record.exports, record.status = plugin, found, "registered"

    # ------------------------------------------------------------------ applying
    def refresh(self, at_autoload: bool = False) -> None:
        """Rebuild the export tables from the registered plugins and apply them everywhere."""
        offers: dict[tuple[str, str], list[tuple[Any, PluginRecord]]] = {}
        for record in self.records.values():
            if record.status == "registered":
                for kind, items in record.exports.items():
                    for name, obj in items.items():
                        offers.setdefault((kind, name), []).append((obj, record))
        table: dict[str, dict[Any, Any]] = {kind: {} for kind in KINDS}
        providers: dict[str, dict[str, PluginRecord]] = {kind: {} for kind in KINDS}
        conflicts = {}
        for (kind, name), offered in offers.items():
            winner = exports.winner(offered)
            if winner is None:
                records = [r for _, r in offered]
                conflicts[kind, name] = PluginConflictError(
                    kind, name, [r.describe() for r in records], [r.name for r in records]
                )
                continue
            obj, record = winner
            table[kind][name] = obj.obj if isinstance(obj, exports.Override) else obj
            providers[kind][name] = record
        if conflicts and (self.strict or not at_autoload):
            raise next(iter(conflicts.values()))
        for error in conflicts.values():
            warnings.warn(f"{error} Neither version is exported.", PluginConflictWarning, stacklevel=3)
        self.exports, self.providers, self.conflicts = table, providers, conflicts
        self._apply()

    def _apply(self) -> None:
        backends.set_backends(self.exports["backends"])
        core._KERNELS.clear()
        for (path, backend_name), forward in self.exports["kernels"].items():
            core._KERNELS[exports.function_class(path), backend_name] = forward
        targets: dict[str, Any] = {"variable_methods": core.Variable}
        targets.update({kind: importlib.import_module(f"dezero_plug.{kind}") for kind in NAMESPACE_KINDS})
        for kind, target in targets.items():
            for name in self._applied[kind] - set(self.exports[kind]):
                delattr(target, name)
            for name, obj in self.exports[kind].items():
                setattr(target, name, obj)
            self._applied[kind] = set(self.exports[kind])
            if kind != "variable_methods":
                target.__all__ = sorted(self.exports[kind])
        core._missing_variable_attribute = self._missing_variable_attribute

    # ------------------------------------------------------------------ questions
    def names(self) -> list[str]:
        """Names of the registered plugins, in registration order."""
        return [name for name, record in self.records.items() if record.status == "registered"]

    def op_samples(self) -> dict[str, dict[str, list[Any]]]:
        """Every registered plugin's op samples, by plugin name (called by the test kit only)."""
        samples = {}
        for name in self.names():
            others = [p for p in self._pm.get_plugins() if p is not self.records[name].module]
            results = self._pm.subset_hook_caller("dezero_plug_op_samples", others)()
            if results:
                samples[name] = results[0]
        return samples

    def missing_name(self, kind: str, name: str) -> Any:
        """Explain a name a namespace lacks: conflict, blocked provider, or the close names."""
        if name.startswith("__"):
            raise AttributeError(f"module 'dezero_plug.{kind}' has no attribute {name!r}")
        self.settle()
        if name in self.exports[kind]:
            return self.exports[kind][name]
        raise self._explain(kind, name, f"module 'dezero_plug.{kind}' has no attribute {name!r}")

    def _missing_variable_attribute(self, variable: core.Variable, name: str) -> Any:
        if not name.startswith("__"):
            self.settle()
            if name in self.exports["variable_methods"]:
                return getattr(variable, name)
        raise self._explain("variable_methods", name, f"'Variable' object has no attribute {name!r}", KERNEL_ATTRIBUTES)

    def _explain(self, kind: str, name: str, message: str, extra: frozenset[str] = frozenset()) -> Exception:
        if (kind, name) in self.conflicts:
            return self.conflicts[kind, name]
        for record in self.records.values():
            if record.status == "blocked" and name in record.exports.get(kind, {}):
                return AttributeError(
                    f"{message}: {KIND_NOUNS[kind]} {name!r} is provided by {record.describe()}, "
                    f"which is blocked by DEZERO_PLUG_DISABLE"
                )
        if name.startswith("__"):
            return AttributeError(message)
        close = difflib.get_close_matches(
            name, [*self.exports[kind], *(n for n in extra if not n.startswith("_"))], n=1
        )
        if close:
            message += f". Did you mean: {close[0]!r}?"
        failed = [r.describe() for r in self.records.values() if r.status == "failed"]
        if failed:
            message += f" ({', '.join(failed)} failed to load: see python -m dezero_plug plugins)"
        return AttributeError(message)


plugin_manager = PluginManager()
