"""The exceptions and warnings dezero_plug raises; each carries its culprit as attributes."""

from __future__ import annotations

from typing import NoReturn


class PluginError(RuntimeError):
    """A plugin could not be loaded, validated or registered.

    Attributes:
        plugin: the plugin's registration name (``"math"``, ``"hyperbolic"``).
    """

    def __init__(self, message: str, plugin: str | None = None) -> None:
        super().__init__(message)
        self.plugin = plugin


class PluginValidationError(PluginError, TypeError):
    """A plugin's hook returned something of the wrong shape (names, types, kernel attributes)."""


class PluginConflictError(PluginError, ValueError):
    """Two plugins export the same name for the same kind, and neither declares an override.

    Attributes:
        kind: ``"functions"``, ``"layers"``, ``"variable_methods"`` ...
        name: the contested name.
        providers: descriptions of the plugins that provide it, in registration order.
    """

    def __init__(
        self, kind: str, name: str, providers: list[str], plugins: list[str], noun: str = "", hint: str = ""
    ) -> None:
        singular = noun or kind
        shown = " and ".join(providers)
        message = (
            f"{singular} {name!r} is provided by {shown}. "
            f"Uninstall one, block one with DEZERO_PLUG_DISABLE={plugins[-1]}, "
            f"or declare the override in {plugins[-1]!r}: "
            f"dezero_plug.override(obj, replaces={plugins[0]!r})."
        ) + (f" {hint}" if hint else "")
        super().__init__(message, plugin=plugins[-1])
        self.kind = kind
        self.name = name
        self.providers = providers
        self.plugins = plugins


class BackendMismatchError(TypeError):
    """One op call got arrays of two different backends (say numpy and cupy).

    Attributes:
        op: the op's name; backends: the backend name of each input, in order.
    """

    def __init__(self, op: str, backends: list[str]) -> None:
        seen: dict[str, int] = {}
        for i, name in enumerate(backends):
            seen.setdefault(name, i)
        pairs = " and ".join(f"{name} (input {i})" for name, i in seen.items())
        super().__init__(
            f"{op}: inputs come from different backends: {pairs}. "
            "Move them to one backend first (Variable.to_cpu() / to_gpu())."
        )
        self.op = op
        self.backends = backends


class WeightsFileError(ValueError):
    """A weights file that cannot be loaded into the model: corrupt, of another model, or of a wrong dtype.

    ``path`` is the file, ``parameter`` the parameter concerned (None for the whole file),
    ``reason`` what was wrong; the model is left unchanged.
    """

    def __init__(self, path: str, parameter: str | None, reason: str) -> None:
        self.path, self.parameter, self.reason = path, parameter, reason
        what = f"parameter {parameter!r} in {path!r}" if parameter is not None else repr(path)
        super().__init__(f"load_weights: {what} {reason}; the model is unchanged")


class AnomalyError(FloatingPointError):
    """An op's forward or backward made NaN or inf from finite values (raised by ``AnomalyHook``)."""


class PluginLoadWarning(UserWarning):
    """A plugin failed to import, or a hook raised; it was skipped (DEZERO_PLUG_STRICT=1 raises)."""


class PluginConflictWarning(PluginLoadWarning):
    """Two autoloaded plugins export the same name; neither version is exported."""


def describe_arrays(arrays: tuple[object, ...]) -> str:
    """``"(2, 3) float32, (4,) float32"``: the shapes and dtypes of an op's inputs, for messages."""
    parts = []
    for a in arrays:
        shape, dtype = getattr(a, "shape", None), getattr(a, "dtype", None)
        parts.append(f"{tuple(shape)} {str(dtype).rpartition('.')[2]}" if shape is not None else type(a).__name__)
    return ", ".join(parts)


class LibraryInputError(ValueError, RuntimeError):
    """Bad input to an op, reported by its backend's library as a RuntimeError (torch): a ValueError as numpy's
    are, and still the RuntimeError that library's users catch."""


OP_ERRORS = (ValueError, TypeError, AttributeError, MemoryError)  # what an op's call restates, naming the op


def op_error(op: str, phase: str, exc: Exception, arrays: tuple[object, ...] | None) -> Exception | None:
    """``exc`` (a ValueError, TypeError, AttributeError, MemoryError or a backend's ``input_errors`` that an op's
    forward or backward raised) restated to name the op.

    Returns None when the message already starts with the op's name (``"matmul: ..."``): the op
    said it itself. Otherwise a new exception of the same type (its base type where that type
    cannot be built from a message) reading ``"<op>: <message> (<phase> of inputs <shapes dtypes>)"``.
    """
    message = str(exc)
    if message.startswith(f"{op}:") or message.startswith(f"{op} "):
        return None
    if not isinstance(exc, OP_ERRORS):  # a backend's input_errors (torch's
        if type(exc) is not RuntimeError:  # RuntimeError): numpy's kind; not its subclasses (NotImplementedError,
            return None  # RecursionError, out of memory), raised as they are
        exc = LibraryInputError(message)
    restated = f"{op}: {message.strip()}"
    if arrays is not None:
        restated += f" ({phase} of inputs {describe_arrays(arrays)})"
    base = ValueError if isinstance(exc, ValueError) else MemoryError if isinstance(exc, MemoryError) else TypeError
    try:
        new = type(exc)(restated)
    except Exception:  # an exception class with another constructor (numpy's AxisError, _ArrayMemoryError ...)
        new = base(restated)
    return new if str(new) == restated else base(restated)  # base: a class that formats its own message


def raise_with_context(exc: BaseException, context: str) -> NoReturn:
    """Raise ``exc``'s type with ``context`` before its message, from ``exc``; ``exc`` itself when that type
    is not made so (another constructor, a message it formats itself). Call it where ``exc`` was caught."""
    message = f"{context}: {exc}" if str(exc) else context  # a bare KeyboardInterrupt has no message
    try:
        named: BaseException | None = type(exc)(message)
    except Exception:
        named = None
    if named is None or str(named) != message:
        raise exc
    raise named from exc
