"""Helpers the test modules share: a fresh interpreter with fixture plugin distributions on its path."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


def run_fresh(code, *sites, **env):
    """Run ``code`` in a fresh interpreter with fixture sites on its path; return (rc, stdout, stderr)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DEZERO_PLUG_")}
    # the fixture sites first; the caller's PYTHONPATH after them (where dezero_plug is not pip-installed)
    paths = [str(FIXTURES / site) for site in sites] + [
        p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p
    ]
    environ["PYTHONPATH"] = os.pathsep.join(paths)
    environ.update(env)
    done = subprocess.run(
        [sys.executable, "-W", "default", "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
    )
    return done.returncode, done.stdout, done.stderr
