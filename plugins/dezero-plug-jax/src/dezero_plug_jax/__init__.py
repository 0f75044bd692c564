"""dezero-plug-jax: JAX arrays as a dezero_plug backend, registered through the plugin hooks.

JAX is imported on first use, never at registration. Eager JAX only: ops run
one by one on concrete arrays; ``jax.jit`` and ``jax.grad`` tracing through
dezero_plug is out of scope (dezero_plug's own backward does the differentiating).
"""

from __future__ import annotations

from typing import Any

from dezero_plug.extend import hookimpl
from dezero_plug_jax.backend import JaxBackend

__version__ = "0.1.0"


@hookimpl
def dezero_plug_backends() -> list[Any]:
    return [JaxBackend()]
