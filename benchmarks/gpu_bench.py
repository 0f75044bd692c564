"""GPU training-step benchmarks: dezero_plug on cupy vs dezero_plug on numpy (CPU) and, when installed, PyTorch CUDA.

Run by gpu_check.sh on a machine with an NVIDIA GPU; prints a table of ms per step and the speed-ups.
"""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run(framework, model, device):
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import json, workloads; print(json.dumps(workloads.train({framework!r}, {model!r}, {device!r})))",
        ],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        return None, done.stderr.strip().splitlines()[-1] if done.stderr else "failed"
    return json.loads(done.stdout.strip().splitlines()[-1])["step_ms"], None


def main():
    rows = [("dezero_plug", "cpu"), ("dezero_plug", "gpu")]
    if importlib.util.find_spec("torch") is not None:
        rows += [("torch", "cpu"), ("torch", "gpu")]
    print(f"{'model':<6}{'framework':<14}{'device':<8}{'ms/step':>10}{'speed-up vs dezero_plug CPU':>32}")
    for model in ("mlp", "cnn"):
        base = None
        for framework, device in rows:
            ms, error = run(framework, model, device)
            if framework == "dezero_plug" and device == "cpu":
                base = ms
            shown = f"{ms:10.3f}{base / ms if base and ms else 0:31.1f}x" if ms else f"  failed: {error}"
            print(f"{model:<6}{framework:<14}{device:<8}{shown}")


if __name__ == "__main__":
    main()
