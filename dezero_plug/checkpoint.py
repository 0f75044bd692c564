"""Optimizer checkpoints: an optimizer's state as named host arrays, and back, validated whole.

``Optimizer.state_dict()`` gives one numpy array per entry, keyed
``'<parameter>/<field>'`` with the parameter's ``save_weights`` name (``'l1/W/v'``
for MomentumSGD's velocity of ``l1.W``), plus ``'optimizer/<name>'`` for the
optimizer's own counters (Adam's ``t``). Keys by name, not by position or id: the
state loads into a fresh model of the same architecture, on any backend.

``load_state_dict`` checks everything (``validated``) before it changes anything: a missing, extra
or mis-shaped entry is a ``CheckpointError`` (a ``ValueError``) naming the
optimizer, the entry and the source, and the optimizer is left as it was.
``save_state`` / ``load_state`` write and read the same entries as an npz file,
atomically and with the weights reader's checks (``dezero_plug.weights``).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from dezero_plug import backends
from dezero_plug import weights
from dezero_plug.atomic import atomic_write
from dezero_plug.errors import WeightsFileError
from dezero_plug.errors import raise_with_context

Optimizer = Any  # a dezero_plug.optimizers.Optimizer (which imports this module)


class CheckpointError(ValueError):
    """An optimizer state that does not fit the optimizer's parameters: nothing was loaded."""


def _named_params(optimizer: Optimizer, op: str) -> dict[str, Any]:
    named = getattr(optimizer.target, "named_params", None)
    if named is None:
        raise RuntimeError(f"{type(optimizer).__name__}.{op}: no target with named parameters: call setup(model) first")
    return named()


def state_dict(optimizer: Optimizer) -> dict[str, np.ndarray]:
    """Every parameter's state (a fresh one for a parameter not updated yet) and the counters, as host copies."""
    entries: dict[str, np.ndarray] = {}
    for name, param in _named_params(optimizer, "state_dict").items():
        if param.data is None:  # a lazy parameter, not made yet: it has no state either
            continue
        state = optimizer.states.get(param)
        fields = vars(state) if state is not None else optimizer.init_state(param)
        for field, value in fields.items():
            entries[f"{name}/{field}"] = np.array(backends.to_numpy(value) if _is_array(value) else value)
    for counter in optimizer.counters:
        entries[f"optimizer/{counter}"] = np.array(getattr(optimizer, counter))
    return entries


def validated(
    optimizer: Optimizer, entries: dict[str, Any], source: str
) -> tuple[list[tuple[Any, dict[str, Any]]], dict[str, Any]]:
    """``entries`` (as ``state_dict`` gives them) checked against the optimizer's parameters: each
    parameter's state fields on its backend, and the counters; or a CheckpointError."""
    opt = type(optimizer).__name__

    def refuse(key: str, problem: str) -> CheckpointError:
        return CheckpointError(f"{opt}.load_state_dict: {source}: entry {key!r} {problem}; nothing was loaded")

    left = dict(entries)
    states = []
    named = _named_params(optimizer, "load_state_dict")
    for name, param in named.items():
        if param.data is None:
            continue
        fresh = optimizer.init_state(param)
        loaded = {}
        for field, like in fresh.items():
            key = f"{name}/{field}"
            if key not in left:
                raise refuse(key, f"is missing (parameter {name!r} has state {sorted(fresh)})")
            value = np.asarray(left.pop(key))
            if _is_array(like):
                if tuple(value.shape) != tuple(like.shape):
                    raise refuse(key, f"has shape {tuple(value.shape)}; parameter {name!r} needs {tuple(like.shape)}")
                if value.dtype.kind not in "fc":
                    raise refuse(key, f"has dtype {value.dtype}; expected floating point")
                dtype = backends.to_numpy(like).dtype  # the fresh state's (any backend's dtype, as numpy's)
                try:  # a device may run out of memory part-way: nothing is assigned yet
                    loaded[field] = backends.backend_of(param.data).from_numpy(value.astype(dtype))
                except Exception as exc:
                    raise_with_context(exc, f"{opt}.load_state_dict: {source}: entry {key!r} (nothing was loaded)")
            elif value.shape != ():
                raise refuse(key, f"has shape {tuple(value.shape)}; expected a number")
            else:
                loaded[field] = type(like)(value.item())
        states.append((param, loaded))
    counters = {}
    for counter in optimizer.counters:
        key = f"optimizer/{counter}"
        if key not in left:
            raise refuse(key, "is missing")
        counters[counter] = type(getattr(optimizer, counter))(np.asarray(left.pop(key)).item())
    if left:
        key = sorted(left)[0]
        raise refuse(key, _unexpected(optimizer, named, key))
    return states, counters


def _unexpected(optimizer: Optimizer, named: dict[str, Any], key: str) -> str:
    """Why entry ``key`` fits nothing of the optimizer's: a parameter not made yet, a field it keeps no
    state under (another optimizer's), or a name its target does not have."""
    name, _, field = key.rpartition("/")
    param = named.get(name)
    if param is None:
        return "names no parameter or counter of this optimizer's target"
    if param.data is None:
        return (
            f"is for parameter {name!r}, which has no data yet (its layer takes its size from its first input): "
            "load the weights or run one forward pass first, then the state"
        )
    return (
        f"is a state field {field!r} that {type(optimizer).__name__} does not keep (parameter {name!r} has state "
        f"{sorted(optimizer.init_state(param))}): was it saved by another optimizer?"
    )


def save_state(optimizer: Optimizer, path: str | os.PathLike[str]) -> None:
    """Write ``state_dict()`` to an npz file, atomically (a failure leaves the old file)."""
    path = weights.saving_path(f"{type(optimizer).__name__}.save_state", path)
    entries = state_dict(optimizer)
    with atomic_write(path) as f:
        np.savez_compressed(f, **entries)  # type: ignore[arg-type]


def read(optimizer: Optimizer, path: str | os.PathLike[str]) -> tuple[dict[str, np.ndarray], str]:
    """The entries of a file ``save_state`` wrote (with ``load_weights``' checks of the file) and its path."""
    path = weights.loading_path(f"{type(optimizer).__name__}.load_state", path)
    try:
        return weights.read(path), path
    except WeightsFileError as exc:  # the same checks as load_weights, said of the call that was made
        what = f"entry {exc.parameter!r} in {exc.path!r}" if exc.parameter is not None else repr(exc.path)
        raise CheckpointError(
            f"{type(optimizer).__name__}.load_state: {what} {exc.reason}; nothing was loaded"
        ) from exc


def _is_array(value: Any) -> bool:
    return backends.find_backend(type(value)) is not None
