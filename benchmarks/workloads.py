"""One benchmark workload for one framework, run in a fresh process: ``python workloads.py FRAMEWORK WORKLOAD [N]``.

Frameworks: ``dezero_plug``, ``dezero`` (PyPI 0.0.13, in a venv of its own),
``torch`` (CPU), ``numpy`` (hand-written forward and backward: the limit).
Prints one JSON object. Run through ``run.py``, which compares them.
"""

from __future__ import annotations

import functools
import json
import os
import resource
import statistics
import sys
import time

import numpy as np


def _import_from(root):
    """Import dezero_plug from the tree ``root`` (run.py --baseline), even past an editable install elsewhere."""
    sys.meta_path[:] = [f for f in sys.meta_path if not type(f).__module__.startswith("__editable__")]
    sys.path.insert(0, root)


if os.environ.get("DEZERO_PLUG_BENCH_ROOT"):
    _import_from(os.environ["DEZERO_PLUG_BENCH_ROOT"])

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

    no_grad = __import__("torch" if framework == "torch" else framework).no_grad

    def inference():
        with no_grad():
            forward()

    return {
        "forward_us": _timed(forward) / CHAIN_OPS * 1e6,
        "forward_backward_us": _timed(both) / CHAIN_OPS * 1e6,
        "no_grad_us": _timed(inference) / CHAIN_OPS * 1e6,
    }


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


# ----------------------------------------------------------------------------- conv / pooling
CONV_X, CONV_W = (32, 16, 14, 14), (32, 16, 3, 3)


def _numpy_im2col(x, k, s, p):
    n, c, h, w = x.shape
    oh, ow = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
    x = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    win = np.lib.stride_tricks.sliding_window_view(x, (k, k), (2, 3))[:, :, ::s, ::s][:, :, :oh, :ow]
    return win.transpose(0, 1, 4, 5, 2, 3), oh, ow  # N, C, K, K, OH, OW


@functools.lru_cache(maxsize=8)
def _numpy_col2im_index(shape, k, s, p, oh, ow):
    n, c, h, w = shape
    hp, wp = h + 2 * p, w + 2 * p
    rows = np.arange(k)[:, None, None, None] + s * np.arange(oh)[None, None, :, None]
    cols = np.arange(k)[None, :, None, None] + s * np.arange(ow)[None, None, None, :]
    return ((np.arange(n * c) * hp * wp).reshape(n, c, 1, 1, 1, 1) + rows * wp + cols).ravel()


def _numpy_col2im(col, shape, k, s, p):
    n, c, h, w = shape
    hp, wp = h + 2 * p, w + 2 * p
    img = np.zeros((n, c, hp, wp), dtype=col.dtype)
    index = _numpy_col2im_index(tuple(shape), k, s, p, *col.shape[4:])
    flat = img.ravel()
    np.add.at(flat, index, col.ravel())
    return flat.reshape(n, c, hp, wp)[:, :, p : p + h, p : p + w]


def conv(framework):
    """conv2d (3x3, pad 1) and max pooling (2x2, stride 2): forward+backward times in ms."""
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal(CONV_X).astype(np.float32)
    w0 = (rng.standard_normal(CONV_W) * 0.1).astype(np.float32)
    b0 = np.zeros(CONV_W[0], np.float32)
    if framework == "numpy":

        def conv_step():  # the same algorithm as dezero_plug's, by hand: matmuls keeping (OH, OW) innermost
            n, c, h, w = x0.shape
            oc = w0.shape[0]
            col, oh, ow = _numpy_im2col(x0, 3, 1, 1)
            col = col.reshape(n, c * 9, oh * ow)
            y = (w0.reshape(oc, -1) @ col).reshape(n, oc, oh, ow) + b0[:, None, None]
            gy = np.ones_like(y).reshape(n, oc, -1)
            gw = (gy @ col.transpose(0, 2, 1)).sum(axis=0).reshape(w0.shape)
            gcol = (w0.reshape(oc, -1).T @ gy).reshape(n, c, 3, 3, oh, ow)
            gx = _numpy_col2im(gcol, x0.shape, 3, 1, 1)
            return gx, gw, gy.sum(axis=(0, 2))

        def pool_step():
            col, oh, ow = _numpy_im2col(x0, 2, 2, 0)
            n, c = x0.shape[:2]
            col = col.reshape(n, c, 4, oh, ow)
            idx = col.argmax(axis=2)
            y = col.max(axis=2)
            gcol = (np.arange(4).reshape(1, 1, 4, 1, 1) == idx[:, :, None]) * np.ones_like(y)[:, :, None]
            return _numpy_col2im(gcol.reshape(n, c, 2, 2, oh, ow).astype(np.float32), x0.shape, 2, 2, 0)

    else:
        variable, *_ = autograd(framework)
        F = __import__(f"{framework}.functions", fromlist=["functions"]) if framework != "torch" else None
        if framework == "torch":
            import torch

            def conv_step():
                x, w, b = variable(x0), variable(w0), variable(b0)
                torch.nn.functional.conv2d(x, w, b, padding=1).sum().backward()

            def pool_step():
                x = variable(x0)
                torch.nn.functional.max_pool2d(x, 2, 2).sum().backward()

        else:

            def conv_step():
                x, w, b = variable(x0), variable(w0), variable(b0)
                F.sum(F.conv2d(x, w, b, stride=1, pad=1)).backward()

            def pool_step():
                x = variable(x0)
                F.sum(F.pooling(x, 2, 2)).backward()

    return {"conv_ms": _timed(conv_step) * 1e3, "pool_ms": _timed(pool_step) * 1e3}


# ----------------------------------------------------------------------------- training steps
def _softmax_ce_grad(y, t):
    y = y - y.max(axis=1, keepdims=True)
    p = np.exp(y)
    p /= p.sum(axis=1, keepdims=True)
    n = len(t)
    loss = -np.log(p[np.arange(n), t]).mean()
    p[np.arange(n), t] -= 1
    return loss, p / n


def _numpy_maxpool(x):
    """2x2 stride-2 max pooling and its backward, by hand (the gradient goes to the window's maximum)."""
    n, c, h, w = x.shape
    blocks = x.reshape(n, c, h // 2, 2, w // 2, 2)
    y = blocks.max(axis=(3, 5))

    def backward(gy):
        mask = blocks == y[:, :, :, None, :, None]
        return (mask * gy[:, :, :, None, :, None]).reshape(n, c, h, w)

    return y, backward


def _numpy_conv(x, w, b):
    """3x3 pad-1 convolution and its backward, by hand (the matmul formulation)."""
    n, c = x.shape[:2]
    oc = w.shape[0]
    col, oh, ow = _numpy_im2col(x, 3, 1, 1)
    col = col.reshape(n, c * 9, oh * ow)
    y = (w.reshape(oc, -1) @ col).reshape(n, oc, oh, ow) + b[:, None, None]

    def backward(gy, need_x=True):
        g = gy.reshape(n, oc, -1)
        gw = (g @ col.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)
        gx = _numpy_col2im((w.reshape(oc, -1).T @ g).reshape(n, c, 3, 3, oh, ow), x.shape, 3, 1, 1) if need_x else None
        return gx, gw, g.sum(axis=(0, 2))

    return y, backward


def train(framework, model, device="cpu"):
    """One SGD training step (forward, softmax cross entropy, backward, update) in ms: MLP 784-1000-10
    (batch 100, relu) or CNN conv16-pool-conv32-pool-fc10 (batch 32, 28x28); ``device`` "gpu" for
    dezero_plug on its cupy backend or torch on CUDA (synchronised before the clock stops)."""
    rng = np.random.default_rng(0)
    if model == "mlp":
        x0 = rng.random((100, 784), dtype=np.float32)
        t0 = rng.integers(0, 10, 100)
        shapes = [(784, 1000), (1000,), (1000, 10), (10,)]
    else:
        x0 = rng.random((32, 1, 28, 28), dtype=np.float32)
        t0 = rng.integers(0, 10, 32)
        shapes = [(16, 1, 3, 3), (16,), (32, 16, 3, 3), (32,), (32 * 7 * 7, 10), (10,)]
    init = [(rng.standard_normal(s) * 0.05).astype(np.float32) for s in shapes]
    lr = 0.01
    if framework == "numpy":
        params = [p.copy() for p in init]

        def step():
            if model == "mlp":
                w1, b1, w2, b2 = params
                a = x0 @ w1 + b1
                h = np.maximum(a, 0)
                loss, gy = _softmax_ce_grad(h @ w2 + b2, t0)
                gw2, gb2 = h.T @ gy, gy.sum(axis=0)
                ga = (gy @ w2.T) * (a > 0)
                grads = [x0.T @ ga, ga.sum(axis=0), gw2, gb2]
            else:
                w1, b1, w2, b2, w3, b3 = params
                a1, conv1_back = _numpy_conv(x0, w1, b1)
                p1, pool1_back = _numpy_maxpool(np.maximum(a1, 0))
                a2, conv2_back = _numpy_conv(p1, w2, b2)
                p2, pool2_back = _numpy_maxpool(np.maximum(a2, 0))
                flat = p2.reshape(len(x0), -1)
                loss, gy = _softmax_ce_grad(flat @ w3 + b3, t0)
                gw3, gb3 = flat.T @ gy, gy.sum(axis=0)
                g = pool2_back((gy @ w3.T).reshape(p2.shape)) * (a2 > 0)
                gp1, gw2, gb2 = conv2_back(g)
                _, gw1, gb1 = conv1_back(pool1_back(gp1) * (a1 > 0), need_x=False)
                grads = [gw1, gb1, gw2, gb2, gw3, gb3]
            for p, g in zip(params, grads):
                p -= lr * g
            return loss

    elif framework == "torch":
        import torch

        torch.set_num_threads(1)
        where = "cuda" if device == "gpu" else "cpu"
        params = [torch.tensor(p, requires_grad=True, device=where) for p in init]
        x, t = torch.tensor(x0, device=where), torch.tensor(t0, device=where)
        nn = torch.nn.functional
        sync = torch.cuda.synchronize if device == "gpu" else (lambda: None)

        def step():
            if model == "mlp":
                w1, b1, w2, b2 = params
                y = nn.relu(x @ w1 + b1) @ w2 + b2
            else:
                w1, b1, w2, b2, w3, b3 = params
                h = nn.max_pool2d(nn.relu(nn.conv2d(x, w1, b1, padding=1)), 2)
                h = nn.max_pool2d(nn.relu(nn.conv2d(h, w2, b2, padding=1)), 2)
                y = h.reshape(len(x0), -1) @ w3 + b3
            loss = nn.cross_entropy(y, t)
            for p in params:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p -= lr * p.grad
            sync()

    else:
        mod = __import__(framework)
        F = __import__(f"{framework}.functions", fromlist=["functions"])
        params = [mod.Parameter(p.copy()) for p in init]
        sync = lambda: None  # noqa: E731
        if device == "gpu":
            gpu = mod.backends.gpu_backend()
            params = [mod.Parameter(gpu.from_numpy(p)) for p in init]
            x0, t0 = gpu.from_numpy(x0), gpu.from_numpy(t0)
            sync = gpu.xp.cuda.Device().synchronize
        optimizer = __import__(f"{framework}.optimizers", fromlist=["optimizers"]).SGD(lr)

        class Holder(mod.Layer):
            pass

        holder = Holder()
        for i, p in enumerate(params):
            setattr(holder, f"p{i}", p)
        optimizer.setup(holder)

        def step():
            if model == "mlp":
                w1, b1, w2, b2 = params
                y = F.linear(F.relu(F.linear(x0, w1, b1)), w2, b2)
            else:
                w1, b1, w2, b2, w3, b3 = params
                h = F.pooling(F.relu(F.conv2d(x0, w1, b1, 1, 1)), 2, 2)
                h = F.pooling(F.relu(F.conv2d(h, w2, b2, 1, 1)), 2, 2)
                y = F.linear(F.reshape(h, (len(x0), -1)), w3, b3)
            loss = F.softmax_cross_entropy(y, t0)
            holder.cleargrads()
            loss.backward()
            optimizer.update()
            sync()

    step()
    return {"step_ms": _timed(step, repeats=25) * 1e3}


WORKLOADS = {"chain": chain, "wide": wide, "memory": memory, "conv": conv, "train": train}

if __name__ == "__main__":
    framework, workload, *args = sys.argv[1:]
    print(json.dumps(WORKLOADS[workload](framework, *args)))
