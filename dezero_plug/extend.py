"""``dezero_plug.extend``: everything a plugin is written with — the builtin plugins use exactly this.

Import from here, not from the modules behind it (they may move; these names
follow the deprecation policy in CHANGELOG.md). By what you are writing:

* **an op**: subclass :class:`Function` (``forward`` on raw arrays, ``backward``
  on Variables, optionally ``backward_arrays`` on raw arrays where its algorithm differs), or
  :class:`Formula` to write its gradient once for both backward passes (:class:`Elementwise`: only
  dy/dx, for a one-input elementwise op), compute with
  ``get_array_module(x)`` (never ``np.`` directly), sum a broadcast gradient
  back with ``sum_to_array`` (raw) or ``F.sum_to`` (differentiable), check an
  ``axis=`` with ``normalize_axis``; a function built from other ops is marked
  ``@composite("name")`` so that its errors carry its name; give the kit samples with :class:`OpSample`
  (``distinct_values`` for ops with kinks, such as max and pooling);
* **a layer**: subclass :class:`Layer`, make lazily sized parameters with
  ``Parameter(None)`` and get them ready in ``forward`` with ``init_lazily``
  (``normal_weights`` draws DeZero's initial values on the input's backend);
* **an optimizer**: subclass :class:`Optimizer`, write ``init_state`` (the
  per-parameter arrays, on the parameter's backend) and ``update_one``, which
  reads them with ``self.state(param)`` (an :class:`OptimizerState`); an
  ``update`` that does more after ``super().update()`` wraps it all in
  ``whole_step(self)``, so that a Ctrl-C waits for the whole step;
* **a dataset**: subclass :class:`Dataset` (``prepare`` fills ``data`` and
  ``label``); fetch files with ``get_file`` (cached, verified, mirrors tried in order);
* **a backend**: subclass :class:`Backend` (every method a backend may
  implement is documented there, ``seed`` and ``random`` included);
* **a debugging hook**: subclass :class:`FunctionHook`;
* **a communicator**: subclass :class:`Communicator`;

and mark each hook implementation with :data:`hookimpl`. ``hookspecs.py``
documents every hook (what it returns, when it is called, how conflicts go).
"""

from __future__ import annotations

from dezero_plug.backends import Backend
from dezero_plug.backends import backend_of
from dezero_plug.backends import default_backend
from dezero_plug.backends import get_array_module
from dezero_plug.backends import get_backend
from dezero_plug.broadcasting import normalize_axis
from dezero_plug.broadcasting import sum_backward_shape
from dezero_plug.broadcasting import sum_to_array
from dezero_plug.composite import as_input
from dezero_plug.composite import composite
from dezero_plug.composite import raw_input
from dezero_plug.core import Config
from dezero_plug.core import Function
from dezero_plug.core import Parameter
from dezero_plug.core import Variable
from dezero_plug.core import as_array
from dezero_plug.core import as_variable
from dezero_plug.core import data_of
from dezero_plug.datasets import Dataset
from dezero_plug.derivative import Elementwise
from dezero_plug.derivative import Formula
from dezero_plug.derivative import ops_for
from dezero_plug.distributed import Communicator
from dezero_plug.download import get_file
from dezero_plug.function_hooks import FunctionHook
from dezero_plug.kinds import override
from dezero_plug.layers import Layer
from dezero_plug.layers import init_lazily
from dezero_plug.layers import normal_weights
from dezero_plug.models import Model
from dezero_plug.optimizers import Optimizer
from dezero_plug.optimizers import OptimizerState
from dezero_plug.optimizers import whole_step
from dezero_plug.plugins import hookimpl
from dezero_plug.registry import Kernel
from dezero_plug.testing import OpSample
from dezero_plug.testing import distinct_values

__all__ = [
    "Backend",
    "Communicator",
    "Config",
    "Dataset",
    "Elementwise",
    "Formula",
    "Kernel",
    "ops_for",
    "Function",
    "FunctionHook",
    "Layer",
    "Model",
    "OpSample",
    "Optimizer",
    "OptimizerState",
    "Parameter",
    "Variable",
    "as_array",
    "as_input",
    "as_variable",
    "backend_of",
    "composite",
    "data_of",
    "default_backend",
    "distinct_values",
    "get_array_module",
    "get_backend",
    "get_file",
    "hookimpl",
    "init_lazily",
    "normal_weights",
    "normalize_axis",
    "override",
    "raw_input",
    "sum_backward_shape",
    "sum_to_array",
    "whole_step",
]
