"""The hook contract: every hook a dezero_plug plugin can implement, documented.

A plugin is a module with functions marked ``@dezero_plug.hookimpl`` whose
names are the hooks below. Builtin plugins (``dezero_plug/std/*.py``) and
third-party ones (entry-point group ``dezero_plug``) implement the same hooks.
What each hook is — its target namespace, what it accepts, whether its names
can be overridden — is declared once, in the kinds table (``kinds.py``); a
test checks that this file and that table agree.

Rules common to every hook:

* Hooks take no arguments and are called **once, when the plugin is
  registered** (at ``import dezero_plug``, or by
  ``dezero_plug.plugin_manager.register``); the op-samples hook later still,
  by the test kit alone. Never per op call: what a hook returns is copied into
  plain dicts and module attributes, so using an op costs what a hand-written
  function costs.
* A plugin is registered all or nothing: if any hook raises or returns
  something malformed, none of its names are exported and the plugin is
  reported (``python -m dezero_plug plugins``).
* Names are per kind. Two plugins exporting the same name of the same kind
  is a conflict (``PluginConflictError``) unless one wraps its object in
  ``dezero_plug.override(obj, replaces="other_plugin")``. Nothing is decided
  by load order. An override replaces what *users* call (``F.softmax``), not
  what other builtins use internally: builtins import each other directly.
* **Requirements.** A plugin that needs other plugins says so in a module
  attribute, ``dezero_plug_requires = ("arithmetic", "my_base_plugin")``
  (plugin names: builtin module basenames or entry-point names). It is
  registered after them; when one of them is blocked, failed or missing, it
  is blocked too, and one ``PluginLoadWarning`` names the whole chain
  (``DEZERO_PLUG_STRICT=1`` raises instead). Every builtin declares the
  builtins it imports from and the ones whose Variable operators it uses.
* The contract is versioned: hooks keep taking no arguments, new hooks are
  added without breaking old plugins, and a hook or a key spelling is removed
  only after a release in which using it warns (``DeprecationWarning``).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeAlias

import pluggy

if TYPE_CHECKING:
    from dezero_plug.backends import Backend
    from dezero_plug.core import Function

hookspec = pluggy.HookspecMarker("dezero_plug")

# What the hooks return. An export may be wrapped in dezero_plug.override(obj, replaces=...).
Exports: TypeAlias = "Sequence[Any] | Mapping[str, Any]"
Forward: TypeAlias = "Callable[..., Any]"  # forward(function, *arrays) -> what Function.forward returns
KernelTable: TypeAlias = "Mapping[tuple[type[Function], str], Forward]"
OpSamples: TypeAlias = "Mapping[str, Sequence[Any]]"  # {op name: [dezero_plug.testing.OpSample, ...]}


@hookspec
def dezero_plug_backends() -> Sequence[Backend]:
    """Provide array backends.

    Called once, when the plugin registers, before any other kind is applied.

    Return a list of :class:`dezero_plug.backends.Backend` instances; each is
    registered under its ``name``. Import the array library lazily (inside
    ``xp``), so that listing the plugin costs nothing on a machine without it.
    The contract a backend fulfils — the array classes it declares, its
    capabilities (mutable arrays, float64, its own generator, devices), the
    primitives, and what ops may not assume — is written in
    ``dezero_plug/backends.py``; two backends declaring one array class are
    reported and their arrays refused.

    Conflicts: backend names cannot be overridden; two plugins providing one
    name is a conflict, and the backend named ``numpy`` is essential.

    Example::

        @hookimpl
        def dezero_plug_backends():
            return [MyBackend()]   # class MyBackend(Backend): name = "mine" ...
    """


@hookspec
def dezero_plug_functions() -> Exports:
    """Provide user-facing functions for ``dezero_plug.functions`` (``F``).

    Called once, when the plugin registers; the functions become attributes
    of ``dezero_plug.functions`` and are listed in its ``__all__``.

    Return a list of callables (exported under their ``__name__``) or a dict
    ``{name: callable}``. Each should have a docstring (``python -m
    dezero_plug ops`` and the docs show its first line).

    Conflicts: a name another plugin exports is a conflict unless one side is
    ``override(fn, replaces="that_plugin")``.

    Example::

        @hookimpl
        def dezero_plug_functions():
            return [sinh, cosh]
    """


@hookspec
def dezero_plug_variable_methods() -> Mapping[str, Any]:
    """Provide operators, methods and properties to bind onto ``Variable``.

    Called once, when the plugin registers; each entry is set on the class
    with ``setattr`` (so ``a + b`` costs what a method defined in the class
    costs). The kernel's own attributes (``data``, ``grad``, ``backward`` ...)
    cannot be replaced: that is a validation error.

    Return a dict ``{attribute_name: function_or_descriptor}``.

    Conflicts: as for functions; ``override`` names the plugin replaced.

    Example::

        @hookimpl
        def dezero_plug_variable_methods():
            return {"__add__": add, "__radd__": add, "T": property(transpose)}
    """


@hookspec
def dezero_plug_kernels() -> KernelTable:
    """Provide a backend-specific forward for an existing op.

    Called once, when the plugin registers; afterwards an op of that class
    whose first input is an array of that backend runs the kernel instead of
    its ``forward`` (found by the op's class and the array's type: a kernel is
    how backend-specific speed stays out of the ops and the kernel). A kernel
    must compute what ``forward`` computes: test it against the op's forward,
    as ``tests/std/test_loss.py`` does for numpy's softmax_cross_entropy.

    Return a dict ``{(FunctionClass, backend_name): forward}`` where
    ``forward(function, *xs)`` returns what ``FunctionClass.forward`` would,
    or ``{...: Kernel(forward, backward_arrays)}`` (from ``dezero_plug.extend``)
    where that backend's plain backward differs from the op's too:
    ``backward_arrays(function, *gys)`` then runs instead of the op's own
    ``backward_arrays`` when the backward is not recorded (numpy's in-place
    softmax cross entropy). The op's ``backward`` stays the same, so double
    backprop keeps working; whatever that backward reads from the op, the
    kernel sets on ``function`` as the forward would (``Add.shapes`` when
    inputs broadcast), unless the backward does without it
    (SoftmaxCrossEntropy recomputes the softmax its forward keeps). The key
    is the class itself: an import path (``"module.ClassName"``) is refused,
    naming the plugin.

    Conflicts: two kernels for one (class, backend) are a conflict unless one
    is ``override(forward, replaces="that_plugin")``.

    Example::

        from dezero_plug.std.math import Tanh

        @hookimpl
        def dezero_plug_kernels():
            return {(Tanh, "cupy"): fused_tanh}
    """


@hookspec
def dezero_plug_layers() -> Exports:
    """Provide Layer subclasses for ``dezero_plug.layers`` (``L``).

    Called once, when the plugin registers. Return a list of classes
    (exported under ``__name__``) or a dict; each must subclass
    ``dezero_plug.Layer``.

    Conflicts: as for functions.

    Example::

        @hookimpl
        def dezero_plug_layers():
            return [Linear, Conv2d]
    """


@hookspec
def dezero_plug_models() -> Exports:
    """Provide Model subclasses for ``dezero_plug.models``.

    Called once, when the plugin registers. Return a list of classes
    (exported under ``__name__``) or a dict; each must subclass
    ``dezero_plug.Model``, or ``dezero_plug.Layer`` for the blocks models are
    built of (DeZero's ``models.BottleneckA`` ...).

    Conflicts: as for functions.

    Example::

        @hookimpl
        def dezero_plug_models():
            return [MLP, VGG16]
    """


@hookspec
def dezero_plug_optimizers() -> Exports:
    """Provide optimizers and optimizer hooks for ``dezero_plug.optimizers``.

    Called once, when the plugin registers. Return a list of classes or
    callables (``SGD``, ``Adam``, and hooks such as ``WeightDecay`` that an
    optimizer's ``add_hook`` takes) or a dict.

    Conflicts: as for functions.

    Example::

        @hookimpl
        def dezero_plug_optimizers():
            return [SignSGD, GradientNoise]
    """


@hookspec
def dezero_plug_datasets() -> Exports:
    """Provide datasets and dataset helpers for ``dezero_plug.datasets``.

    Called once, when the plugin registers. Return a list of ``Dataset``
    subclasses or callables (``get_spiral``) or a dict.

    Conflicts: as for functions.

    Example::

        @hookimpl
        def dezero_plug_datasets():
            return [FashionMNIST, get_moons]
    """


@hookspec
def dezero_plug_transforms() -> Exports:
    """Provide transforms for ``dezero_plug.transforms``.

    Called once, when the plugin registers. Return a list of classes or
    callables taking one sample and returning it transformed, or a dict.

    Conflicts: as for functions.

    Example::

        @hookimpl
        def dezero_plug_transforms():
            return [RandomFlip, Grayscale]
    """


@hookspec
def dezero_plug_communicators() -> Sequence[type[Any]]:
    """Provide communicators for data-parallel training (``dezero_plug.distributed``).

    Called once, when the plugin registers. Return a list of
    :class:`dezero_plug.distributed.Communicator` subclasses; each is
    registered under its ``name`` (``"mpi"``). ``create_communicator()`` picks
    the first whose ``launched()`` says this process was started by its
    launcher (``mpiexec``), else a size-1 local one; ``create_communicator(name)``
    asks for one by name. Import the transport (mpi4py ...) lazily, so that the
    plugin loads, and says what to install, where it is missing.

    Conflicts: two plugins providing one name is a conflict unless one is
    ``override(cls, replaces="that_plugin")``.

    Example::

        @hookimpl
        def dezero_plug_communicators():
            return [MpiCommunicator]   # class MpiCommunicator(Communicator): name = "mpi" ...
    """


@hookspec
def dezero_plug_function_hooks() -> Exports:
    """Provide debugging hooks for ``dezero_plug.function_hooks`` (timers, tracers, checkers).

    Called once, when the plugin registers. Return a list of
    :class:`dezero_plug.function_hooks.FunctionHook` subclasses, or a dict. A
    hook sees every op's forward and backward while a user holds it on
    (``with MyHook(): ...``); with none on, nothing runs on the op path.

    Conflicts: as for functions.

    Example::

        @hookimpl
        def dezero_plug_function_hooks():
            return [MemoryHook]   # class MemoryHook(FunctionHook): def forward_postprocess(...): ...
    """


@hookspec
def dezero_plug_op_samples() -> OpSamples:
    """Provide sample inputs for this plugin's functions, for the conformance kit.

    Called only by ``dezero_plug.testing`` (never at import or registration):
    the kit turns every sample into forward, gradient, double-backward and
    backend-agreement tests.

    Return a dict ``{function_name: [OpSample, ...]}``.

    Conflicts: none; samples are kept per plugin.

    Example::

        @hookimpl
        def dezero_plug_op_samples():
            return {"sinh": [OpSample((3, 4)), OpSample(())]}
    """
