#!/usr/bin/env bash
# On a machine with an NVIDIA GPU and no network, whose Python already has CuPy, numpy, pluggy and pytest:
# run the whole suite on the cupy backend, the cupy plugin's tests, the MNIST example with --gpu, and the
# GPU benchmarks. No tox, no downloads: the project is installed from the working tree with --no-deps
# (or, where pip cannot build it, made importable with hand-written dist-info folders). Under 5 minutes.
set -uo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-benchmarks/out}"
mkdir -p "$out"
py="${PYTHON:-python3}"
status=0

if ! "$py" -m pip install --quiet --no-deps --no-build-isolation -e . ./plugins/dezero-plug-cupy ./plugins/dezero-plug-hyperbolic 2>"$out/pip.log"; then
    echo "pip could not build here (see $out/pip.log): using dist-info folders on PYTHONPATH"
    site="$(mktemp -d)"
    "$py" benchmarks/make_site.py "$site"
    export PYTHONPATH="$site:$PWD:$PWD/plugins/dezero-plug-cupy/src:$PWD/plugins/dezero-plug-hyperbolic/src${PYTHONPATH:+:$PYTHONPATH}"
fi
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt" || true
"$py" -m dezero_plug backends | tee -a "$out/gpu.txt"

echo "== the whole suite on the cupy backend"
timeout 240 "$py" -m pytest -q -p no:cacheprovider --dezero-plug-backend=cupy -x 2>&1 | tee "$out/pytest_cupy.txt" | tail -15 || status=1
grep -qE "[0-9]+ passed" "$out/pytest_cupy.txt" && ! grep -qE "[0-9]+ failed|error" "$out/pytest_cupy.txt" || status=1

echo "== the cupy plugin's own tests"
timeout 60 "$py" -m pytest -q -p no:cacheprovider --dezero-plug-backend=numpy plugins/dezero-plug-cupy/tests 2>&1 | tail -3 || status=1

echo "== the MNIST MLP example with --gpu (generated MNIST-shaped data)"
timeout 120 "$py" examples/mnist.py --synthetic --gpu --epochs 2 2>&1 | tee "$out/mnist_gpu.txt" | tail -3 || status=1

echo "== GPU benchmarks"
timeout 240 "$py" benchmarks/gpu_bench.py 2>&1 | tee "$out/gpu_bench.txt" || status=1
exit $status
