"""Digits: scikit-learn's bundled handwritten digits as a DeZero-style dataset (no download)."""

from __future__ import annotations

import numpy as np

from dezero_plug.extend import Dataset


class Digits(Dataset):
    """1,797 handwritten digits, 8x8 grey levels 0-16 scaled to [0, 1] (float32, flattened to 64), labels 0-9.

    ``train=True`` gives the 75 % that ``train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)``
    keeps for training (1,347 images), ``train=False`` the other 450: the split the examples report.
    """

    def prepare(self) -> None:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split

        X, y = load_digits(return_X_y=True)
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
        X, y = (X_train, y_train) if self.train else (X_test, y_test)
        self.data = (X / 16.0).astype(np.float32)
        self.label = y.astype(np.int64)
