"""The registry: the tables the kernel reads, and the one place that changes them.

Four tables: backends by name, the backend owning each array type (filled on
first sight of a type), backend kernels by (Function class, backend name), and
every exported name of every kind with the plugin that provides it. The plugin
manager (plugins.py) decides what goes in them; ``install`` puts it there.

Readers never lock. ``install`` builds every new table first and swaps each in
by one reference assignment, then sets the new namespace attributes before it
deletes stale ones, so a thread running ops meanwhile sees either the old
tables or the new ones, never a missing backend or a half-emptied namespace.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from collections.abc import Iterable
from typing import TYPE_CHECKING
from typing import Any

if TYPE_CHECKING:
    from dezero_plug.backends import Backend
    from dezero_plug.kinds import Kind

# (kind, name, owner) -> the late-found object, or raises an error that explains the missing name
Explainer = Callable[[str, str, Any], Any]


def _no_explainer(kind: str, name: str, owner: Any) -> Any:
    raise AttributeError(f"{owner!r} has no attribute {name!r}")


class Registry:
    """Backends, array-type owners, kernels and exports; replaced whole by ``install``."""

    def __init__(self) -> None:
        self.backends: dict[str, Backend] = {}
        self.by_type: dict[type, Backend] = {}
        self.kernels: dict[tuple[type, str], Callable[..., Any]] = {}
        self.exports: dict[str, dict[Any, Any]] = {}
        self.providers: dict[str, dict[Any, Any]] = {}
        self.conflicts: dict[tuple[str, str], Exception] = {}
        self._applied: dict[str, frozenset[str]] = {}
        self._explain: Explainer = _no_explainer

    # ------------------------------------------------------------------ reading
    def owner(self, array_type: type) -> Backend | None:
        """The backend owning ``array_type``, or None; remembered, so the next lookup is one dict get."""
        backend = self.by_type.get(array_type)
        if backend is None:
            for candidate in self.backends.values():
                if candidate.owns_type(array_type):
                    self.by_type[array_type] = backend = candidate
                    break
        return backend

    def kernel(self, function_class: type, backend_name: str) -> Callable[..., Any] | None:
        """The forward a plugin registered for this op on this backend, or None."""
        return self.kernels.get((function_class, backend_name))

    def names(self, kind: str) -> Iterable[str]:
        """The exported names of ``kind``."""
        return self.exports.get(kind, {}).keys()

    def missing(self, kind: str, name: str, owner: Any) -> Any:
        """Called for a name ``owner`` (a namespace module or a Variable) lacks: a late name, or an error."""
        return self._explain(kind, name, owner)

    # ------------------------------------------------------------------ changing
    def explain_with(self, explain: Explainer) -> None:
        """Let the plugin manager explain missing names (it knows what blocked or failed plugins offer)."""
        self._explain = explain

    def install(
        self,
        kinds: Iterable[Kind],
        exports: dict[str, dict[Any, Any]],
        providers: dict[str, dict[Any, Any]],
        conflicts: dict[tuple[str, str], Exception],
    ) -> None:
        """Make ``exports`` (kind -> {name: object}) what every table and namespace serves."""
        kinds = list(kinds)
        backends = dict(exports.get("backends", {}))
        kernels = dict(exports.get("kernels", {}))
        self.exports, self.providers, self.conflicts = exports, providers, conflicts
        self.backends, self.by_type, self.kernels = backends, {}, kernels
        for kind in kinds:
            if kind.target is not None:
                self._apply(kind.name, _resolve(kind.target), exports.get(kind.name, {}), kind.lists_all)

    def _apply(self, kind: str, target: Any, names: dict[str, Any], lists_all: bool) -> None:
        for name, obj in names.items():
            setattr(target, name, obj)
        if lists_all:
            target.__all__ = sorted(names)
        for name in self._applied.get(kind, frozenset()) - names.keys():
            delattr(target, name)
        self._applied[kind] = frozenset(names)


def _resolve(target: str) -> Any:
    """``"dezero_plug.functions"`` -> the module; ``"dezero_plug.core:Variable"`` -> the class."""
    module, _, attribute = target.partition(":")
    obj = importlib.import_module(module)
    return getattr(obj, attribute) if attribute else obj


REGISTRY = Registry()
