"""Kernels of the numpy backend: numpy's own calls where an op's Array-API forward pays for generality.

Registered through ``dezero_plug_kernels`` as any backend plugin's kernels are (the cupy
plugin's softmax_cross_entropy is the other example); only arrays of the numpy backend run
them. A kernel returns what the op's ``forward`` returns and sets what its backward reads.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dezero_plug.extend import hookimpl
from dezero_plug.std.loss import SoftmaxCrossEntropy

dezero_plug_requires = ("numpy_backend", "loss")


def softmax_cross_entropy_forward(function: SoftmaxCrossEntropy, x: np.ndarray, t: np.ndarray) -> Any:
    """SoftmaxCrossEntropy.forward with numpy's methods and integer-array indexing.

    The Array-API forward calls ``np.max``, ``np.sum`` and ``np.take_along_axis``, Python-level
    wrappers of ~1.5-3 µs a call (more when the cache is cold, as in a training step);
    the methods and ``z[rows, t]`` are C calls. ``t`` is checked by softmax_cross_entropy.
    """
    z = x - x.max(axis=1, keepdims=True)  # (N, C), each row's largest score 0
    e = np.exp(z)
    s = e.sum(axis=1, keepdims=True)  # (N, 1)
    function.exp_scores, function.exp_sums = e, s  # the plain backward's softmax is e / s
    n = x.shape[0]
    return (np.log(s[:, 0]) - z[np.arange(n), t]).sum() / n


@hookimpl
def dezero_plug_kernels():
    return {(SoftmaxCrossEntropy, "numpy"): softmax_cross_entropy_forward}
