"""Helpers the test modules share: a fresh interpreter with fixture plugin distributions on its path."""

import os
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
# The plugins of this repository; any other installed dezero_plug plugin is someone else's.
OWN_PLUGINS = {"hyperbolic", "cupy", "jax", "readonly"}


def foreign_plugins():
    """Installed dezero_plug plugins that are not this repository's (tox -e foreign installs three)."""
    return sorted({ep.name for ep in entry_points(group="dezero_plug")} - OWN_PLUGINS)


def run_fresh(code, *sites, **env):
    """Run ``code`` in a fresh interpreter with fixture sites on its path; return (rc, stdout, stderr).

    Entry points autoload there, as for a user, but plugins installed from elsewhere are blocked,
    so that what the test asserts does not depend on what else is installed.
    """
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DEZERO_PLUG_")}
    blocked = [*foreign_plugins(), *(n for n in env.pop("DEZERO_PLUG_DISABLE", "").split(",") if n)]
    if blocked:
        environ["DEZERO_PLUG_DISABLE"] = ",".join(blocked)
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
