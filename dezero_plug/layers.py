"""``dezero_plug.layers`` (``L``): the layers the plugins provide.

Filled by the plugin manager at import; a missing name explains itself
(close names, the plugin that would provide it, conflicts).
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    from dezero_plug.plugins import plugin_manager

    return plugin_manager.missing_name("layers", name)


def __dir__() -> list[str]:
    from dezero_plug.plugins import plugin_manager

    return sorted(set(globals()) | set(plugin_manager.exports["layers"]))
