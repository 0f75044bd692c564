#!/usr/bin/env bash
# Install the peers the benchmarks compare against (optional; run.py skips what is missing):
#  - dezero 0.0.13 in a venv of its own (it needs numpy < 1.24 and matplotlib);
#  - PyTorch 2.13.0 CPU in the current environment.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python3 -m venv "$here/.venv-dezero"
"$here/.venv-dezero/bin/pip" install --quiet "numpy<1.24" matplotlib dezero==0.0.13
python3 -m pip install --quiet torch==2.13.0
