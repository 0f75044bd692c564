"""The plugin kinds: one table that says, for every hook, what it returns and where its exports go.

Registration, validation, error messages, the CLI and the meta test read this
table; ``hookspecs.py`` writes each hook out for readers, mypy and the docs,
and ``tests/test_meta.py`` fails when the two disagree. A new kind is one
entry here plus one documented hookspec there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from dezero_plug import exports


@dataclasses.dataclass(frozen=True)
class Kind:
    """One kind of export.

    Attributes:
        name: the hook is ``dezero_plug_<name>``; the key of the registry's tables.
        noun: what one export is called in messages ("function", "Variable method").
        accepts: what the hook returns, in words.
        normalize: turns the hook's return value into ``{key: object}`` (or raises through ``bad``).
        check: ``(key, object) -> problem or None`` for each item, after normalising.
        target: where exports become attributes: a module (``"dezero_plug.functions"``) or
            ``"module:Class"``; None when they live only in the registry's tables (backends, kernels).
        base: ``"module:Class"`` every export must subclass, or None.
        overridable: whether ``dezero_plug.override`` may replace another plugin's export of this kind.
        at_registration: whether the hook is called when the plugin registers (op samples: by the kit only).
        lists_all: whether the target's ``__all__`` lists the exports.
    """

    name: str
    noun: str
    accepts: str
    normalize: Callable[..., dict[Any, Any]]
    check: Callable[[Any, Any], str | None] | None = None
    target: str | None = None
    base: str | None = None
    overridable: bool = True
    at_registration: bool = True
    lists_all: bool = True
    reserved_names: frozenset[str] = frozenset()  # names only builtin plugins may export

    @property
    def hook(self) -> str:
        """The hook's name: ``dezero_plug_functions`` ..."""
        return f"dezero_plug_{self.name}"


# In the order they are applied: backends first, so that everything after can meet arrays.
KINDS: tuple[Kind, ...] = (
    Kind(
        "backends",
        "backend",
        "a list of dezero_plug.Backend instances",
        exports.by_backend_name,
        overridable=False,
        reserved_names=frozenset({"numpy"}),
    ),
    Kind(
        "functions",
        "function",
        "a list of functions or a dict {name: function}",
        exports.by_name,
        exports.check_callable,
        target="dezero_plug.functions",
    ),
    Kind(
        "variable_methods",
        "Variable method",
        "a dict {attribute: function or descriptor}",
        exports.by_name,
        exports.check_variable_method,
        target="dezero_plug.core:Variable",
        lists_all=False,
    ),
    Kind(
        "kernels",
        "kernel",
        "a dict {(FunctionClass, backend_name): forward}",
        exports.by_function_class,
        exports.check_kernel,
    ),
    Kind(
        "layers",
        "layer",
        "a list of Layer subclasses or a dict",
        exports.by_name,
        exports.check_callable,
        target="dezero_plug.layers",
        base="dezero_plug.layers:Layer",
    ),
    Kind(
        "models",
        "model",
        "a list of Model subclasses (and the Layer blocks they are built of) or a dict",
        exports.by_name,
        exports.check_callable,
        target="dezero_plug.models",
        base="dezero_plug.layers:Layer",  # DeZero's models module holds ResNet's BottleneckA ... too
    ),
    Kind(
        "optimizers",
        "optimizer",
        "a list of optimizers and optimizer hooks (classes or callables) or a dict",
        exports.by_name,
        exports.check_callable,
        target="dezero_plug.optimizers",
    ),
    Kind(
        "datasets",
        "dataset",
        "a list of datasets and dataset helpers (classes or callables) or a dict",
        exports.by_name,
        exports.check_callable,
        target="dezero_plug.datasets",
    ),
    Kind(
        "transforms",
        "transform",
        "a list of transforms (classes or callables) or a dict",
        exports.by_name,
        exports.check_callable,
        target="dezero_plug.transforms",
    ),
    Kind(
        "communicators",
        "communicator",
        "a list of Communicator subclasses, each under its name",
        exports.by_class_name_attribute,
        exports.check_callable,
        base="dezero_plug.distributed:Communicator",
    ),
    Kind(
        "function_hooks",
        "function hook",
        "a list of FunctionHook subclasses or a dict",
        exports.by_name,
        exports.check_callable,
        target="dezero_plug.function_hooks",
        base="dezero_plug.function_hooks:FunctionHook",
    ),
    Kind(
        "op_samples",
        "op sample list",
        "a dict {op_name: [OpSample, ...]}",
        exports.samples_by_op,
        exports.check_samples,
        at_registration=False,
    ),
)

BY_NAME: dict[str, Kind] = {kind.name: kind for kind in KINDS}
REGISTERED: tuple[Kind, ...] = tuple(kind for kind in KINDS if kind.at_registration)


def noun(kind: str) -> str:
    """What one export of ``kind`` is called in messages."""
    return BY_NAME[kind].noun if kind in BY_NAME else kind
