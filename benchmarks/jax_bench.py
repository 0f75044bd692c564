"""dezero_plug on the jax backend against the same work in plain eager ``jax.numpy``, side by side in one run.

Run: ``python benchmarks/jax_bench.py`` (needs dezero-plug-jax and JAX). Two workloads, each defined the
same way for both columns and timed in alternating rounds; the table shows medians:

- per op: a chain of 200 ops (tanh, then + 0.1, alternating) on a 0-d float32 array, forward and
  forward+backward; the plain column writes the backward by hand (d tanh = 1 - tanh²);
- MLP 784-1000-10 training step on a batch of 100 (relu, softmax cross entropy, SGD lr 0.1): forward,
  backward and update, the plain column hand-written in jnp with the same float32 arrays.

Both columns are eager (no ``jax.jit``): the plugin runs JAX eagerly, and a jitted plain column would
measure XLA fusion, not what dezero_plug adds. Results are blocked on (``block_until_ready``).
"""

from __future__ import annotations

import statistics
import time

import numpy as np

CHAIN = 200
ROUNDS = 7


def _time(fn, repeats=5):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def chain_plain(jnp):
    x0 = jnp.asarray(0.5, dtype=jnp.float32)

    def forward():
        y, ys = x0, []
        for _ in range(CHAIN // 2):
            ys.append(y)
            y = jnp.tanh(y) + 0.1
        return y.block_until_ready(), ys

    def both():
        _, ys = forward()
        g = jnp.asarray(1.0, dtype=jnp.float32)
        for y in reversed(ys):
            t = jnp.tanh(y)
            g = g * (1 - t * t)
        return g.block_until_ready()

    return forward, both


def chain_dezero(backend):
    import dezero_plug.functions as F
    from dezero_plug import Variable

    x0 = backend.from_numpy(np.array(0.5, dtype=np.float32))

    def forward():
        x = Variable(x0)
        y = x
        for _ in range(CHAIN // 2):
            y = F.tanh(y) + 0.1
        y.data.block_until_ready()
        return x, y

    def both():
        x, y = forward()
        y.backward()
        x.grad.data.block_until_ready()

    return forward, both


def mlp_data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((100, 784)).astype(np.float32)
    t = rng.integers(0, 10, size=100)
    w1 = (rng.standard_normal((784, 1000)) * np.sqrt(1 / 784)).astype(np.float32)
    w2 = (rng.standard_normal((1000, 10)) * np.sqrt(1 / 1000)).astype(np.float32)
    return x, t, w1, w2


def mlp_plain(jnp):
    x, t, w1, w2 = (jnp.asarray(a) for a in mlp_data())
    params = {"w1": w1, "b1": jnp.zeros(1000, jnp.float32), "w2": w2, "b2": jnp.zeros(10, jnp.float32)}
    onehot = jnp.eye(10, dtype=jnp.float32)[t]

    def step():
        h_pre = x @ params["w1"] + params["b1"]
        h = jnp.maximum(h_pre, 0)
        y = h @ params["w2"] + params["b2"]
        m = y.max(axis=1, keepdims=True)
        p = jnp.exp(y - m)
        p = p / p.sum(axis=1, keepdims=True)
        gy = (p - onehot) / len(t)
        gw2, gb2 = h.T @ gy, gy.sum(axis=0)
        gh = (gy @ params["w2"].T) * (h_pre > 0)
        gw1, gb1 = x.T @ gh, gh.sum(axis=0)
        for name, g in (("w1", gw1), ("b1", gb1), ("w2", gw2), ("b2", gb2)):
            params[name] = params[name] - 0.1 * g
        params["w1"].block_until_ready()

    return step


def mlp_dezero(backend):
    import dezero_plug.functions as F
    import dezero_plug.layers as L
    from dezero_plug import Model
    from dezero_plug import optimizers

    x, t, w1, w2 = mlp_data()

    class MLP(Model):
        def __init__(self):
            super().__init__()
            self.l1, self.l2 = L.Linear(1000, in_size=784), L.Linear(10, in_size=1000)
            self.l1.W.data, self.l2.W.data = w1, w2

        def forward(self, x):
            return self.l2(F.relu(self.l1(x)))

    model = MLP().to_backend(backend)
    optimizer = optimizers.SGD(0.1).setup(model)
    xb, tb = backend.from_numpy(x), backend.from_numpy(t)

    def step():
        loss = F.softmax_cross_entropy(model(xb), tb)
        model.cleargrads()
        loss.backward()
        optimizer.update()
        model.l1.W.data.block_until_ready()

    return step


def main() -> int:
    import jax
    import jax.numpy as jnp

    from dezero_plug import backends

    backend = backends.get_backend("jax")
    print(f"jax {jax.__version__} on {jax.default_backend()} ({jax.devices()[0]}); eager, float32; medians of {ROUNDS}")
    plain_fwd, plain_both = chain_plain(jnp)
    ours_fwd, ours_both = chain_dezero(backend)
    plain_step, ours_step = mlp_plain(jnp), mlp_dezero(backend)
    for fn in (plain_fwd, plain_both, ours_fwd, ours_both, plain_step, ours_step):  # warm-up: compile each op
        fn()
    samples: dict[str, list[float]] = {}
    for _ in range(ROUNDS):
        for name, fn, scale in (
            ("per op, forward (us)|plain", plain_fwd, 1e6 / CHAIN),
            ("per op, forward (us)|dezero_plug", ours_fwd, 1e6 / CHAIN),
            ("per op, forward+backward (us)|plain", plain_both, 1e6 / CHAIN),
            ("per op, forward+backward (us)|dezero_plug", ours_both, 1e6 / CHAIN),
            ("MLP 784-1000-10 step, batch 100 (ms)|plain", plain_step, 1e3),
            ("MLP 784-1000-10 step, batch 100 (ms)|dezero_plug", ours_step, 1e3),
        ):
            samples.setdefault(name, []).append(_time(fn) * scale)
    print(f"{'workload':<40}{'plain jax.numpy':>16}{'dezero_plug':>14}{'ratio':>8}")
    for row in ("per op, forward (us)", "per op, forward+backward (us)", "MLP 784-1000-10 step, batch 100 (ms)"):
        plain, ours = (statistics.median(samples[f"{row}|{c}"]) for c in ("plain", "dezero_plug"))
        print(f"{row:<40}{plain:>16.2f}{ours:>14.2f}{ours / plain:>7.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
