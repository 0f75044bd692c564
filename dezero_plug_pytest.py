"""The ``pytest11`` entry point of dezero-plug: it adds options and ini keys, and nothing else until asked.

Installing dezero-plug must not change test runs of unrelated projects, so
this module lives outside the ``dezero_plug`` package (importing anything
under it runs ``dezero_plug/__init__`` and loads every installed plugin) and
imports none of it. A project asks for dezero_plug's pytest plugin
(``dezero_plug.testing.pytest_plugin``: the ``dezero_plug_*`` fixtures, the
backend under test, the conformance kit) with any of:

* the ini key ``dezero_plug = true`` (``[tool.pytest.ini_options]``, pytest.ini ...);
* ``-p dezero_plug.testing.pytest_plugin``, or ``pytest_plugins = ["dezero_plug.testing.pytest_plugin"]``
  in a conftest;
* a ``--dezero-plug-*`` option on the command line.

``DEZERO_PLUG_BACKEND`` in the environment alone does not: it only chooses the
backend once the plugin is on.
"""

from __future__ import annotations

from typing import Any

import pytest

FULL_PLUGIN = "dezero_plug.testing.pytest_plugin"
BACKEND_ENV = "DEZERO_PLUG_BACKEND"


def add_options(parser: pytest.Parser) -> None:
    """dezero_plug's options and ini keys, added once (this module and the full plugin both call it)."""
    group = parser.getgroup("dezero_plug")
    if any(option.dest == "dezero_plug_backend" for option in group.options):
        return
    group.addoption(
        "--dezero-plug-backend",
        default=None,
        help=f"array backend the tests run on: numpy, array_api_strict, jax ... (default: ${BACKEND_ENV} or numpy)",
    )
    group.addoption(
        "--dezero-plug-conformance",
        action="store_true",
        default=False,
        help="collect conformance tests (forward, gradient, double backward, backends agree) for registered ops",
    )
    group.addoption(
        "--dezero-plug-conformance-plugins",
        default="",
        help="comma-separated plugin names whose ops the conformance tests cover (default: all); unknown names fail",
    )
    group.addoption(
        "--dezero-plug-conformance-ops",
        default="",
        help="comma-separated op names the conformance tests cover (default: all); unknown names fail",
    )
    group.addoption(
        "--dezero-plug-conformance-strict",
        action="store_true",
        default=False,
        help="fail the run when a covered plugin exports a function without op samples",
    )
    parser.addini("dezero_plug", type="bool", default=False, help="enable dezero_plug's pytest plugin")
    parser.addini(
        "dezero_plug_conformance", type="bool", default=False, help="collect conformance tests when running testpaths"
    )


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def asked(config: pytest.Config) -> bool:
    """Whether this run asked for dezero_plug's pytest plugin (ini key or an explicit option)."""
    options: list[Any] = [
        config.getoption(name)
        for name in (
            "dezero_plug_backend",
            "dezero_plug_conformance",
            "dezero_plug_conformance_plugins",
            "dezero_plug_conformance_ops",
            "dezero_plug_conformance_strict",
        )
    ]
    return bool(config.getini("dezero_plug")) or any(options)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if asked(config) and not config.pluginmanager.has_plugin(FULL_PLUGIN):
        config.pluginmanager.import_plugin(FULL_PLUGIN)
