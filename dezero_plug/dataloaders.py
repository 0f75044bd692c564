"""DeZero's ``dezero.dataloaders``: DataLoader (shuffled mini-batches) and SeqDataLoader (for RNNs)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dezero_plug import backends


class DataLoader:
    """Mini-batches ``(x, t)`` of a Dataset, as numpy arrays (or on the GPU backend with ``gpu=True``).

    Iterate it once per epoch; it reshuffles (when ``shuffle``) at the start of each epoch.
    """

    def __init__(self, dataset: Any, batch_size: int, shuffle: bool = True, gpu: bool = False) -> None:
        if batch_size <= 0:
            raise ValueError(f"DataLoader: batch_size must be positive; got {batch_size}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.data_size = len(dataset)
        self.max_iter = math.ceil(self.data_size / batch_size)
        self.gpu = gpu
        self.reset()

    def reset(self) -> None:
        self.iteration = 0
        self.index = np.random.permutation(self.data_size) if self.shuffle else np.arange(self.data_size)

    def __iter__(self) -> DataLoader:
        return self

    def __len__(self) -> int:
        return self.max_iter

    def __next__(self) -> tuple[Any, Any]:
        if self.iteration >= self.max_iter:
            self.reset()
            raise StopIteration
        i, size = self.iteration, self.batch_size
        batch = [self.dataset[j] for j in self.index[i * size : (i + 1) * size]]
        self.iteration += 1
        return self._move(np.array([e[0] for e in batch])), self._move(np.array([e[1] for e in batch]))

    def next(self) -> tuple[Any, Any]:
        return self.__next__()

    def _move(self, array: np.ndarray) -> Any:
        return backends.gpu_backend().from_numpy(array) if self.gpu else array

    def to_cpu(self) -> None:
        self.gpu = False

    def to_gpu(self) -> None:
        backends.gpu_backend()  # says what to install when there is no GPU backend
        self.gpu = True


class SeqDataLoader(DataLoader):
    """Batches of ``batch_size`` parallel streams through a time series, one step per iteration (truncated BPTT)."""

    def __init__(self, dataset: Any, batch_size: int, gpu: bool = False) -> None:
        super().__init__(dataset=dataset, batch_size=batch_size, shuffle=False, gpu=gpu)

    def __next__(self) -> tuple[Any, Any]:
        if self.iteration >= self.max_iter:
            self.reset()
            raise StopIteration
        jump = self.data_size // self.batch_size
        offsets = [(i * jump + self.iteration) % self.data_size for i in range(self.batch_size)]
        batch = [self.dataset[i] for i in offsets]
        self.iteration += 1
        return self._move(np.array([e[0] for e in batch])), self._move(np.array([e[1] for e in batch]))
