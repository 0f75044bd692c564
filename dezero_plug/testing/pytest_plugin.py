"""dezero_plug's pytest plugin: the backend under test, its fixtures, and conformance tests for every registered op.

Only a project that enables it gets it (see the top-level ``dezero_plug_pytest``,
the ``pytest11`` entry point, which otherwise adds options alone). Enabled, it
provides the fixtures ``dezero_plug_backend``, ``dezero_plug_xp``,
``dezero_plug_asarray`` and ``dezero_plug_to_numpy`` (the unprefixed names of
the previous release still work, with a DeprecationWarning), and
``--dezero-plug-conformance`` (or the ini key ``dezero_plug_conformance = true``
for runs over ``testpaths``) collects ``dezero_plug/testing/conformance.py``,
parametrized over every registered op's samples; ``--dezero-plug-conformance-plugins``
and ``--dezero-plug-conformance-ops`` narrow them, and a name that matches
nothing is a usage error, never a green run of nothing.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dezero_plug_pytest import BACKEND_ENV
from dezero_plug_pytest import add_options


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)  # already there when the entry point ran: then nothing is added


def backend_name(config: pytest.Config) -> str:
    """The backend under test: the option, else $DEZERO_PLUG_BACKEND, else numpy."""
    return config.getoption("dezero_plug_backend") or os.environ.get(BACKEND_ENV) or "numpy"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "backend(*names): run only when the backend under test is one of names")
    refuse_unknown_backend(backend_name(config))
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


def _names(config: pytest.Config, option: str) -> set[str]:
    return {p.strip() for p in config.getoption(option).split(",") if p.strip()}


def conformance_cases(config: pytest.Config) -> list[tuple[str, str, str, Any]]:
    """(plugin, op, sample id, OpSample) for every sample of every registered plugin, narrowed by the options.

    Raises:
        pytest.UsageError: when a plugin or op named in the options has no samples (a typo must not pass).
    """
    cached = getattr(config, "_dezero_plug_cases", None)
    if cached is not None:
        return cached
    from dezero_plug.plugins import plugin_manager

    samples = plugin_manager.op_samples()
    plugins, ops = _names(config, "dezero_plug_conformance_plugins"), _names(config, "dezero_plug_conformance_ops")
    unknown = sorted(plugins - set(plugin_manager.names()))
    if unknown:
        raise pytest.UsageError(
            f"--dezero-plug-conformance-plugins names {unknown}, which is no registered plugin; "
            f"plugins with op samples: {', '.join(sorted(samples))} (python -m dezero_plug plugins lists them all)"
        )
    covered = {name: s for name, s in samples.items() if not plugins or name in plugins}
    known_ops = {op for s in covered.values() for op in s}
    if sorted(ops - known_ops):
        raise pytest.UsageError(
            f"--dezero-plug-conformance-ops names {sorted(ops - known_ops)}, which have no samples in "
            f"{', '.join(sorted(covered))}; ops with samples there: {', '.join(sorted(known_ops))}"
        )
    cases = []
    for plugin, by_op in covered.items():
        for op, op_samples in by_op.items():
            if ops and op not in ops:
                continue
            for i, sample in enumerate(op_samples):
                cases.append((plugin, op, sample.id or str(i), sample))
    config._dezero_plug_cases = cases  # type: ignore[attr-defined]
    return cases


def optimizer_cases(config: pytest.Config) -> list[tuple[str, str, Any]]:
    """(plugin, name, class) for every Optimizer subclass a covered plugin exports that takes no arguments."""
    import inspect

    from dezero_plug.optimizers import Optimizer
    from dezero_plug.plugins import plugin_manager

    plugins = _names(config, "dezero_plug_conformance_plugins")
    cases = []
    for name, record in plugin_manager.providers.get("optimizers", {}).items():
        cls = plugin_manager.exports["optimizers"][name]
        if plugins and record.name not in plugins or not (isinstance(cls, type) and issubclass(cls, Optimizer)):
            continue
        required = [p for p in inspect.signature(cls).parameters.values() if p.default is inspect.Parameter.empty]
        if not [p for p in required if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]:
            cases.append((record.name, name, cls))
    return cases


def functions_without_samples(config: pytest.Config) -> list[str]:
    """``plugin:function`` for every function a covered plugin exports without an op sample."""
    from dezero_plug.plugins import plugin_manager

    samples = plugin_manager.op_samples()
    plugins = _names(config, "dezero_plug_conformance_plugins")
    missing = []
    for name, record in plugin_manager.providers.get("functions", {}).items():
        if (not plugins or record.name in plugins) and name not in samples.get(record.name, {}):
            if name not in NOT_OPS:
                missing.append(f"{record.name}:{name}")
    return sorted(missing)


CONFORMANCE_TESTS = {"test_forward", "test_float32_in_float32_out", "test_backward", "test_double_backward"}
CONFORMANCE_TESTS |= {"test_backends_agree", "test_plain_and_differentiable_backward_agree", "test_optimizer"}
NOT_OPS = {"as_array", "as_variable"}  # kernel helpers DeZero's F re-exports: they make no graph


def pytest_collection_finish(session: pytest.Session) -> None:
    config = session.config
    if not getattr(config, "_dezero_plug_conformance", False):
        return
    missing = functions_without_samples(config)
    if missing and config.getoption("dezero_plug_conformance_strict"):
        raise pytest.UsageError(
            f"--dezero-plug-conformance-strict: functions without op samples: {', '.join(missing)}; "
            "give each an OpSample in its plugin's dezero_plug_op_samples hook"
        )
    config._dezero_plug_missing = missing  # type: ignore[attr-defined]


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """List the functions without samples, and a command that reruns each failed conformance test alone."""
    for report in terminalreporter.stats.get("failed", []):
        name = report.nodeid.rpartition("::")[2]
        test, _, case = name.partition("[")
        if test not in CONFORMANCE_TESTS or case.count(":") < 2:
            continue
        plugin, op, _ = case[:-1].split(":", 2)
        terminalreporter.write_line(
            f"rerun: pytest --dezero-plug-conformance --dezero-plug-conformance-plugins={plugin} "
            f"--dezero-plug-conformance-ops={op} -k '{name}'"
        )
    missing = getattr(config, "_dezero_plug_missing", [])
    if missing:
        terminalreporter.write_line(
            f"dezero_plug conformance: {len(missing)} function(s) without op samples, not tested: {', '.join(missing)}"
        )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for fixture, keep in (("op_case", lambda s: True), ("op_case_double", lambda s: s.double and s.grad)):
        if fixture in metafunc.fixturenames:
            cases = [c for c in conformance_cases(metafunc.config) if keep(c[3])]
            metafunc.parametrize(fixture, cases, ids=[f"{p}:{op}:{i}" for p, op, i, _ in cases])
    if "optimizer_case" in metafunc.fixturenames:
        cases = optimizer_cases(metafunc.config)
        metafunc.parametrize("optimizer_case", cases, ids=[f"{p}:{name}" for p, name, _ in cases])
    if "op_case_edge" in metafunc.fixturenames:  # derived from elementwise and reduction samples
        edges = [
            (p, op, f"{i}-{kind}", derived)
            for p, op, i, sample in conformance_cases(metafunc.config)
            for kind, derived in sample.edge_cases()
        ]
        metafunc.parametrize("op_case_edge", edges, ids=[f"{p}:{op}:{i}" for p, op, i, _ in edges])


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """When the backend under test cannot run here (no CUDA device ...), every test skips with the reason."""
    reason = unusable_reason(backend_name(config))
    if reason is not None:
        for item in items:
            item.add_marker(pytest.mark.skip(reason=reason))


def refuse_unknown_backend(name: str) -> None:
    """A backend name nobody registered is a usage error (pytest exits 4), not a run where every test skips.

    A registered backend that cannot run here (cupy without a CUDA device) still skips, with the reason.
    """
    from dezero_plug import backends

    if name not in backends.registered():
        known = ", ".join(backends.registered())
        raise pytest.UsageError(
            f"dezero_plug: no backend named {name!r} is registered (from --dezero-plug-backend or ${BACKEND_ENV}); "
            f"registered: {known}. Install the backend's plugin (pip install ./plugins/dezero-plug-{name}) or "
            "name one of those"
        )


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
def dezero_plug_backend(request: pytest.FixtureRequest) -> Any:
    """The Backend under test; skips (with the reason) when it cannot run here."""
    from dezero_plug import backends

    name = backend_name(request.config)
    reason = unusable_reason(name)
    if reason is not None:
        pytest.skip(reason)
    return backends.get_backend(name)


@pytest.fixture
def dezero_plug_xp(dezero_plug_backend: Any) -> Any:
    """The array namespace of the backend under test."""
    return dezero_plug_backend.xp


@pytest.fixture
def dezero_plug_asarray(dezero_plug_backend: Any) -> Callable[..., Any]:
    """``asarray(values, dtype=None)``: an array of the backend under test, made through numpy."""

    def make(values: Any, dtype: Any = None) -> Any:
        return dezero_plug_backend.from_numpy(np.asarray(values, dtype=dtype))

    return make


@pytest.fixture
def dezero_plug_to_numpy(dezero_plug_backend: Any) -> Callable[..., np.ndarray]:
    """``to_numpy(x)``: a Variable's or array's values as numpy, for assertions (``cuda.as_numpy``)."""
    from dezero_plug.cuda import as_numpy

    return as_numpy


def _deprecated_alias(old: str) -> Any:
    new = f"dezero_plug_{old}"

    @pytest.fixture(name=old)
    def alias(request: pytest.FixtureRequest) -> Any:
        warnings.warn(
            f"dezero_plug's fixture {old!r} is deprecated and will be removed in the next release; use {new!r}",
            DeprecationWarning,
            stacklevel=2,
        )
        return request.getfixturevalue(new)

    alias.__doc__ = f"Deprecated: use ``{new}``."
    return alias


backend = _deprecated_alias("backend")
xp = _deprecated_alias("xp")
asarray = _deprecated_alias("asarray")
to_numpy = _deprecated_alias("to_numpy")
