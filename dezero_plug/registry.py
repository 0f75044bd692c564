"""The registry: the tables the kernel reads, and the one place that changes them.

Four tables: backends by name, the backend owning each array type (filled on
first sight of a type), backend kernels by Function class and array type (found
with the type's owner), and
every exported name of every kind with the plugin that provides it. The plugin
manager (plugins.py) decides what goes in them; ``install`` puts it there.

Readers never lock. ``install`` builds every new table first and swaps each in
by one reference assignment, then sets the new namespace attributes before it
deletes stale ones, so a thread running ops meanwhile sees either the old
tables or the new ones, never a missing backend or a half-emptied namespace.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any
from typing import NamedTuple

from dezero_plug.errors import OP_ERRORS

# backends.py and kinds.py import this module, so it names their classes only in words (no import cycle).
Backend = Any  # a dezero_plug.backends.Backend
Kind = Any  # a dezero_plug.kinds.Kind

# (kind, name, owner) -> the late-found object, or raises an error that explains the missing name
Explainer = Callable[[str, str, Any], Any]


def loaded_class(declared: type | str) -> type | None:
    """A backend's declared array class: the class itself, or ``"module:Name"`` looked up only if the
    module is already imported (no array of a library that was never imported can exist)."""
    if isinstance(declared, type):
        return declared
    module, _, name = declared.partition(":")
    found = getattr(sys.modules.get(module), name, None)
    return found if isinstance(found, type) else None


def overlaps(backends: Iterable[Backend]) -> dict[str, list[str]]:
    """``{declared class: [backend names]}`` for every array class more than one backend declares."""
    claims: dict[str, list[str]] = {}
    for backend in backends:
        for declared in backend.array_types:
            cls = loaded_class(declared)
            key = f"{cls.__module__}:{cls.__qualname__}" if cls is not None else str(declared)
            claims.setdefault(key, []).append(backend.name)
    return {key: names for key, names in claims.items() if len(names) > 1}


class Kernel(NamedTuple):
    """A backend's own code for one op (``dezero_plug_kernels``): its forward and, where the algorithm
    on that backend differs, its backward on raw arrays (else the op's own ``backward_arrays`` runs)."""

    forward: Callable[..., Any]
    backward_arrays: Callable[..., Any] | None = None


def _no_explainer(kind: str, name: str, owner: Any) -> Any:
    raise AttributeError(f"{owner!r} has no attribute {name!r}")


class Registry:
    """Backends, array-type owners, kernels and exports; replaced whole by ``install``."""

    def __init__(self) -> None:
        self.backends: dict[str, Backend] = {}
        self.by_type: dict[type, Backend] = {}
        self.trusted_types: set[type] = set()  # what a Variable takes as data unasked (see Backend.checks_arrays)
        self.not_owned: set[type] = set()
        self.op_errors: tuple[type[Exception], ...] = OP_ERRORS
        self.kernels: dict[type, dict[str, Any]] = {}  # Function class -> {backend name: Kernel}
        self.kernels_by_type: dict[type, dict[type, Callable[..., Any]]] = {}  # Function class -> {array type: ...}
        self.backwards_by_type: dict[type, dict[type, Callable[..., Any]]] = {}  # ... -> {array type: backward}
        self.exports: dict[str, dict[Any, Any]] = {}
        self.providers: dict[str, dict[Any, Any]] = {}
        self.conflicts: Mapping[tuple[str, str], Exception] = {}
        self._applied: dict[str, frozenset[str]] = {}
        self._explain: Explainer = _no_explainer
        self._settle: Callable[[], None] = lambda: None
        self.refresh: Callable[[], None] = lambda: None  # the plugin manager's: bind what plugins provide anew
        self.targets: dict[str, tuple[Any, type | None]] = {}  # kind -> (where its exports go, their base class)

    # ------------------------------------------------------------------ reading
    def owner(self, array_type: type) -> Backend | None:
        """The backend owning ``array_type``, or None; remembered, so the next lookup is one dict get.

        The owner is the backend whose declared class comes first in the type's MRO (a backend
        for a numpy subclass wins over numpy for its arrays). A class two backends declare, or
        one its backend refuses (``np.matrix``), is a TypeError that says so.
        """
        backend = self.by_type.get(array_type)
        if backend is None and array_type not in self.not_owned:
            self._settle()  # plugins imported before dezero_plug register before a type is first looked up
            backend = self._find_owner(array_type)
            if backend is None:
                self.not_owned.add(array_type)  # lists, Variables ...: the next miss costs one set lookup
            else:
                self.by_type[array_type] = backend
                if not backend.checks_arrays:
                    self.trusted_types.add(array_type)
                for function_class, kernels in self.kernels.items():  # its kernels, by this array type too
                    if backend.name in kernels:
                        forward, backward = kernels[backend.name]
                        self.kernels_by_type[function_class][array_type] = forward
                        if backward is not None:
                            self.backwards_by_type.setdefault(function_class, {})[array_type] = backward
        return backend

    def _find_owner(self, array_type: type) -> Backend | None:
        claims: dict[type, list[Backend]] = {}
        for candidate in self.backends.values():
            for declared in candidate.array_types:
                cls = loaded_class(declared)
                if cls is not None:
                    claims.setdefault(cls, []).append(candidate)
        for cls in array_type.__mro__:
            claimants = claims.get(cls)
            if not claimants:
                continue
            if len(claimants) > 1:
                names = " and ".join(repr(b.name) for b in claimants)
                raise TypeError(
                    f"arrays of {cls.__module__}.{cls.__qualname__} are claimed by backends {names}; "
                    "block one of their plugins with DEZERO_PLUG_DISABLE (python -m dezero_plug backends shows both)"
                )
            reason = claimants[0].refusal(array_type)
            if reason is not None:
                raise TypeError(reason)
            return claimants[0]
        return None

    def names(self, kind: str) -> Iterable[str]:
        """The exported names of ``kind``."""
        return self.exports.get(kind, {}).keys()

    def reserved(self, kind: Kind) -> frozenset[str]:
        """The names ``kind``'s target keeps for itself: every attribute the registry did not put there
        (``layers.Parameter``, ``models.Model``, ``F.__getattr__``; Variable's own attributes)."""
        target = self.targets.get(kind.name, (None, None))[0]
        return frozenset(vars(target) if target is not None else ()) - self._applied.get(kind.name, frozenset())

    def missing(self, kind: str, name: str, owner: Any) -> Any:
        """Called for a name ``owner`` (a namespace module or a Variable) lacks: a late name, or an error."""
        return self._explain(kind, name, owner)

    # ------------------------------------------------------------------ changing
    def serve(self, kind: str, target: Any = None, base: type | None = None) -> None:
        """Make ``target`` (a namespace module, or Variable) where the exports of ``kind`` go, each one a
        subclass of ``base``. The namespaces call this as they are imported: the host names none of them."""
        self.targets[kind] = (target, base)

    def explain_with(self, explain: Explainer, settle: Callable[[], None]) -> None:
        """Let the plugin manager explain missing names (it knows what blocked or failed plugins offer)
        and register deferred plugins when a lookup misses."""
        self._explain, self._settle = explain, settle

    def install(
        self,
        kinds: Iterable[Kind],
        exports: dict[str, dict[Any, Any]],
        providers: dict[str, dict[Any, Any]],
        conflicts: Mapping[tuple[str, str], Exception],
        undo: bool = True,
    ) -> None:
        """Make ``exports`` (kind -> {name: object}) what every table and namespace serves; all or nothing:
        if an attribute cannot be set, the previous tables and attributes are put back and the error says which."""
        kinds = list(kinds)
        previous = (self.exports, self.providers, self.conflicts)
        try:
            backends = dict(exports.get("backends", {}))
            kernels: dict[type, dict[str, Any]] = {}  # by class first: an op without a kernel pays one dict miss
            for (op_class, backend_name), kernel in exports.get("kernels", {}).items():
                kernels.setdefault(op_class, {})[backend_name] = (
                    kernel if isinstance(kernel, Kernel) else Kernel(kernel)
                )
            self.exports, self.providers, self.conflicts = exports, providers, conflicts
            self.backends, self.by_type, self.not_owned, self.backwards_by_type = backends, {}, set(), {}
            self.trusted_types = set()
            self.kernels, self.kernels_by_type = kernels, {function_class: {} for function_class in kernels}
            library = {error for backend in backends.values() for error in backend.input_errors}
            self.op_errors = (*OP_ERRORS, *library)  # what an op's call restates, naming it
            for kind in kinds:
                target = self.targets.get(kind.name, (None, None))[0]
                if target is not None:
                    self._apply(kind.name, target, exports.get(kind.name, {}), kind.lists_all)
        except Exception:
            if undo:
                self.install(kinds, *previous, undo=False)
            raise

    def _apply(self, kind: str, target: Any, names: dict[str, Any], lists_all: bool) -> None:
        applied = self._applied.get(kind, frozenset())
        for name, obj in names.items():
            try:
                setattr(target, name, obj)
            except (TypeError, AttributeError) as exc:  # the names set so far are undone by install
                self._applied[kind] = applied | set(names).intersection(vars(target))
                raise TypeError(f"cannot set {kind} {name!r} on {target!r}: {exc}") from exc
        if lists_all:
            target.__all__ = sorted(names)
        for name in self._applied.get(kind, frozenset()) - names.keys():
            delattr(target, name)
        self._applied[kind] = frozenset(names)


def accessors(kind: str, module: str, base: type | None = None) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Serve ``kind`` from the namespace module named ``module`` (F, L, models ...: ``__getattr__, __dir__ =
    accessors(...)``): its ``__getattr__`` explains a missing name, its ``__dir__`` lists the registered ones."""
    REGISTRY.serve(kind, sys.modules[module], base)

    def __getattr__(name: str) -> Any:
        return REGISTRY.missing(kind, name, sys.modules[module])

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[module])) | set(REGISTRY.names(kind)))

    return __getattr__, __dir__


REGISTRY = Registry()
