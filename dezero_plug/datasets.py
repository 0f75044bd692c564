"""``dezero_plug.datasets``: the Dataset base class, and every dataset the plugins provide (Spiral, MNIST ...)."""

from __future__ import annotations

from typing import Any

import numpy as np

from dezero_plug.registry import accessors as _accessors


class Dataset:
    """Base class: fill ``self.data`` (and ``self.label``) in ``prepare``; indexing applies the transforms."""

    def __init__(self, train: bool = True, transform: Any = None, target_transform: Any = None) -> None:
        self.train = train
        self.transform = transform if transform is not None else (lambda x: x)
        self.target_transform = target_transform if target_transform is not None else (lambda x: x)
        self.data: Any = None
        self.label: Any = None
        self.prepare()

    def __getitem__(self, index: Any) -> Any:
        if not np.isscalar(index):
            raise TypeError(f"{type(self).__name__}[{index!r}]: index one example at a time with an int")
        if self.label is None:
            return self.transform(self.data[index]), None
        return self.transform(self.data[index]), self.target_transform(self.label[index])

    def __len__(self) -> int:
        return len(self.data)

    def prepare(self) -> None:
        """Load or generate ``self.data`` and ``self.label``."""


def load_cache_npz(filename: str, train: bool = False) -> tuple[Any, Any]:
    """DeZero's cache of a prepared dataset: ``(data, label)`` from ``<cache>/<name>.train.npz`` (or ``.test.npz``),
    or ``(None, None)`` when it is not there. Loaded without pickle."""
    import os

    from dezero_plug.download import cache_dir

    path = os.path.join(cache_dir(), filename.rsplit("/", 1)[-1] + (".train.npz" if train else ".test.npz"))
    if not os.path.exists(path):
        return None, None
    try:
        with np.load(path, allow_pickle=False) as loaded:
            return loaded["data"], loaded["label"]
    except (ValueError, KeyError, OSError) as exc:  # a pickled, truncated or foreign file
        raise ValueError(
            f"load_cache_npz: {path} is not a cache this library wrote ({type(exc).__name__}: {exc}); delete it "
            "and the dataset is prepared again"
        ) from exc


def save_cache_npz(data: Any, label: Any, filename: str, train: bool = False) -> str:
    """Write ``data`` and ``label`` to the cache read by ``load_cache_npz``, atomically; returns the path."""
    import os

    from dezero_plug.atomic import atomic_write
    from dezero_plug.download import ready_cache_dir

    path = os.path.join(ready_cache_dir(), filename.rsplit("/", 1)[-1] + (".train.npz" if train else ".test.npz"))
    with atomic_write(path) as f:
        np.savez_compressed(f, data=data, label=label)
    return path


_missing, __dir__ = _accessors("datasets", __name__)


def __getattr__(name: str) -> Any:
    # DeZero's datasets module imports these from its utils; so does book code, from here
    if name == "get_file":
        from dezero_plug.download import get_file

        return get_file
    if name == "cache_dir":
        from dezero_plug.download import cache_dir

        return cache_dir()
    return _missing(name)
