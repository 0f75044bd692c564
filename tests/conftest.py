"""Shared test setup: the backend fixtures come from dezero_plug's pytest plugin (--dezero-plug-backend)."""

import os
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck
from hypothesis import settings

from dezero_plug import backends
from dezero_plug import hookimpl
from dezero_plug import plugin_manager

# Property tests (tests/test_properties.py): in CI (tox passes CI) derandomized, a fixed example count, no
# example database, no deadline (a shared 2-core machine); locally the same count, random seeds.
settings.register_profile("ci", derandomize=True, max_examples=30, database=None, deadline=None)
settings.register_profile("dev", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")


# This project's own short names for the fixtures of dezero_plug's pytest plugin (enabled in pyproject.toml).
@pytest.fixture
def backend(dezero_plug_backend):
    return dezero_plug_backend


@pytest.fixture
def xp(dezero_plug_xp):
    return dezero_plug_xp


@pytest.fixture
def asarray(dezero_plug_asarray):
    return dezero_plug_asarray


@pytest.fixture
def to_numpy(dezero_plug_to_numpy):
    return dezero_plug_to_numpy


@pytest.fixture
def no_gpu_plugin():
    """Skip where a GPU backend plugin is installed: the messages for its absence are shown in tox -e numpy."""
    gpus = [b.name for b in backends.registered().values() if b.device_kind == "gpu"]
    if gpus:
        pytest.skip(f"a GPU backend plugin is installed ({', '.join(gpus)}): its absence cannot be shown here")


@pytest.fixture
def readonly_backend():
    """The read-only test backend (tests/fixtures/readonly), registered at run time when not installed."""
    if "readonly" in backends.registered():
        yield backends.get_backend("readonly")
        return
    sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "readonly"))
    import dezero_plug_readonly

    plugin_manager.register(dezero_plug_readonly, name="readonly")
    try:
        yield backends.get_backend("readonly")
    finally:
        plugin_manager.unregister("readonly")
        sys.path.pop(0)


@pytest.fixture
def flaky_backend():
    """A real backend, registered as a plugin's, whose ``from_numpy`` raises ``fault`` at its call number ``at``."""

    class FlakyArray(np.ndarray):
        pass

    class Flaky(backends.Backend):
        name = "flaky"
        device_kind = "cpu"
        array_types = (FlakyArray,)
        xp = np
        calls, at, fault = 0, None, None

        def from_numpy(self, array, device=None):
            self.calls += 1
            if self.calls == self.at:
                raise self.fault
            return np.array(array, copy=True).view(FlakyArray)

        def to_numpy(self, array):
            return np.asarray(array).view(np.ndarray)

    backend = Flaky()
    plugin = types.ModuleType("flaky")
    plugin.dezero_plug_backends = hookimpl(lambda: [backend])
    plugin_manager.register(plugin)
    try:
        yield backend
    finally:
        plugin_manager.unregister("flaky")
