#!/usr/bin/env bash
# On a machine with an NVIDIA GPU and no network, whose Python already has CuPy, numpy, pluggy and pytest:
# run the cupy plugin's tests, the whole suite on the cupy backend, the spiral example with --gpu, the
# GPU benchmarks, and, where a CUDA-enabled JAX is importable, the jax plugin's tests and the suite on jax. No tox, no downloads: the project is installed from the working tree with --no-deps
# (or, where pip cannot build it, made importable with hand-written dist-info folders).
# One run reports every failure (no -x) and ends inside 5 minutes: each step has its own time limit, and a
# pytest stopped at its limit is interrupted (SIGINT), so it still prints the failures it has seen.
# Logs go to $OUT (default benchmarks/out), at most 8 files, so one device call brings all of them back:
# from the workplace's device tool, run `bash benchmarks/gpu_check.sh` with timeout_s 590 (worst case ~8.5 min).
set -uo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-benchmarks/out}"
mkdir -p "$out"
py="${PYTHON:-python3}"
status=0
export PYTHONUNBUFFERED=1

if ! "$py" -m pip install --quiet --no-deps --no-build-isolation -e . ./plugins/dezero-plug-cupy ./plugins/dezero-plug-hyperbolic ./plugins/dezero-plug-jax >"$out/setup.txt" 2>&1; then
    echo "pip could not build here (see $out/setup.txt): using dist-info folders on PYTHONPATH"
    site="$(mktemp -d)"
    "$py" benchmarks/make_site.py "$site" >>"$out/setup.txt"
    export PYTHONPATH="$site:$PWD:$PWD/plugins/dezero-plug-cupy/src:$PWD/plugins/dezero-plug-hyperbolic/src:$PWD/plugins/dezero-plug-jax/src${PYTHONPATH:+:$PYTHONPATH}"
fi
{
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
    "$py" -c "import sys, numpy, cupy; print(sys.version.split()[0], 'numpy', numpy.__version__, 'cupy', cupy.__version__)"
    "$py" -m dezero_plug backends
} 2>&1 | tee "$out/gpu.txt"

# Spread the suite over CPU cores when pytest-xdist is there: CuPy compiles each new kernel on first use.
workers=()
"$py" -c "import xdist" 2>/dev/null && workers=(-n "$(( $(nproc) < 8 ? $(nproc) : 8 ))")
# Warnings are shown, not raised (the ini's "error"): one unforeseen CuPy/driver warning must not hide
# every other result of the one device run. They still fail the check, as they would fail tox.
pytest=("$py" -m pytest -q -p no:cacheprovider -rfEs --tb=short -W default)

verdict() {  # print what failed and any warnings; all skipped (no usable device) is no pass
    grep -E "^(FAILED|ERROR)" "$1" | head -40
    if grep -q "warnings summary" "$1"; then
        echo "warnings were raised (errors under the ini's filterwarnings):"
        grep -A12 "warnings summary" "$1" | head -12
        status=1
    fi
    grep -qE "[0-9]+ passed" "$1" || status=1
    tail -1 "$1"
}

echo "== the cupy plugin's own tests (round trip, training, save/load, the fused kernel on the device)"
timeout -s INT -k 10 45 "${pytest[@]}" --dezero-plug-backend=numpy plugins/dezero-plug-cupy/tests >"$out/plugin_tests.txt" 2>&1 || status=1
verdict "$out/plugin_tests.txt"

echo "== the whole suite on the cupy backend ${workers[*]}"
timeout -s INT -k 15 170 "${pytest[@]}" "${workers[@]}" --dezero-plug-backend=cupy >"$out/pytest_cupy.txt" 2>&1 || status=1
verdict "$out/pytest_cupy.txt"

echo "== the spiral example with --gpu (the book's step 48)"
timeout 45 "$py" examples/spiral.py --gpu --epochs 30 >"$out/spiral_gpu.txt" 2>&1 || status=1
tail -3 "$out/spiral_gpu.txt"

echo "== GPU benchmarks"
timeout 90 "$py" benchmarks/gpu_bench.py 2>&1 | tee "$out/gpu_bench.txt" || status=1
echo "== the jax backend on the GPU"
if "$py" -c "import jax, sys; sys.exit(jax.default_backend() not in ('gpu', 'cuda'))" >"$out/jax.txt" 2>&1; then
    {
        timeout -s INT -k 10 40 "${pytest[@]}" --dezero-plug-backend=numpy plugins/dezero-plug-jax/tests
        DEZERO_PLUG_JAX_X64=1 timeout -s INT -k 10 80 "${pytest[@]}" --dezero-plug-backend=jax tests/test_training_equality.py tests/test_optimizers.py tests/std
    } >>"$out/jax.txt" 2>&1 || status=1
    verdict "$out/jax.txt"
else
    echo "skipped: no CUDA-enabled JAX is importable here (pip install 'jax[cuda12]' for this check)"
fi

echo "== the torch backend on the GPU"
if "$py" -c "import torch, array_api_compat, sys; sys.exit(not torch.cuda.is_available())" >"$out/torch.txt" 2>&1; then
    "$py" -m pip install --quiet --no-deps --no-build-isolation ./plugins/dezero-plug-torch >>"$out/torch.txt" 2>&1 \
        || export PYTHONPATH="$PWD/plugins/dezero-plug-torch/src${PYTHONPATH:+:$PYTHONPATH}"
    {   # the plugin's tests (its CUDA training test runs here), then the suite's training equality with CUDA the default
        timeout -s INT -k 10 40 "${pytest[@]}" --dezero-plug-backend=numpy plugins/dezero-plug-torch/tests
        DEZERO_PLUG_PLUGINS=hyperbolic,torch DEZERO_PLUG_TORCH_DEVICE=cuda timeout -s INT -k 10 80 "${pytest[@]}" \
            --dezero-plug-backend=torch tests/test_training_equality.py tests/test_optimizers.py tests/std
    } >>"$out/torch.txt" 2>&1 || status=1
    verdict "$out/torch.txt"
else
    echo "skipped: no CUDA-enabled torch with array-api-compat is importable here"
fi

echo "gpu_check: $([ $status = 0 ] && echo all steps passed || echo SOME STEP FAILED, logs in "$out")"
exit $status
