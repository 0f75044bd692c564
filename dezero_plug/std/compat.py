"""DeZero's functions namespace also re-exports the kernel's as_array and as_variable; so does ours."""

from __future__ import annotations

from typing import Any

from dezero_plug.extend import as_array
from dezero_plug.extend import as_variable
from dezero_plug.extend import hookimpl


@hookimpl
def dezero_plug_functions() -> list[Any]:
    return [as_array, as_variable]
