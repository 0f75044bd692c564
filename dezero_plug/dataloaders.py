"""DeZero's ``dezero.dataloaders``: DataLoader (shuffled mini-batches) and SeqDataLoader (for RNNs)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dezero_plug import backends
from dezero_plug.errors import raise_with_context


def __getattr__(name: str) -> Any:
    if name == "pil_available":  # DeZero's flag; computed on first use (importing Pillow costs time)
        import importlib.util

        return importlib.util.find_spec("PIL") is not None
    raise AttributeError(f"module 'dezero_plug.dataloaders' has no attribute {name!r}")


class DataLoader:
    """Mini-batches ``(x, t)`` of a Dataset, as numpy arrays, or on ``backend`` (a name or a Backend;
    ``gpu=True`` is DeZero's spelling of the GPU backend), on ``device``.

    Iterate it once per epoch; it reshuffles (when ``shuffle``) at the start of each epoch, and each
    ``for`` (each ``iter()``) is a new epoch even after a ``break``; ``next()`` goes on where it was.
    As PyTorch's (``drop_last=False``): an empty dataset gives no batches, and a
    ``batch_size`` larger than the dataset gives one batch of the whole dataset.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int,
        shuffle: bool = True,
        gpu: bool = False,
        backend: str | backends.Backend | None = None,
        device: Any = None,
    ) -> None:
        owner = type(self).__name__
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
            raise TypeError(f"{owner}: batch_size must be a positive int; got {batch_size!r}")
        if batch_size <= 0:
            raise ValueError(f"{owner}: batch_size must be a positive int; got {batch_size}")
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(f"{owner}: the dataset must support len() and indexing; got {type(dataset).__name__}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.data_size = len(dataset)
        self.max_iter = math.ceil(self.data_size / batch_size)
        self.backend = backends.resolve(backend) if backend is not None else None
        self.device = device
        self.gpu = gpu
        if gpu:
            self.to_gpu()
        self.reset()

    def reset(self) -> None:
        self.iteration = 0
        try:
            self.index = np.random.permutation(self.data_size) if self.shuffle else np.arange(self.data_size)
        except MemoryError as exc:  # the order of the items is held as an array of len(dataset) indices
            raise MemoryError(
                f"{type(self).__name__}: the order of a dataset of {self.data_size} items: {exc} (check its len())"
            ) from exc

    def __iter__(self) -> DataLoader:
        """A new epoch at each ``iter()``, as PyTorch's: after a ``break`` the next ``for`` starts afresh
        (DeZero's went on with the rest of the old epoch). A full epoch has already reset itself."""
        if self.iteration > 0:
            self.reset()
        return self

    def __len__(self) -> int:
        return self.max_iter

    def __next__(self) -> tuple[Any, Any]:
        if self.iteration >= self.max_iter:
            self.reset()
            raise StopIteration
        i, size = self.iteration, self.batch_size
        batch = self._gather(self.index[i * size : (i + 1) * size])
        self.iteration += 1
        return batch

    def next(self) -> tuple[Any, Any]:
        return self.__next__()

    def _gather(self, indices: Any) -> tuple[Any, Any]:
        """``dataset[j]`` for each ``j`` in ``indices``, data and labels stacked (and moved to the backend); an
        item that fails is named by its index, and items that do not stack by their shapes."""
        batch = []
        for j in indices:
            try:
                batch.append(self.dataset[j])
            except Exception as exc:
                raise_with_context(exc, f"{type(self).__name__}: item {int(j)} of the {type(self.dataset).__name__}")
        return self._move(_stacked(batch, 0, indices)), self._move(_stacked(batch, 1, indices))

    def _move(self, array: np.ndarray) -> Any:
        return array if self.backend is None else backends.move(array, self.backend, self.device)

    def to_cpu(self) -> None:
        self.gpu, self.backend = False, None

    def to_gpu(self) -> None:
        self.to_backend(backends.gpu_backend())  # says what to install when there is no GPU backend
        self.gpu = True

    def to_backend(self, backend: str | backends.Backend, device: Any = None) -> None:
        """Give the next batches on ``backend`` (a name or a Backend), on ``device``."""
        self.backend, self.device = backends.resolve(backend), device
        self.gpu = self.backend.device_kind == "gpu"


class SeqDataLoader(DataLoader):
    """Batches of ``batch_size`` parallel streams through a time series, one step per iteration (truncated BPTT)."""

    def __init__(
        self, dataset: Any, batch_size: int, gpu: bool = False, backend: Any = None, device: Any = None
    ) -> None:
        super().__init__(dataset, batch_size, shuffle=False, gpu=gpu, backend=backend, device=device)
        if batch_size > self.data_size:
            raise ValueError(
                f"SeqDataLoader: batch_size {batch_size} is more streams than the series has steps ({self.data_size})"
            )

    def __next__(self) -> tuple[Any, Any]:
        if self.iteration >= self.max_iter:
            self.reset()
            raise StopIteration
        jump = self.data_size // self.batch_size
        offsets = [(i * jump + self.iteration) % self.data_size for i in range(self.batch_size)]
        batch = self._gather(offsets)
        self.iteration += 1
        return batch


def _stacked(batch: list[Any], part: int, indices: Any) -> np.ndarray:
    """The batch's data (``part`` 0) or labels (1) as one array; items of different shapes are named."""
    try:
        return np.array([item[part] for item in batch])
    except ValueError as exc:  # numpy's "inhomogeneous shape"
        shapes = {}
        for j, item in zip(indices, batch):
            shapes.setdefault(np.shape(item[part]), int(j))
        found = ", ".join(f"item {j}: {shape}" for shape, j in shapes.items())
        raise ValueError(
            f"DataLoader: the {'data' if part == 0 else 'labels'} of one batch have different shapes ({found}): "
            "every item must have one shape (a transform may be cropping or padding unevenly)"
        ) from exc
