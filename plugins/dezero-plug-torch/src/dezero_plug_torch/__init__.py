"""dezero-plug-torch: PyTorch tensors as a dezero_plug backend, registered through the plugin hooks.

torch is imported on first use, never at registration. dezero_plug owns the autograd: ops run
on tensors that do not require grad, and dezero_plug's backward does the differentiating.
"""

from __future__ import annotations

from typing import Any

from dezero_plug.extend import hookimpl
from dezero_plug_torch.backend import TorchBackend

__version__ = "0.1.0"


@hookimpl
def dezero_plug_backends() -> list[Any]:
    return [TorchBackend()]
