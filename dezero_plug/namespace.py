"""The module ``__getattr__``/``__dir__`` shared by the namespaces the registry fills (F, L, models ...)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from dezero_plug.registry import REGISTRY


def accessors(kind: str, module: str) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` that explains a missing name of ``kind``, and ``__dir__`` listing the registered ones too."""

    def __getattr__(name: str) -> Any:
        return REGISTRY.missing(kind, name, sys.modules[module])

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[module])) | set(REGISTRY.names(kind)))

    return __getattr__, __dir__
