"""``dezero_plug.transforms``: the transforms the plugins provide.

Filled by the plugin manager at import; a missing name explains itself
(close names, the plugin that would provide it, conflicts).
"""

from __future__ import annotations

from dezero_plug.registry import accessors as _accessors

__getattr__, __dir__ = _accessors("transforms", __name__)
