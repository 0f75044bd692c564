"""One benchmark workload for one framework, run in a fresh process: ``python workloads.py FRAMEWORK WORKLOAD [N]``.

Frameworks: ``dezero_plug``, ``dezero`` (PyPI 0.0.13, in a venv of its own),
``torch`` (CPU), ``numpy`` (hand-written forward and backward: the limit).
Prints one JSON object. Run through ``run.py``, which compares them.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time

import numpy as np

CHAIN_OPS = 2000
REPEATS = 7


def _timed(fn, repeats=REPEATS):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)  # the least disturbed run: this machine is shared


# ----------------------------------------------------------------------------- frameworks
def autograd(framework):
    """(Variable, tanh, add_scalar-capable namespace, backward) for an autograd framework."""
    if framework in ("dezero_plug", "dezero"):
        mod = __import__(framework)
        F = __import__(f"{framework}.functions", fromlist=["functions"])

        def variable(a):
            return mod.Variable(a)

        def backward(y):
            y.backward()

        def grad(x):
            return x.grad.data

        return variable, F.tanh, F.sin, backward, grad
    if framework == "torch":
        import torch

        torch.set_num_threads(1)

        def variable(a):
            return torch.tensor(a, requires_grad=True)

        def backward(y):
            y.backward()

        def grad(x):
            return x.grad.numpy()

        return variable, torch.tanh, torch.sin, backward, grad
    raise ValueError(framework)


# ----------------------------------------------------------------------------- workloads
def chain(framework):
    """Per-op time of a 2000-op chain (tanh and + 0.1 alternating) on a 0-d array: forward, forward+backward."""
    x0 = np.array(0.5)
    if framework == "numpy":

        def forward():
            y, ys = x0, []
            for _ in range(CHAIN_OPS // 2):
                ys.append(y)
                y = np.tanh(y)
                y = y + 0.1
            return y, ys

        def both():
            _, ys = forward()
            g = np.array(1.0)
            for y in reversed(ys):  # d(tanh(y) + 0.1)/dy = 1 - tanh(y)^2
                t = np.tanh(y)
                g = g * (1 - t * t)
            return g

        return {"forward_us": _timed(forward) / CHAIN_OPS * 1e6, "forward_backward_us": _timed(both) / CHAIN_OPS * 1e6}
    variable, tanh, _, backward, _ = autograd(framework)

    def forward():
        x = variable(x0)
        y = x
        for _ in range(CHAIN_OPS // 2):
            y = tanh(y)
            y = y + 0.1
        return x, y

    def both():
        x, y = forward()
        backward(y)

    return {"forward_us": _timed(forward) / CHAIN_OPS * 1e6, "forward_backward_us": _timed(both) / CHAIN_OPS * 1e6}


def wide(framework, n):
    """Backward time of one variable feeding n products, summed by a chain of adds."""
    n = int(n)
    coefficients = [float(i % 7) for i in range(n)]
    if framework == "numpy":

        def run():
            x = np.array(1.5)
            terms = [x * c for c in coefficients]
            total = terms[0]
            for t in terms[1:]:
                total = total + t
            g = np.array(0.0)
            for c in reversed(coefficients):
                g = g + c
            return g

        return {"n": n, "backward_s": _timed(run, 3)}
    variable, _, _, backward, _ = autograd(framework)

    def build():
        x = variable(np.array(1.5))
        total = x * coefficients[0]
        for c in coefficients[1:]:
            total = total + x * c
        return total

    times = []
    for _ in range(3):
        y = build()
        start = time.perf_counter()
        backward(y)
        times.append(time.perf_counter() - start)
    return {"n": n, "backward_s": statistics.median(times)}


def memory(framework):
    """Peak extra resident memory (MB) of forward+backward through 50 tanh on a 1000x1000 float64 array."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((1000, 1000))
    if framework == "numpy":
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        ys = [a]
        for _ in range(50):
            ys.append(np.tanh(ys[-1]))
        g = np.ones_like(a)
        for y in reversed(ys[1:]):
            g = g * (1 - y * y)
    else:
        variable, tanh, _, backward, _ = autograd(framework)
        x = variable(a)
        warm = tanh(variable(np.ones((2, 2))))  # first-call allocations are not the workload's
        backward(warm.sum()) if framework == "torch" else warm.backward()
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        y = x
        for _ in range(50):
            y = tanh(y)
        if framework == "torch":
            y = y.sum()
        backward(y)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"peak_mb": (peak - base) / 1024}


WORKLOADS = {"chain": chain, "wide": wide, "memory": memory}

if __name__ == "__main__":
    framework, workload, *args = sys.argv[1:]
    print(json.dumps(WORKLOADS[workload](framework, *args)))
