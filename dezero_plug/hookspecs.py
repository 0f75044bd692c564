"""The hook contract: every hook a dezero_plug plugin can implement, documented.

A plugin is a module with functions marked ``@dezero_plug.hookimpl`` whose
names are the hooks below. Builtin plugins (``dezero_plug/std/*.py``) and
third-party ones (entry-point group ``dezero_plug``) implement the same hooks.

Rules common to every hook:

* Hooks take no arguments and are called **once, when the plugin is
  registered** (at ``import dezero_plug``, or by
  ``dezero_plug.plugin_manager.register``). Never per op call: what a hook
  returns is copied into plain dicts and module attributes, so using an op
  costs what a hand-written function costs.
* A plugin is registered all or nothing: if any hook raises or returns
  something malformed, none of its names are exported and the plugin is
  reported (``python -m dezero_plug plugins``).
* Names are per kind. Two plugins exporting the same name of the same kind
  is a conflict (``PluginConflictError``) unless one wraps its object in
  ``dezero_plug.override(obj, replaces="other_plugin")``. Nothing is decided
  by load order.
* The contract is versioned: hooks keep taking no arguments, new hooks are
  added without breaking old plugins, and a hook is removed only after a
  release in which implementing it warns (pluggy's ``warn_on_impl``).
"""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("dezero_plug")


@hookspec
def dezero_plug_backends() -> Any:
    """Provide array backends.

    Return a list of :class:`dezero_plug.backends.Backend` instances; each is
    registered under its ``name``. The backend named ``numpy`` is essential.
    Import the array library lazily (inside ``xp``), so that listing the
    plugin costs nothing on a machine without the library.

    Example::

        @hookimpl
        def dezero_plug_backends():
            return [MyBackend()]   # MyBackend(Backend) with name = "mine"
    """


@hookspec
def dezero_plug_functions() -> Any:
    """Provide user-facing functions for ``dezero_plug.functions`` (``F``).

    Return a list of callables (exported under their ``__name__``) or a dict
    ``{name: callable}``. Each should have a docstring.

    Example::

        @hookimpl
        def dezero_plug_functions():
            return [sinh, cosh]
    """


@hookspec
def dezero_plug_variable_methods() -> Any:
    """Provide operators, methods and properties to bind onto ``Variable``.

    Return a dict ``{attribute_name: function_or_property}``; each is set on
    the class with ``setattr`` (so ``a + b`` costs what a method defined in
    the class costs). The kernel's own attributes (``data``, ``grad``,
    ``backward`` ...) cannot be replaced: that is a validation error.

    Example::

        @hookimpl
        def dezero_plug_variable_methods():
            return {"__add__": add, "__radd__": add, "T": property(transpose)}
    """


@hookspec
def dezero_plug_kernels() -> Any:
    """Provide a backend-specific forward for an existing op.

    Return a dict ``{(function_class_path, backend_name): forward}`` where
    ``function_class_path`` is ``"module.ClassName"`` of a Function subclass
    and ``forward(function, *xs)`` returns what that class's ``forward``
    would. The op's ``backward`` stays the same, so double backprop keeps
    working; whatever that backward reads from the op, the kernel sets on
    ``function`` as the forward would (``Add.shapes`` when inputs broadcast),
    unless the backward does without it (SoftmaxCrossEntropy recomputes its
    cached log-probabilities). Looked up with one dict lookup per call, only
    when any kernel is registered.

    Example::

        @hookimpl
        def dezero_plug_kernels():
            return {("dezero_plug.std.math.Tanh", "cupy"): fused_tanh}
    """


@hookspec
def dezero_plug_layers() -> Any:
    """Provide Layer subclasses for ``dezero_plug.layers`` (``L``).

    Return a list of classes (exported under ``__name__``) or a dict.

    Example::

        @hookimpl
        def dezero_plug_layers():
            return [Linear, Conv2d]
    """


@hookspec
def dezero_plug_models() -> Any:
    """Provide Model subclasses for ``dezero_plug.models`` (a list of classes or a dict)."""


@hookspec
def dezero_plug_optimizers() -> Any:
    """Provide optimizers and optimizer hooks for ``dezero_plug.optimizers``.

    Return a list of classes (``SGD``, ``Adam``, ``WeightDecay`` ...) or a dict.
    """


@hookspec
def dezero_plug_datasets() -> Any:
    """Provide datasets and dataset helpers for ``dezero_plug.datasets`` (a list or a dict)."""


@hookspec
def dezero_plug_transforms() -> Any:
    """Provide transforms for ``dezero_plug.transforms`` (a list of classes or a dict)."""


@hookspec
def dezero_plug_op_samples() -> Any:
    """Provide sample inputs for this plugin's functions, for the conformance kit.

    Return a dict ``{function_name: [OpSample, ...]}``. Called only by
    ``dezero_plug.testing`` (never at import): the kit turns every sample
    into forward, gradient, double-backward and backend-agreement tests.

    Example::

        @hookimpl
        def dezero_plug_op_samples():
            return {"sinh": [OpSample((3, 4)), OpSample(())]}
    """


# The registry kinds, in the order they are applied; each is one hook above.
KINDS = (
    "backends",
    "functions",
    "variable_methods",
    "kernels",
    "layers",
    "models",
    "optimizers",
    "datasets",
    "transforms",
)
