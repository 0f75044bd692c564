"""``dezero_plug.datasets``: the Dataset base class, and every dataset the plugins provide (Spiral, MNIST ...)."""

from __future__ import annotations

from typing import Any

import numpy as np

from dezero_plug.namespace import accessors as _accessors


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


__getattr__, __dir__ = _accessors("datasets", __name__)
