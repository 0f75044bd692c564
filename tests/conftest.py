"""Shared test setup: the backend fixtures come from dezero_plug's pytest plugin (--dezero-plug-backend)."""

import pytest

from dezero_plug import backends


@pytest.fixture
def no_gpu_plugin():
    """Skip where a GPU backend plugin is installed: the messages for its absence are shown in tox -e numpy."""
    gpus = [b.name for b in backends.registered().values() if b.device_kind == "gpu"]
    if gpus:
        pytest.skip(f"a GPU backend plugin is installed ({', '.join(gpus)}): its absence cannot be shown here")
