"""python -m dezero_plug plugins|ops|backends."""

import subprocess
import sys


def cli(*args):
    done = subprocess.run([sys.executable, "-m", "dezero_plug", *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_plugins_lists_builtins_and_distributions_with_what_they_registered():
    out = cli("plugins")
    assert "math  [builtin]  registered" in out
    assert "functions: abs, clip, cos, exp, log, maximum, minimum, sin, sqrt, square, tanh, where" in out
    assert "hyperbolic  [dezero-plug-hyperbolic 0.1.0]  registered" in out


def test_ops_names_the_provider_of_every_name():
    out = cli("ops")
    assert "functions:" in out and "variable_methods:" in out and "backends:" in out
    lines = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.startswith("    ")}
    assert lines["tanh"] == ["math", "(dezero_plug.std.math)"]
    assert lines["sinh"] == ["hyperbolic", "(dezero_plug_hyperbolic)"]
    assert lines["__add__"][0] == "arithmetic"


def test_backends_says_which_run_here():
    out = cli("backends")
    assert out.splitlines()[0].split() == ["numpy", "cpu", "usable", "[mutable,", "float64]"]
    assert "array_api_strict" in out


def test_unknown_command_is_a_usage_error():
    done = subprocess.run([sys.executable, "-m", "dezero_plug", "opz"], capture_output=True, text=True)
    assert done.returncode == 2 and "invalid choice: 'opz'" in done.stderr
