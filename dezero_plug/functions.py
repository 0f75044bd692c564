"""``dezero_plug.functions`` (``F``): every function the plugins provide (``F.sin``, ``F.matmul`` ...).

Filled by the plugin manager at import; a missing name explains itself
(close names, the plugin that would provide it, conflicts).
"""

from __future__ import annotations

from dezero_plug.namespace import accessors as _accessors

__getattr__, __dir__ = _accessors("functions", __name__)
