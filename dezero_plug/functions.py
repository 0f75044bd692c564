"""``dezero_plug.functions`` (``F``): every function the plugins provide (``F.sin``, ``F.matmul`` ...).

Filled by the plugin manager at import; a missing name explains itself
(close names, the plugin that would provide it, conflicts).
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    from dezero_plug.plugins import plugin_manager

    return plugin_manager.missing_name("functions", name)


def __dir__() -> list[str]:
    from dezero_plug.plugins import plugin_manager

    return sorted(set(globals()) | set(plugin_manager.exports["functions"]))
