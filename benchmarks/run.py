"""Side-by-side benchmarks: dezero_plug against plain numpy and, when installed, dezero 0.0.13 and PyTorch CPU.

Run: ``python benchmarks/run.py`` (``--quick`` for a short pass), or
``python benchmarks/run.py --baseline <git-ref>`` to compare this tree with an
older one: both trees run the same workload script, interleaved round by
round, and the table shows medians and the ratio HEAD / baseline. Each
workload runs in a fresh process per framework (see workloads.py); the table
reports times and ratios, never pass/fail. dezero only imports with
numpy < 1.24, so it runs from its own interpreter: ``benchmarks/setup_peers.sh``
makes one at ``benchmarks/.venv-dezero`` (or pass ``--dezero-python``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WIDE_SIZES = (1000, 2000, 4000, 8000, 16000, 32000, 64000)


def interpreters(args: argparse.Namespace) -> dict[str, str]:
    """framework -> python executable, for the frameworks that can run here."""
    found = {"numpy": sys.executable, "dezero_plug": sys.executable}
    if subprocess.run([sys.executable, "-c", "import torch"], capture_output=True).returncode == 0:
        found["torch"] = sys.executable
    dezero = args.dezero_python or os.environ.get("DEZERO_PYTHON") or str(HERE / ".venv-dezero" / "bin" / "python")
    if Path(dezero).exists() and subprocess.run([dezero, "-c", "import dezero"], capture_output=True).returncode == 0:
        found["dezero"] = dezero
    return found


def bench_env(root: Path) -> dict[str, str]:
    """The environment of a workload process that imports dezero_plug from the tree ``root``."""
    # Only the builtins: an installed third-party plugin may not match an older tree's contract.
    env = dict(
        os.environ, PYTHONPATH=str(root), DEZERO_PLUG_BENCH_ROOT=str(root), DEZERO_PLUG_DISABLE_PLUGIN_AUTOLOAD="1"
    )
    env.pop("OPENBLAS_CORETYPE", None)
    return env


def workload(python: str, framework: str, name: str, *args: object, root: Path = HERE.parent) -> dict:
    env = bench_env(root)
    done = subprocess.run(
        [python, str(HERE / "workloads.py"), framework, name, *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{framework} {name} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def import_ms(python: str, module: str, repeats: int = 5) -> float:
    def wall(code: str) -> float:
        start = time.perf_counter()
        env = dict(os.environ, PYTHONPATH=str(HERE.parent))
        subprocess.run([python, "-c", code], check=True, capture_output=True, env=env)
        return time.perf_counter() - start

    base = statistics.median(wall("pass") for _ in range(repeats))
    return (statistics.median(wall(f"import {module}") for _ in range(repeats)) - base) * 1e3


def growth_exponent(points: list[tuple[int, float]]) -> float:
    """Least-squares slope of log(time) against log(n): 1 is linear, 2 quadratic."""
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(max(t, 1e-9)) for _, t in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


BASELINE_WORKLOADS = (
    ("per op, forward (us)", ("chain",), "forward_us"),
    ("per op, forward+backward (us)", ("chain",), "forward_backward_us"),
    ("per op, no_grad forward (us)", ("chain",), "no_grad_us"),
    ("MLP 784-1000-10 train step (ms)", ("train", "mlp"), "step_ms"),
    ("CNN c16-p-c32-p-fc10 train step (ms)", ("train", "cnn"), "step_ms"),
)


def step_by_step(trees: dict[str, Path], model: str, steps: int) -> dict[str, list[float]]:
    """µs of each tree's training steps, each of the two trees in a process of its own taking one step in turn.

    The processes are pinned to one CPU (where the OS allows it) and run one BLAS thread, so each step of
    one tree is measured right beside a step of the other, in the same state of the machine: a shared
    machine whose speed drifts over seconds moves both alike. (Whole runs one after another, the rows
    above, spread by 10-30 % here; two copies of one tree measured this way agree within about 1 %.)
    """
    cpus = os.sched_getaffinity(0) if hasattr(os, "sched_setaffinity") else set()
    cpu = max(cpus) if cpus else None
    pin = (lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None else None
    if len(cpus) > 1:  # this process, which only hands out the turns, keeps off that CPU
        os.sched_setaffinity(0, cpus - {cpu})
    procs = {
        label: subprocess.Popen(
            [sys.executable, str(HERE / "workloads.py"), "dezero_plug", "steps", model],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=dict(bench_env(root), DEZERO_PLUG_BENCH_THREADS="1"),
            preexec_fn=pin,
        )
        for label, root in trees.items()
    }
    times: dict[str, list[float]] = {label: [] for label in trees}
    try:
        for label, proc in procs.items():
            if proc.stdout.readline().strip() != "ready":  # type: ignore[union-attr]
                raise RuntimeError(
                    f"{label}'s {model} steps did not start (run workloads.py dezero_plug steps {model})"
                )
        for _ in range(steps):
            for label in procs:  # the same order every time: each process always follows the other
                procs[label].stdin.write("\n")  # type: ignore[union-attr]
                procs[label].stdin.flush()  # type: ignore[union-attr]
                line = procs[label].stdout.readline()  # type: ignore[union-attr]
                if not line:
                    raise RuntimeError(f"{label}'s {model} steps ended after {len(times[label])} steps (see above)")
                times[label].append(float(line))
    finally:
        for proc in procs.values():  # end of input: each ends its loop; one that does not is killed
            proc.stdin.close()  # type: ignore[union-attr]
        for proc in procs.values():
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if cpus:
            os.sched_setaffinity(0, cpus)
    return times


def compare_with_baseline(ref: str, rounds: int) -> int:
    """HEAD's dezero_plug against the tree at ``ref``, interleaved round by round; medians and ratios."""
    import tempfile

    repo = HERE.parent
    with tempfile.TemporaryDirectory(prefix="dezero-plug-baseline-") as tmp:
        base = Path(tmp) / "tree"
        subprocess.run(
            ["git", "-C", str(repo), "worktree", "add", "--detach", str(base), ref], check=True, capture_output=True
        )
        try:
            trees = {"baseline": base, "HEAD": repo}
            for label, root in trees.items():
                script = str(HERE / "workloads.py")
                code = f"import runpy; runpy.run_path({script!r}); import dezero_plug; print(dezero_plug.__file__)"
                where = subprocess.run(
                    [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=bench_env(root)
                ).stdout.strip()
                assert where.startswith(str(root)), f"{label} imported dezero_plug from {where}, not {root}"
            paired = {
                model: (step_by_step(trees, model, 400), step_by_step({"HEAD": repo, "HEAD again": repo}, model, 400))
                for model in ("mlp", "cnn")
            }
            samples: dict[tuple[str, str], list[float]] = {}
            for _ in range(rounds):
                for args in {w[1] for w in BASELINE_WORKLOADS}:
                    for label, root in trees.items():
                        got = workload(sys.executable, "dezero_plug", *args, root=root)
                        for row, wargs, key in BASELINE_WORKLOADS:
                            if wargs == args and key in got:
                                samples.setdefault((row, label), []).append(got[key])
        finally:
            subprocess.run(["git", "-C", str(repo), "worktree", "remove", "--force", str(base)], capture_output=True)
    print(f"dezero_plug at HEAD against {ref}: medians of {rounds} interleaved rounds (each the median of its repeats)")
    print(f"{'workload':<40}{'baseline':>12}{'HEAD':>12}{'HEAD/base':>12}")
    for row, _, _ in BASELINE_WORKLOADS:
        if (row, "HEAD") in samples and (row, "baseline") in samples:
            old, new = statistics.median(samples[row, "baseline"]), statistics.median(samples[row, "HEAD"])
            print(f"{row:<40}{old:>12.3f}{new:>12.3f}{new / old:>11.3f}x")
    print("\nStep by step on one CPU, one BLAS thread (400 steps each; the median of the per-step ratios, and, in")
    print("a second such run, 'HEAD again' against HEAD: how close to 1 two copies of one tree come, the resolution)")
    for model, (times, control) in paired.items():
        old, new = statistics.median(times["baseline"]), statistics.median(times["HEAD"])
        ratio = statistics.median(h / b for h, b in zip(times["HEAD"], times["baseline"]))
        again = statistics.median(a / h for a, h in zip(control["HEAD again"], control["HEAD"]))
        row = f"{model.upper()} train step, step by step (ms)"
        print(f"{row:<40}{old / 1e3:>12.3f}{new / 1e3:>12.3f}{ratio:>11.3f}x   (HEAD again / HEAD {again:.3f}x)")
    return 0


def _imports(python: str, module: str) -> bool:
    done = subprocess.run([python, "-c", f"import {module}"], capture_output=True, env=bench_env(HERE.parent))
    return done.returncode == 0


def on_torch(rounds: int) -> dict[str, float]:
    """dezero_plug on torch tensors (its torch plugin) against plain torch eager, both on the CPU: W1, W2, W3."""
    samples: dict[tuple[str, str], list[float]] = {}
    for _ in range(rounds):  # interleaved, a fresh process each
        for framework in ("dezero_plug_torch", "torch"):
            chain = workload(sys.executable, framework, "chain")
            for key in ("forward_us", "forward_backward_us", "no_grad_us"):
                samples.setdefault((key, framework), []).append(chain[key])
            for model in ("mlp", "cnn"):
                step = workload(sys.executable, framework, "train", model)["step_ms"]
                samples.setdefault((f"train_{model}", framework), []).append(step)
    rows = (
        ("forward_us", "per op, forward (us)"),
        ("forward_backward_us", "per op, forward+backward (us)"),
        ("no_grad_us", "per op, no_grad forward (us)"),
        ("train_mlp", "MLP 784-1000-10 train step (ms)"),
        ("train_cnn", "CNN c16-p-c32-p-fc10 step (ms)"),
    )
    print(f"\ndezero_plug on torch tensors (plugins/dezero-plug-torch) against torch eager, medians of {rounds} rounds")
    print(f"{'workload':<38}{'dz on torch':>14}{'torch':>14}{'ratio':>10}")
    medians = {}
    for key, label in rows:
        ours, theirs = (statistics.median(samples[key, f]) for f in ("dezero_plug_torch", "torch"))
        medians[key] = ours
        print(f"{label:<38}{ours:>14.2f}{theirs:>14.2f}{ours / theirs:>9.2f}x")
    return medians


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", metavar="GIT_REF", help="compare HEAD with the tree at this git ref")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds for --baseline (default 5)")
    parser.add_argument("--quick", action="store_true", help="smaller wide graphs, fewer frameworks' long runs")
    parser.add_argument("--dezero-python", help="python of a venv where `import dezero` (0.0.13) works")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    args = parser.parse_args()
    if args.baseline:
        return compare_with_baseline(args.baseline, max(args.rounds, 1))
    pythons = interpreters(args)
    frameworks = [f for f in ("dezero_plug", "dezero", "torch", "numpy") if f in pythons]
    print(f"frameworks: {', '.join(frameworks)} (missing peers are skipped; see benchmarks/README.md)\n")
    results: dict[str, dict] = {f: {} for f in frameworks}

    # Frameworks interleaved over rounds, each round a fresh process; the median of the rounds' medians.
    rounds: dict[tuple[str, str], list[dict]] = {}
    for _ in range(3 if args.quick else 5):
        for f in frameworks:
            rounds.setdefault((f, "chain"), []).append(workload(pythons[f], f, "chain"))
            rounds.setdefault((f, "conv"), []).append(workload(pythons[f], f, "conv"))
            for model in ("mlp", "cnn"):
                rounds.setdefault((f, f"train_{model}"), []).append(workload(pythons[f], f, "train", model))
    for (f, name), got in rounds.items():
        medians = {key: statistics.median(r[key] for r in got) for key in got[0]}
        results[f][name] = medians["step_ms"] if name.startswith("train_") else medians
    if "numpy" in frameworks:  # dezero_plug against numpy, block by block in one process (see workloads.paired)
        for model in ("mlp", "cnn"):
            results["dezero_plug"][f"paired_{model}"] = workload(pythons["numpy"], "dezero_plug", "paired", model)
    for f in frameworks:
        results[f]["memory"] = workload(pythons[f], f, "memory")
        points = []
        for n in WIDE_SIZES[:4] if args.quick else WIDE_SIZES:
            seconds = workload(pythons[f], f, "wide", n)["backward_s"]
            points.append((n, seconds))
            if seconds > 5:  # a quadratic peer: enough points for the exponent
                break
        results[f]["wide"] = points
        module = {"numpy": "numpy", "dezero_plug": "dezero_plug", "dezero": "dezero", "torch": "torch"}[f]
        results[f]["import_ms"] = import_ms(pythons[f], module)

    def row(label: str, values: dict[str, float], fmt: str) -> None:
        cells = [format(values[f], fmt) if f in values else "-" for f in frameworks]
        ours = values.get("dezero_plug")
        peers = [p for p in ("numpy", "dezero", "torch") if p in values and ours and values[p]]
        ratios = [f"{ours / values[p]:.2f}x {p}" for p in peers]
        print(f"{label:<38}" + "".join(f"{c:>14}" for c in cells) + "   dezero_plug = " + ", ".join(ratios))

    print(f"{'workload':<38}" + "".join(f"{f:>14}" for f in frameworks))
    row("per op, forward (us)", {f: results[f]["chain"]["forward_us"] for f in frameworks}, ".2f")
    row("per op, forward+backward (us)", {f: results[f]["chain"]["forward_backward_us"] for f in frameworks}, ".2f")
    row("per op, no_grad forward (us)", {f: results[f]["chain"]["no_grad_us"] for f in frameworks}, ".2f")
    chain = results["dezero_plug"]["chain"]
    backward_per_forward = (chain["forward_backward_us"] - chain["forward_us"]) / chain["forward_us"]
    print(f"{'  dezero_plug backward / forward per op':<38}{backward_per_forward:>14.2f}")
    row("MLP 784-1000-10 train step, batch 100 (ms)", {f: results[f]["train_mlp"] for f in frameworks}, ".2f")
    row("CNN c16-p-c32-p-fc10 step, batch 32 (ms)", {f: results[f]["train_cnn"] for f in frameworks}, ".2f")
    for model, label in (("mlp", "MLP"), ("cnn", "CNN")):
        got = results["dezero_plug"].get(f"paired_{model}")
        if got:
            print(
                f"{'  ' + label + ' step, paired in one process':<38}dezero_plug {got['dezero_plug_ms']:.2f} ms, numpy "
                f"{got['numpy_ms']:.2f}: {got['ratio']:.3f}x numpy (block ratios' quartiles {got['ratio_q1']:.3f}-"
                f"{got['ratio_q3']:.3f}; numpy against itself {got['control']:.3f}x)"
            )
    row("conv2d 3x3 fwd+bwd, (32,16,14,14) (ms)", {f: results[f]["conv"]["conv_ms"] for f in frameworks}, ".2f")
    row("max pooling 2x2 fwd+bwd (ms)", {f: results[f]["conv"]["pool_ms"] for f in frameworks}, ".2f")
    common = max(n for n, _ in results["dezero_plug"]["wide"] if all(n in dict(results[f]["wide"]) for f in frameworks))
    row(f"wide backward, n = {common} (s)", {f: dict(results[f]["wide"])[common] for f in frameworks}, ".4f")
    largest = results["dezero_plug"]["wide"][-1]
    print(f"{'  dezero_plug at n = ' + str(largest[0]) + ' (s)':<38}{largest[1]:>14.4f}")
    row("wide backward growth exponent", {f: growth_exponent(results[f]["wide"]) for f in frameworks}, ".2f")
    row("peak memory, 50 tanh 1000x1000 (MB)", {f: results[f]["memory"]["peak_mb"] for f in frameworks}, ".0f")
    row("import (ms)", {f: results[f]["import_ms"] for f in frameworks}, ".0f")
    print("\nratios < 1 mean dezero_plug is faster/smaller; the growth exponent is 1 for linear, 2 for quadratic")
    if "torch" in frameworks and _imports(sys.executable, "dezero_plug_torch"):
        results["dezero_plug_torch"] = on_torch(3 if args.quick else 5)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
