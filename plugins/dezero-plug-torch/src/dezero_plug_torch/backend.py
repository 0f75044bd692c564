"""TorchBackend: ``torch.Tensor`` arrays, mutable, on torch's default device; torch's global generator.

Computation goes through array-api-compat's torch namespace (``xp``), so every builtin op runs
unchanged. What the backend decides (README.md has the table):

* **Autograd**: dezero_plug's. A tensor that requires grad (a ``torch.nn.Parameter``, or one made
  with ``requires_grad=True``) is refused as Variable data, an op's outputs included: pass
  ``t.detach()``. Arrays this backend makes never require grad.
* **Memory**: ``from_numpy`` and ``to_numpy`` share memory on the CPU (torch.from_numpy and
  Tensor.numpy), so numpy -> torch -> numpy through ``to_backend`` copies nothing; a read-only,
  byte-swapped or negatively strided numpy array is copied first (torch cannot view it).
* **Devices**: the backend's default device first — ``DEZERO_PLUG_TORCH_DEVICE`` (``cuda``, ``cuda:1``)
  where set, else torch's default device (``torch.set_default_device``) — then the CPU and every
  CUDA device: ``layer.to_backend("torch", device="cuda:0")``.
* **Constants**: a Python scalar meeting a tensor becomes an inference tensor, which torch refuses
  to write into in place, so the kernel shares it between op calls as it shares numpy's read-only ones.
* **Random numbers**: torch's global generator, seeded by ``backend.seed(n)`` (``torch.manual_seed``;
  ``np.random.seed`` does not reach it); float64 samples unless a dtype is asked, as numpy's.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from dezero_plug.extend import Backend

DEVICE_VARIABLE = "DEZERO_PLUG_TORCH_DEVICE"
INSTALL = "pip install torch array-api-compat (the CPU build: pip install torch --index-url https://download.pytorch.org/whl/cpu)"


def _torch() -> Any:
    import torch

    return torch


class TorchBackend(Backend):
    """``torch.Tensor`` on torch's default device (the CPU unless set otherwise); arrays are mutable."""

    name = "torch"
    array_types = ("torch:Tensor",)
    mutable_arrays = True
    own_generator = True
    input_errors = (RuntimeError,)  # torch's bad shapes and dtypes: restated as ValueError naming the op
    checks_arrays = True  # a tensor that requires grad is refused one by one (refusal_of)

    @functools.cached_property
    def xp(self) -> Any:
        import array_api_compat.torch as xp

        return xp

    @property
    def device_kind(self) -> str:  # type: ignore[override]
        if importlib.util.find_spec("torch") is None:
            return "cpu"
        return "gpu" if self.default_device().type == "cuda" else "cpu"

    def unavailable_reason(self) -> str | None:
        for module in ("torch", "array_api_compat"):
            if importlib.util.find_spec(module) is None:
                return f"{module} is not installed: {INSTALL}"
        return None

    def refusal(self, array_type: type) -> str | None:
        if issubclass(array_type, _torch().nn.Parameter):
            return (
                "a torch.nn.Parameter is refused as Variable data: it requires grad, and dezero_plug does the "
                "differentiating itself; pass p.detach() (it shares the memory)"
            )
        return None

    def refusal_of(self, array: Any) -> str | None:
        if array.requires_grad:
            return (
                "a torch tensor that requires grad is refused as Variable data: dezero_plug does the "
                "differentiating itself, and torch would record a graph nobody uses; pass t.detach() "
                "(it shares the memory)"
            )
        return None

    def default_device(self) -> Any:
        """``DEZERO_PLUG_TORCH_DEVICE`` where set, else torch's default device (the CPU unless set otherwise)."""
        torch = _torch()
        name = os.environ.get(DEVICE_VARIABLE, "").strip()
        return torch.device(name) if name else torch.get_default_device()

    def devices(self) -> Sequence[Any]:
        torch = _torch()
        default = self.default_device()
        others = [torch.device("cpu")] + [torch.device("cuda", i) for i in range(torch.cuda.device_count())]
        return [default] + [d for d in others if d != default]

    def from_numpy(self, array: np.ndarray, device: Any = None) -> Any:
        torch = _torch()
        array = np.asarray(array)
        if not array.flags.writeable or not array.dtype.isnative or any(s < 0 for s in array.strides):
            array = array.copy()  # torch views only writable, native-order, forward-strided memory
        tensor = torch.from_numpy(array)
        return tensor.to(self.default_device() if device is None else device)

    def to_numpy(self, array: Any) -> np.ndarray:
        return array.detach().cpu().numpy()  # on the CPU, a view of the tensor's memory

    def asarray(self, value: Any, dtype: Any = None, like: Any = None) -> Any:
        """A constant, made an inference tensor: torch refuses in-place writes into one (see ``freeze``)."""
        torch = _torch()
        if dtype is None and type(value) in (float, complex):  # numpy's defaults, not torch's float32
            dtype = torch.float64 if type(value) is float else torch.complex128
        with torch.inference_mode():
            return self.xp.asarray(value, dtype=dtype, device=self.default_device() if like is None else like.device)

    def freeze(self, array: Any) -> bool:
        """Whether nobody can write into ``array``: an inference tensor (``asarray``'s constants) refuses it."""
        return bool(array.is_inference())

    # ------------------------------------------------------------------ primitives, torch-native
    def scatter_add(self, array: Any, indices: Any, values: Any) -> Any:
        index = indices if isinstance(indices, tuple) else (indices,)
        arrays = [_is_int_array(i) for i in index]
        if any(arrays) and not all(arrays):  # integer arrays mixed with slices: numpy's rules, on the host
            return super().scatter_add(array, indices, values)
        out = array.clone()
        if all(arrays):  # repeated indices accumulate, as np.add.at
            out.index_put_(tuple(self._as_index(i, array) for i in index), values, accumulate=True)
        else:  # ints and slices only: no repeats
            out[self._torch_index(indices, array)] += values
        return out

    def getitem(self, array: Any, index: Any) -> Any:
        """``array[index]`` by numpy's rules; torch lacks negative slice steps, which go through the host."""
        parts = index if isinstance(index, tuple) else (index,)
        if any(isinstance(i, slice) and i.step is not None and i.step < 0 for i in parts):
            return super().getitem(array, index)
        return array[self._torch_index(index, array)]

    def sliding_window_view(self, array: Any, window_shape: tuple[int, ...], axis: tuple[int, ...]) -> Any:
        out = array
        for a, w in zip((a % array.ndim for a in axis), window_shape):
            out = out.unfold(a, w, 1)  # the window as a new last axis, in axis order: numpy's layout
        return out

    def pad(self, array: Any, pad_width: Any, value: Any = 0) -> Any:
        flat = [n for before_after in reversed(list(pad_width)) for n in before_after]  # the last axis first
        return _torch().nn.functional.pad(array, flat, mode="constant", value=value)

    def contiguous(self, array: Any) -> Any:
        return array.contiguous()

    def _torch_index(self, index: Any, like: Any) -> Any:
        if isinstance(index, tuple):
            return tuple(self._torch_index(i, like) for i in index)
        return self._as_index(index, like) if isinstance(index, (np.ndarray, list)) else index

    def _as_index(self, index: Any, like: Any) -> Any:
        return _torch().as_tensor(np.asarray(index) if isinstance(index, list) else index, device=like.device)

    # ------------------------------------------------------------------ random numbers: torch's generator
    def seed(self, seed: int) -> None:
        """Seed torch's global generator (every device): ``np.random.seed`` does not reach it."""
        _torch().manual_seed(seed)

    def random(self, distribution: str, shape: tuple[int, ...], dtype: Any = None, device: Any = None) -> Any:
        torch = _torch()
        draw = torch.rand if distribution == "uniform" else torch.randn
        device = self.default_device() if device is None else device
        return draw(tuple(shape), dtype=dtype or torch.float64, device=device)


def _is_int_array(index: Any) -> bool:
    """Whether ``index`` is an integer array (numpy, torch or a list): an advanced index that may repeat."""
    if isinstance(index, list):
        return True
    if isinstance(index, np.ndarray):
        return index.dtype.kind in "iu"
    torch = _torch()
    return isinstance(index, torch.Tensor) and not index.dtype.is_floating_point and index.dtype != torch.bool
