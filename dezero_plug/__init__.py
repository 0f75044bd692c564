"""dezero_plug: DeZero rebuilt as a plugin system. ``import dezero_plug as dezero`` runs book code.

The kernel names (Variable, Function, Config ...) are defined first; the
plugins — builtin ones from ``dezero_plug/std`` and third-party ones from the
entry-point group ``dezero_plug`` — are loaded once, at the end of this file.
"""

from __future__ import annotations

from dezero_plug import backends
from dezero_plug import core
from dezero_plug import core_simple  # DeZero's teaching kernel: an alias of the one kernel
from dezero_plug import cuda  # noqa: E402
from dezero_plug import functions_conv  # noqa: E402
from dezero_plug._version import __version__
from dezero_plug.backends import Backend
from dezero_plug.core import Config
from dezero_plug.core import Function
from dezero_plug.core import Parameter
from dezero_plug.core import Variable
from dezero_plug.core import as_array
from dezero_plug.core import as_variable
from dezero_plug.core import no_grad
from dezero_plug.core import setup_variable  # noqa: E402
from dezero_plug.core import test_mode
from dezero_plug.core import using_config
from dezero_plug.dataloaders import DataLoader
from dezero_plug.dataloaders import SeqDataLoader
from dezero_plug.datasets import Dataset
from dezero_plug.errors import BackendMismatchError
from dezero_plug.errors import PluginConflictError
from dezero_plug.errors import PluginConflictWarning
from dezero_plug.errors import PluginError
from dezero_plug.errors import PluginLoadWarning
from dezero_plug.errors import PluginValidationError
from dezero_plug.kinds import override
from dezero_plug.layers import Layer
from dezero_plug.memory import keep_freed_memory
from dezero_plug.memory import keep_if_asked
from dezero_plug.models import Model
from dezero_plug.optimizers import Optimizer
from dezero_plug.plugins import hookimpl
from dezero_plug.plugins import plugin_manager

is_simple_core = False  # DeZero's flag (steps 23-32 import dezero with the simple core): here one kernel


__all__ = [
    "DataLoader",
    "Dataset",
    "Layer",
    "Model",
    "Optimizer",
    "SeqDataLoader",
    "dataloaders",
    "Backend",
    "BackendMismatchError",
    "Config",
    "Function",
    "Parameter",
    "PluginConflictError",
    "PluginConflictWarning",
    "PluginError",
    "PluginLoadWarning",
    "PluginValidationError",
    "Variable",
    "__version__",
    "as_array",
    "as_variable",
    "from_dlpack",
    "backends",
    "core",
    "core_simple",
    "cuda",
    "datasets",
    "distributed",
    "function_hooks",
    "functions",
    "hookimpl",
    "keep_freed_memory",
    "layers",
    "models",
    "no_grad",
    "optimizers",
    "override",
    "plugin_manager",
    "setup_variable",
    "is_simple_core",
    "test_mode",
    "transforms",
    "using_config",
    "utils",
    "functions_conv",
]

from dezero_plug import dataloaders  # noqa: E402
from dezero_plug import datasets  # noqa: E402
from dezero_plug import distributed  # noqa: E402
from dezero_plug import function_hooks  # noqa: E402
from dezero_plug import functions  # noqa: E402
from dezero_plug import layers  # noqa: E402
from dezero_plug import models  # noqa: E402
from dezero_plug import optimizers  # noqa: E402
from dezero_plug import transforms  # noqa: E402

keep_if_asked()  # DEZERO_PLUG_KEEP_FREED_MEMORY=1; otherwise malloc is left as it is
plugin_manager.load()

from dezero_plug import utils  # noqa: E402  (imports std families: after the plugins are loaded)
from dezero_plug.std.interop import from_dlpack  # noqa: E402
