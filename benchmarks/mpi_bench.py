"""All-reduce throughput and the data-parallel training step, under a real mpiexec (dezero-plug-mpi).

Run: ``python benchmarks/mpi_bench.py`` (needs dezero-plug-mpi with an MPI: ``pip install
'./plugins/dezero-plug-mpi[mpich]'``). It launches itself with ``mpiexec -n 1`` and ``-n 2``, one BLAS
thread per rank, and prints, from one run:

- the gradients of the MLP 784-1000-10 (float32, 795,010 values) averaged over 2 ranks: the plugin's
  ``allreduce_grad`` against a hand-written mpi4py loop doing the same job (copy the gradients into one
  preallocated flat buffer, ``Allreduce`` in place, divide, copy back), medians of 30 iterations after
  5 of warm-up, alternating; and the bare ``Allreduce`` of the packed buffer, for information;
- the MLP training step (batch 100, SGD) at 1 and 2 ranks (each rank on 100 / size samples), and the
  parallel efficiency — reported, not a goal, on a 2-core machine.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ITERATIONS, WARMUP = 30, 5


def _model():
    import dezero_plug.functions as F
    from dezero_plug.models import MLP

    np.random.seed(0)
    model = MLP((1000, 10), activation=F.relu)
    x = np.random.randn(100, 784).astype(np.float32)
    t = np.random.randint(0, 10, size=100)
    loss = F.softmax_cross_entropy(model(x), t)
    loss.backward()
    return model, x, t


def allreduce_rank() -> dict:
    from mpi4py import MPI

    from dezero_plug.distributed import create_communicator

    comm = create_communicator("mpi")
    model, _, _ = _model()
    params = list(model.params())
    flat = np.empty(sum(p.grad.data.size for p in params), dtype=np.float32)

    def by_hand():
        offset = 0
        for p in params:
            n = p.grad.data.size
            flat[offset : offset + n] = p.grad.data.ravel()
            offset += n
        comm.comm.Allreduce(MPI.IN_PLACE, flat, op=MPI.SUM)
        np.divide(flat, comm.size, out=flat)
        offset = 0
        for p in params:
            n = p.grad.data.size
            p.grad.data[...] = flat[offset : offset + n].reshape(p.grad.data.shape)
            offset += n

    def plugin():
        comm.allreduce_grad(model)

    def bare():
        comm.comm.Allreduce(MPI.IN_PLACE, flat, op=MPI.SUM)

    times: dict[str, list[float]] = {"plugin": [], "by_hand": [], "bare": []}
    for i in range(WARMUP + ITERATIONS):
        for name, fn in (("plugin", plugin), ("by_hand", by_hand), ("bare", bare)):
            comm.barrier()
            start = time.perf_counter()
            fn()
            if i >= WARMUP:
                times[name].append(time.perf_counter() - start)
    return {"bytes": flat.nbytes, **{k: statistics.median(v) for k, v in times.items()}}


def step_rank() -> dict:
    import dezero_plug.functions as F
    from dezero_plug import optimizers
    from dezero_plug.distributed import create_communicator
    from dezero_plug.distributed import create_multi_node_optimizer

    comm = create_communicator()
    model, x, t = _model()
    mine = slice(comm.rank * 100 // comm.size, (comm.rank + 1) * 100 // comm.size)
    optimizer = create_multi_node_optimizer(optimizers.SGD(0.1), comm).setup(model)
    times = []
    for i in range(WARMUP + ITERATIONS):
        comm.barrier()
        start = time.perf_counter()
        loss = F.softmax_cross_entropy(model(x[mine]), t[mine])
        model.cleargrads()
        loss.backward()
        optimizer.update()
        if i >= WARMUP:
            times.append(time.perf_counter() - start)
    return {"size": comm.size, "step_ms": statistics.median(times) * 1e3}


def launch(n: int, what: str) -> dict:
    mpiexec = shutil.which("mpiexec", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    if mpiexec is None:
        raise SystemExit("no mpiexec: pip install './plugins/dezero-plug-mpi[mpich]'")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    done = subprocess.run(
        [mpiexec, "-n", str(n), sys.executable, __file__, what], capture_output=True, text=True, env=env, timeout=600
    )
    if done.returncode != 0:
        raise SystemExit(f"mpiexec -n {n} {what} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    reduce = launch(2, "allreduce")
    one, two = launch(1, "step"), launch(2, "step")
    mb = reduce["bytes"] / 1e6
    print(f"MLP 784-1000-10 gradients, float32, {mb:.2f} MB, 2 ranks (medians of {ITERATIONS}, 1 BLAS thread/rank)")
    for name in ("plugin", "by_hand", "bare"):
        label = {"plugin": "allreduce_grad (plugin)", "by_hand": "hand-written mpi4py loop", "bare": "bare Allreduce"}
        print(f"  {label[name]:<28}{reduce[name] * 1e3:8.3f} ms {mb / reduce[name]:9.1f} MB/s")
    print(f"  plugin throughput / hand-written: {reduce['by_hand'] / reduce['plugin']:.2f}x")
    print("MLP training step, batch 100 in all (each rank on 100 / size), SGD")
    print(f"  1 rank  {one['step_ms']:8.3f} ms")
    print(f"  2 ranks {two['step_ms']:8.3f} ms   efficiency {one['step_ms'] / (2 * two['step_ms']):.2f}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1:  # one rank of a launch
        result = allreduce_rank() if sys.argv[1] == "allreduce" else step_rank()
        from mpi4py import MPI

        if MPI.COMM_WORLD.Get_rank() == 0:
            print(json.dumps(result), flush=True)
        sys.exit(0)
    sys.exit(main())
