"""DeZero's ``dezero.core_simple``: here an alias of the one kernel (no second kernel behind a flag)."""

from dezero_plug.core import Config
from dezero_plug.core import Function
from dezero_plug.core import Parameter
from dezero_plug.core import Variable
from dezero_plug.core import as_array
from dezero_plug.core import as_variable
from dezero_plug.core import no_grad
from dezero_plug.core import setup_variable
from dezero_plug.core import test_mode
from dezero_plug.core import using_config

__all__ = [
    "Config",
    "Function",
    "Parameter",
    "Variable",
    "as_array",
    "as_variable",
    "no_grad",
    "setup_variable",
    "test_mode",
    "using_config",
]
