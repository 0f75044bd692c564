"""One benchmark workload for one framework, run in a fresh process: ``python workloads.py FRAMEWORK WORKLOAD [N]``.

Frameworks: ``dezero_plug``, ``dezero`` (PyPI 0.0.13, in a venv of its own),
``torch`` (CPU), ``numpy`` (hand-written forward and backward: the limit), ``dezero_plug_torch``
(dezero_plug on torch tensors, its torch plugin installed: against ``torch`` eager).
Prints one JSON object. Run through ``run.py``, which compares them.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import statistics
import sys
import time

THREADS = int(os.environ.get("DEZERO_PLUG_BENCH_THREADS", "2"))  # every framework on the same thread count
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(THREADS)

import numpy as np  # noqa: E402

try:  # numpy's BLAS pinned too (the environment variables only act before it loads)
    import threadpoolctl

    _LIMITS = threadpoolctl.threadpool_limits(limits=THREADS)
except ImportError:
    _LIMITS = None


def _import_from(root):
    """Import dezero_plug from the tree ``root`` (run.py --baseline), even past an editable install elsewhere."""
    sys.meta_path[:] = [f for f in sys.meta_path if not type(f).__module__.startswith("__editable__")]
    sys.path.insert(0, root)


if os.environ.get("DEZERO_PLUG_BENCH_ROOT"):
    _import_from(os.environ["DEZERO_PLUG_BENCH_ROOT"])

CHAIN_OPS = 2000
REPEATS = 11


def _timed(fn, repeats=REPEATS):
    """The median of ``repeats`` timed calls, each after a full collection (as ../shared/bench times).

    What ``fn`` returns is dropped after the clock stops: freeing a graph is not part of building it or of
    its backward (../shared/bench's w1 excludes it the same way and reports it apart)."""
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
        del result
    return statistics.median(times)


# ----------------------------------------------------------------------------- frameworks
def _dezero_plug_on_torch():
    """dezero_plug with its torch plugin registered (the workload process has entry-point autoload off)."""
    os.environ["DEZERO_PLUG_PLUGINS"] = "torch"
    import torch

    import dezero_plug

    torch.set_num_threads(THREADS)
    return dezero_plug, dezero_plug.backends.get_backend("torch")


def autograd(framework):
    """(Variable, tanh, add_scalar-capable namespace, backward) for an autograd framework. ``dezero_plug_torch``
    is dezero_plug on its torch backend: the leaf's data a ``torch.Tensor``."""
    if framework in ("dezero_plug", "dezero", "dezero_plug_torch"):
        on_torch = framework == "dezero_plug_torch"
        mod, torch_backend = _dezero_plug_on_torch() if on_torch else (__import__(framework), None)
        F = __import__(f"{mod.__name__}.functions", fromlist=["functions"])

        def variable(a):
            return mod.Variable(torch_backend.from_numpy(a) if on_torch else a)

        def backward(y):
            y.backward()

        def grad(x):
            return x.grad.data

        return variable, F.tanh, F.sin, backward, grad
    if framework == "torch":
        import torch

        torch.set_num_threads(THREADS)

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
    """Per-op time of ../shared/bench's w1: ``y = y * 1.0001 + 0.0001`` 1000 times (2000 ops) on a 0-d float64
    leaf; forward, forward+backward and no_grad forward."""
    a, b, steps = 1.0001, 0.0001, CHAIN_OPS // 2
    x0 = np.array(1.0, dtype=np.float64)
    if framework == "numpy":

        def forward():
            y = x0
            for _ in range(steps):
                y = y * a + b
            return y

        def both():
            y = forward()
            g = np.ones_like(x0)  # d(y a + b)/dy = a, once per step
            for _ in range(steps):
                g = g * a
            return y, g

        return {
            "forward_us": _timed(forward) / CHAIN_OPS * 1e6,
            "forward_backward_us": _timed(both) / CHAIN_OPS * 1e6,
            "no_grad_us": _timed(forward) / CHAIN_OPS * 1e6,
        }
    variable, _, _, backward, _ = autograd(framework)
    x = variable(x0)

    def forward():
        y = x
        for _ in range(steps):
            y = y * a + b
        return y

    def both():
        x.grad = None
        y = forward()
        backward(y)
        return y  # the graph is freed after the clock stops, as w1 times it

    no_grad = __import__({"torch": "torch", "dezero_plug_torch": "dezero_plug"}.get(framework, framework)).no_grad

    def inference():
        with no_grad():
            return forward()

    return {
        "forward_us": _timed(forward) / CHAIN_OPS * 1e6,
        "forward_backward_us": _timed(both) / CHAIN_OPS * 1e6,
        "no_grad_us": _timed(inference) / CHAIN_OPS * 1e6,
    }


def wide(framework, n):
    """Backward time of ../shared/bench's w4: ``xs = [x * float(i) for i in range(n)]``, then ``y`` the chain of
    adds over them; only ``y.backward()`` is timed (all n products wait while the chain is walked back)."""
    n = int(n)
    if framework == "numpy":

        def run():
            g_x = 0.0  # the gradient reaching each product through the chain of adds is 1
            for i in range(n - 1, -1, -1):
                g_x += float(i)
            return g_x

        return {"n": n, "backward_s": _timed(run, 3)}
    variable, _, _, backward, _ = autograd(framework)

    def build():
        x = variable(np.array(1.5))
        xs = [x * float(i) for i in range(n)]
        y = xs[0]
        for t in xs[1:]:
            y = y + t
        return y

    times = []
    for _ in range(3):
        gc.collect()  # as w4: the collector starts each build empty
        y = build()
        start = time.perf_counter()
        backward(y)
        times.append(time.perf_counter() - start)
        del y
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


def conv(framework):
    """conv2d (3x3, pad 1) and max pooling (2x2, stride 2): forward+backward times in ms."""
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal(CONV_X).astype(np.float32)
    w0 = (rng.standard_normal(CONV_W) * 0.1).astype(np.float32)
    b0 = np.zeros(CONV_W[0], np.float32)
    if framework == "numpy":
        w_gemm = np.ascontiguousarray(w0.transpose(2, 3, 1, 0).reshape(-1, w0.shape[0]))  # laid out once
        ones = np.ones(x0.shape[0] * x0.shape[2] * x0.shape[3], np.float32)

        def conv_step():  # channels-last inside, as the CNN program: nine shifted copies, one GEMM
            n, c, h, w = x0.shape
            col = _patches(x0.transpose(0, 2, 3, 1))
            y = col @ w_gemm
            y += b0
            gy = np.ones_like(y)
            gw, gb = col.T @ gy, ones @ gy
            gx = _unpatch(gy, w_gemm, (n, h, w, c)).transpose(0, 3, 1, 2)
            return gx, gw, gb

        def pool_step():  # the strided maximum of four views and its first-maximum gradient
            a = x0.transpose(0, 2, 3, 1)
            y = _pool(a)
            return _unpool(a, y, np.ones_like(y)).transpose(0, 3, 1, 2)

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
    p /= n
    return loss, p


_SLAB = np.empty(1 << 16, np.float32)  # the SGD step's scratch: 256 KiB, stays in cache


def _sgd(params, grads, lr):
    """``p -= lr * g`` for each parameter, a slab of rows at a time into one cache-sized scratch array.

    Whole, ``lr * g`` is a parameter-sized temporary written and read back (the 784x1000 weight: ~500 µs
    against ~330); dezero_plug's SGD updates slab by slab too (without the scratch array).
    """
    for p, g in zip(params, grads):
        rows = max(1, _SLAB.size * len(p) // p.size)
        for i in range(0, len(p), rows):
            part = g[i : i + rows]
            p[i : i + rows] -= np.multiply(part, lr, out=_SLAB[: part.size].reshape(part.shape))


# --------------------------------------------------------- the plain-numpy CNN: as strong as we can write it
# NHWC inside (the channel axis contiguous, so that a 3x3 patch row is one contiguous run), im2col by nine
# shifted copies into one preallocated array, one GEMM per convolution, 2x2 pooling by the strided maximum of
# four views. The weights are laid out once, so the arithmetic is the frameworks' (same init, same loss).
def _patches(x):
    """(N, H, W, C) -> (N*H*W, 9*C): the 3x3 pad-1 patches, columns ordered (kh, kw, c)."""
    n, h, w, c = x.shape
    padded = np.zeros((n, h + 2, w + 2, c), x.dtype)
    padded[:, 1:-1, 1:-1] = x
    col = np.empty((n, h, w, 3, 3, c), x.dtype)
    for i in range(3):
        for j in range(3):
            col[:, :, :, i, j] = padded[:, i : i + h, j : j + w]
    return col.reshape(n * h * w, 9 * c)


def _unpatch(gcol, w, shape):
    """The input gradient of the convolution by ``w`` (9*C, OC): (N*H*W, OC) -> (N, H, W, C), the 3x3
    pad-1 patches summed back. One GEMM per window position gives contiguous (N*H*W, C) slabs, so the
    nine adds run over whole rows (a (N*H*W, 9*C) product would be added back in runs of C)."""
    n, h, w_, c = shape
    g = np.matmul(gcol, w.reshape(9, c, -1).transpose(0, 2, 1)).reshape(3, 3, n, h, w_, c)
    padded = np.zeros((n, h + 2, w_ + 2, c), gcol.dtype)
    for i in range(3):
        for j in range(3):
            padded[:, i : i + h, j : j + w_] += g[i, j]
    return padded[:, 1:-1, 1:-1]


def _pool(a):
    """2x2 stride-2 max pooling of (N, H, W, C)."""
    return np.maximum(np.maximum(a[:, 0::2, 0::2], a[:, 0::2, 1::2]), np.maximum(a[:, 1::2, 0::2], a[:, 1::2, 1::2]))


def _unpool(a, y, gy):
    """The gradient of ``_pool``: each window's first maximum gets ``gy`` (the frameworks' tie rule)."""
    g = np.zeros_like(a)
    taken = np.zeros(y.shape, bool)
    for i, j in ((0, 0), (0, 1), (1, 0), (1, 1)):
        hit = a[:, i::2, j::2] == y
        hit &= ~taken
        taken |= hit
        g[:, i::2, j::2] = gy * hit
    return g


def _numpy_cnn(W1, b1, W2, b2, W3, b3, lr):
    """One SGD step of ../shared/bench's w3 CNN, in plain numpy, on (N, 1, 28, 28) float32 input."""

    def as_gemm(w):  # (OC, C, 3, 3) -> (9*C, OC), rows ordered (kh, kw, c) like the patches' columns
        return np.ascontiguousarray(w.transpose(2, 3, 1, 0).reshape(-1, w.shape[0]))

    fc = np.ascontiguousarray(W3.reshape(32, 7, 7, 10).transpose(1, 2, 0, 3).reshape(1568, 10))  # NHWC flatten
    params = [as_gemm(W1), b1.copy(), as_gemm(W2), b2.copy(), fc, b3.copy()]

    ones1, ones2 = np.ones(32 * 28 * 28, np.float32), np.ones(32 * 14 * 14, np.float32)  # batch 32

    def step(x, t):
        w1, c1, w2, c2, w3, c3 = params
        n = len(x)
        col1 = _patches(x.transpose(0, 2, 3, 1))
        a1 = col1 @ w1
        a1 += c1
        np.maximum(a1, 0, out=a1)
        a1 = a1.reshape(n, 28, 28, 16)
        p1 = _pool(a1)
        col2 = _patches(p1)
        a2 = col2 @ w2
        a2 += c2
        np.maximum(a2, 0, out=a2)
        a2 = a2.reshape(n, 14, 14, 32)
        p2 = _pool(a2)
        flat = p2.reshape(n, -1)
        logits = flat @ w3
        logits += c3
        loss, g = _softmax_ce_grad(logits, t)
        gw3, gc3 = flat.T @ g, g.sum(axis=0)
        ga2 = _unpool(a2, p2, (g @ w3.T).reshape(p2.shape))
        ga2 *= a2 > 0
        ga2 = ga2.reshape(-1, 32)
        gw2, gc2 = col2.T @ ga2, ones2 @ ga2  # column sums by GEMV: numpy's axis-0 sum of a narrow array is slow
        ga1 = _unpool(a1, p1, _unpatch(ga2, w2, p1.shape))
        ga1 *= a1 > 0
        ga1 = ga1.reshape(-1, 16)
        gw1, gc1 = col1.T @ ga1, ones1 @ ga1
        _sgd(params, (gw1, gc1, gw2, gc2, gw3, gc3), lr)
        return loss

    return step


def train_step(framework, model, device="cpu"):
    """``(step, xs, ts)``: one SGD training step of ``framework`` as ../shared/bench's w2 (MLP 784-1000-10,
    relu, batch 100) or w3 (CNN conv3x3 1->16, relu, pool, conv3x3 16->32, relu, pool, linear 10; batch 32,
    28x28), and its 10 synthetic batches: float32, weights randn * sqrt(1/fan_in), zero biases, softmax cross
    entropy, SGD lr 0.01. ``device`` "gpu": dezero_plug on its cupy backend or torch on CUDA (synchronised
    before ``step`` returns)."""
    rng = np.random.default_rng(0)
    if model == "mlp":
        batch, shape = 100, (784,)
        weights = [(784, 1000), (1000, 10)]
        init = []
        for fan_in, fan_out in weights:
            init += [(rng.standard_normal((fan_in, fan_out)) * np.sqrt(1 / fan_in)).astype(np.float32)]
            init += [np.zeros(fan_out, np.float32)]
    else:
        batch, shape = 32, (1, 28, 28)
        init = [
            (rng.standard_normal((16, 1, 3, 3)) * np.sqrt(1 / 9)).astype(np.float32),
            np.zeros(16, np.float32),
            (rng.standard_normal((32, 16, 3, 3)) * np.sqrt(1 / 144)).astype(np.float32),
            np.zeros(32, np.float32),
            (rng.standard_normal((1568, 10)) * np.sqrt(1 / 1568)).astype(np.float32),
            np.zeros(10, np.float32),
        ]
    xs = rng.random((10, batch, *shape), dtype=np.float32)
    ts = rng.integers(0, 10, size=(10, batch)).astype(np.int64)
    lr = 0.01
    if framework == "numpy":
        if model == "mlp":
            params = [p.copy() for p in init]

            ones = np.ones(batch, np.float32)

            def step(x, t):
                w1, b1, w2, b2 = params
                h = x @ w1
                h += b1
                np.maximum(h, 0, out=h)  # relu in place; its mask is h > 0
                logits = h @ w2
                logits += b2
                loss, gy = _softmax_ce_grad(logits, t)
                gw2, gb2 = h.T @ gy, ones @ gy  # column sums by GEMV (see the CNN program)
                ga = gy @ w2.T
                ga *= h > 0
                _sgd(params, (x.T @ ga, ones @ ga, gw2, gb2), lr)
                return loss

        else:
            step = _numpy_cnn(*init, lr)

    elif framework == "torch":
        import torch

        torch.set_num_threads(THREADS)
        where = "cuda" if device == "gpu" else "cpu"
        params = [torch.tensor(p, requires_grad=True, device=where) for p in init]
        xs, ts = torch.tensor(xs, device=where), torch.tensor(ts, device=where)
        nn = torch.nn.functional
        sync = torch.cuda.synchronize if device == "gpu" else (lambda: None)

        def step(x, t):
            if model == "mlp":
                w1, b1, w2, b2 = params
                y = nn.relu(x @ w1 + b1) @ w2 + b2
            else:
                w1, b1, w2, b2, w3, b3 = params
                h = nn.max_pool2d(nn.relu(nn.conv2d(x, w1, b1, padding=1)), 2)
                h = nn.max_pool2d(nn.relu(nn.conv2d(h, w2, b2, padding=1)), 2)
                y = h.flatten(1) @ w3 + b3
            for p in params:
                p.grad = None
            loss = nn.cross_entropy(y, t)
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p -= lr * p.grad
            sync()

    else:
        on_torch = framework == "dezero_plug_torch"
        mod, torch_backend = _dezero_plug_on_torch() if on_torch else (__import__(framework), None)
        F = __import__(f"{mod.__name__}.functions", fromlist=["functions"])
        params = [mod.Parameter(p.copy()) for p in init]
        sync = lambda: None  # noqa: E731
        if torch_backend is not None:  # dezero_plug on torch tensors, on the CPU
            params = [mod.Parameter(torch_backend.from_numpy(p)) for p in init]
            xs, ts = torch_backend.from_numpy(xs), torch_backend.from_numpy(ts)
        if device == "gpu":
            gpu = mod.backends.gpu_backend()
            params = [mod.Parameter(gpu.from_numpy(p)) for p in init]
            xs, ts = gpu.from_numpy(xs), gpu.from_numpy(ts)
            sync = gpu.xp.cuda.Device().synchronize
        optimizer = __import__(f"{mod.__name__}.optimizers", fromlist=["optimizers"]).SGD(lr)

        class Holder(mod.Layer):
            pass

        holder = Holder()
        for i, p in enumerate(params):
            setattr(holder, f"p{i}", p)
        optimizer.setup(holder)

        def step(x, t):
            holder.cleargrads()  # first, as ../shared/bench's w2 and w3 (and the torch step) clear them
            if model == "mlp":
                w1, b1, w2, b2 = params
                y = F.linear(F.relu(F.linear(x, w1, b1)), w2, b2)
            else:
                w1, b1, w2, b2, w3, b3 = params
                h = F.pooling(F.relu(F.conv2d(x, w1, b1, 1, 1)), 2, 2)
                h = F.pooling(F.relu(F.conv2d(h, w2, b2, 1, 1)), 2, 2)
                y = F.linear(F.reshape(h, (len(x), -1)), w3, b3)
            loss = F.softmax_cross_entropy(y, t)
            loss.backward()
            optimizer.update()
            sync()

    return step, xs, ts


def train(framework, model, device="cpu"):
    """One SGD training step in ms (see ``train_step``): the median over 50 steps after 10 warm-up steps, the
    10 batches cycled."""
    step, xs, ts = train_step(framework, model, device)
    times = []
    for i in range(60):
        start = time.perf_counter()
        step(xs[i % 10], ts[i % 10])
        if i >= 10:
            times.append(time.perf_counter() - start)
    return {"step_ms": statistics.median(times) * 1e3}


def paired(framework, model, blocks=30, steps=10):
    """dezero_plug's and the plain-numpy program's training steps in one process, alternating in blocks of
    ``steps`` steps: the median of the per-block ratios of medians (ratio_q1 and ratio_q3 its quartiles), and
    each side's median block. On a shared machine whose speed drifts over seconds this pairs every
    dezero_plug block with a numpy block measured just before it; the price is that each block starts with
    the cache holding the other program's arrays, and that the programs share one malloc heap.

    A second copy of the numpy program runs as a third side, its own arrays and all: ``control`` is its ratio
    to the first, measured as dezero_plug's is. It would be 1 in a fair harness; how far it is from 1 is the
    resolution of ``ratio``. ``framework`` must be dezero_plug."""
    assert framework == "dezero_plug", "paired runs dezero_plug against numpy in one process"
    _keep_freed_memory()
    sides = {
        "numpy": train_step("numpy", model),
        "dezero_plug": train_step("dezero_plug", model),
        "numpy control": train_step("numpy", model),
    }
    medians = {side: [] for side in sides}
    for i in range(10):
        for step, xs, ts in sides.values():
            step(xs[i % 10], ts[i % 10])
    for _ in range(int(blocks)):
        for side, (step, xs, ts) in sides.items():
            times = []
            for i in range(int(steps)):
                start = time.perf_counter()
                step(xs[i % 10], ts[i % 10])
                times.append(time.perf_counter() - start)
            medians[side].append(statistics.median(times) * 1e3)
    ratios = sorted(ours / plain for ours, plain in zip(medians["dezero_plug"], medians["numpy"]))
    quartiles = statistics.quantiles(ratios, n=4)
    control = statistics.median(again / plain for again, plain in zip(medians["numpy control"], medians["numpy"]))
    return {
        "ratio": statistics.median(ratios),
        "control": control,
        "ratio_q1": quartiles[0],
        "ratio_q3": quartiles[2],
        "dezero_plug_ms": statistics.median(medians["dezero_plug"]),
        "numpy_ms": statistics.median(medians["numpy"]),
    }


def steps(framework, model, warmup=10):
    """One training step each time a line arrives on stdin, its µs printed on a line of its own; ends at EOF.

    For ``run.py --baseline``'s paired rows: it runs two of these (two trees), pinned to one CPU, and
    lets each take one step in turn, so that every step of one is measured next to a step of the other.
    """
    step, xs, ts = train_step(framework, model)
    for i in range(int(warmup)):
        step(xs[i % 10], ts[i % 10])
    print("ready", flush=True)
    taken = 0
    for _ in sys.stdin:
        start = time.perf_counter()
        step(xs[taken % 10], ts[taken % 10])
        print((time.perf_counter() - start) * 1e6, flush=True)
        taken += 1
    return {"steps": taken}


WORKLOADS = {
    "chain": chain,
    "wide": wide,
    "memory": memory,
    "conv": conv,
    "train": train,
    "paired": paired,
    "steps": steps,
}


def _keep_freed_memory():
    """Every framework's process gets the same malloc thresholds (dezero_plug.memory.keep_freed_memory, as
    ../shared/bench gives every implementation): the programs compare without page faults. It only calls
    malloc's mallopt: the module is loaded by its path, so nothing else of dezero_plug is imported."""
    import importlib.util

    root = os.environ.get("DEZERO_PLUG_BENCH_ROOT") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    spec = importlib.util.spec_from_file_location("_memory", os.path.join(root, "dezero_plug", "memory.py"))
    if spec is None or not os.path.exists(spec.origin):  # a baseline tree from before memory.py: it set them itself
        return
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.keep_freed_memory()


if __name__ == "__main__":
    framework, workload, *args = sys.argv[1:]
    _keep_freed_memory()
    print(json.dumps(WORKLOADS[workload](framework, *args)))
