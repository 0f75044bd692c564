"""pytest plugin of dezero_plug: the backend under test, and conformance tests for every registered op.

Announced through pytest's ``pytest11`` entry point, it only adds options and
fixtures until asked: ``--dezero-plug-conformance`` (or the ini option
``dezero_plug_conformance = true`` for runs over ``testpaths``) collects
``dezero_plug/testing/conformance.py``, whose tests are parametrized over
every registered op's samples (``--dezero-plug-conformance-plugins=a,b``
narrows them to some plugins).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

BACKEND_ENV = "DEZERO_PLUG_BACKEND"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dezero_plug")
    group.addoption(
        "--dezero-plug-backend",
        default=None,
        help=f"array backend the tests run on: numpy, array_api_strict, cupy (default: ${BACKEND_ENV} or numpy)",
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
        help="comma-separated plugin names whose ops the conformance tests cover (default: all)",
    )
    parser.addini(
        "dezero_plug_conformance", type="bool", default=False, help="collect conformance tests when running testpaths"
    )


def backend_name(config: pytest.Config) -> str:
    """The backend under test: the option, else $DEZERO_PLUG_BACKEND, else numpy."""
    return config.getoption("dezero_plug_backend") or os.environ.get(BACKEND_ENV) or "numpy"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "backend(*names): run only when the backend under test is one of names")
    wanted = config.getoption("dezero_plug_conformance")
    if not wanted and config.getini("dezero_plug_conformance"):
        wanted = config.args_source == pytest.Config.ArgsSource.TESTPATHS
    if wanted:
        config.args.append(str(Path(__file__).with_name("conformance.py")))
    config._dezero_plug_conformance = wanted  # type: ignore[attr-defined]


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = [f"dezero_plug backend: {backend_name(config)}"]
    if getattr(config, "_dezero_plug_conformance", False):
        cases = conformance_cases(config)
        ops = {(c[0], c[1]) for c in cases}
        plugins = {c[0] for c in cases}
        lines.append(f"dezero_plug conformance: {len(cases)} samples of {len(ops)} ops from {len(plugins)} plugins")
    return lines


def conformance_cases(config: pytest.Config) -> list[tuple[str, str, str, Any]]:
    """(plugin, op, sample id, OpSample) for every sample of every registered plugin (filtered)."""
    from dezero_plug.plugins import plugin_manager

    only = {p.strip() for p in config.getoption("dezero_plug_conformance_plugins").split(",") if p.strip()}
    cases = []
    for plugin, samples in plugin_manager.op_samples().items():
        if only and plugin not in only:
            continue
        for op, op_samples in samples.items():
            for i, sample in enumerate(op_samples):
                cases.append((plugin, op, sample.id or str(i), sample))
    return cases


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for fixture, keep in (("op_case", lambda s: True), ("op_case_double", lambda s: s.double and s.grad)):
        if fixture in metafunc.fixturenames:
            cases = [c for c in conformance_cases(metafunc.config) if keep(c[3])]
            metafunc.parametrize(fixture, cases, ids=[f"{p}:{op}:{i}" for p, op, i, _ in cases])


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """When the backend under test cannot run here (no CUDA device ...), every test skips with the reason."""
    reason = unusable_reason(backend_name(config))
    if reason is not None:
        for item in items:
            item.add_marker(pytest.mark.skip(reason=reason))


def unusable_reason(name: str) -> str | None:
    """Why the backend ``name`` cannot run here, or None."""
    from dezero_plug import backends

    try:
        reason = backends.get_backend(name).unavailable_reason()
    except LookupError as exc:
        return str(exc)
    return None if reason is None else f"backend {name} is not usable here: {reason}"


def pytest_runtest_setup(item: pytest.Item) -> None:
    marker = item.get_closest_marker("backend")
    if marker is not None:
        name = backend_name(item.config)
        if name not in marker.args:
            pytest.skip(f"only meaningful on backend(s) {', '.join(marker.args)}; running on {name}")


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> Any:
    """The Backend under test; skips (with the reason) when it cannot run here."""
    from dezero_plug import backends

    name = backend_name(request.config)
    reason = unusable_reason(name)
    if reason is not None:
        pytest.skip(reason)
    return backends.get_backend(name)


@pytest.fixture
def xp(backend: Any) -> Any:
    """The array namespace of the backend under test."""
    return backend.xp


@pytest.fixture
def asarray(backend: Any) -> Callable[..., Any]:
    """``asarray(values, dtype=None)``: an array of the backend under test, made through numpy."""

    def make(values: Any, dtype: Any = None) -> Any:
        return backend.from_numpy(np.asarray(values, dtype=dtype))

    return make


@pytest.fixture
def to_numpy(backend: Any) -> Callable[..., np.ndarray]:
    """``to_numpy(x)``: a Variable's or array's values as numpy, for assertions (``cuda.as_numpy``)."""
    from dezero_plug.cuda import as_numpy

    return as_numpy
