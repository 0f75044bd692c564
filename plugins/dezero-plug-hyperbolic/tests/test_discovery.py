"""dezero-plug-hyperbolic is found through its entry point, with no edit to dezero_plug, and can be blocked."""

import os
import subprocess
import sys

import numpy as np

import dezero_plug
import dezero_plug.functions as F


def test_found_through_the_entry_point():
    record = dezero_plug.plugin_manager.records["hyperbolic"]
    assert record.source == "entry point"
    assert (record.distribution, record.status) == ("dezero-plug-hyperbolic", "registered")
    assert F.sinh.__module__ == "dezero_plug_hyperbolic"


def test_ops_and_method_work():
    x = dezero_plug.Variable(np.array(1.0))
    y = x.sinh()
    y.backward()
    assert np.isclose(x.grad.data, np.cosh(1.0))


def test_blocked_by_name():
    env = dict(os.environ, DEZERO_PLUG_DISABLE="hyperbolic")
    code = "import dezero_plug.functions as F\ntry:\n    F.sinh\nexcept AttributeError as e:\n    print(e)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert "has no attribute 'sinh'" in out
