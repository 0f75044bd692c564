"""Helpers the test modules share: a fresh interpreter with fixture plugin distributions on its path."""

import os
from importlib.metadata import entry_points
from pathlib import Path

from dezero_plug import testing

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
    blocked = [*foreign_plugins(), *(n for n in env.pop("DEZERO_PLUG_DISABLE", "").split(",") if n)]
    if blocked:
        env = {"DEZERO_PLUG_DISABLE": ",".join(blocked), **env}
    # the fixture sites first; the caller's PYTHONPATH after them (where dezero_plug is not pip-installed)
    paths = [str(FIXTURES / site) for site in sites] + [
        p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p
    ]
    return testing.run_fresh(code, timeout=120, warnings="default", **{"PYTHONPATH": os.pathsep.join(paths), **env})
