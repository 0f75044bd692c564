"""python -m dezero_plug plugins|ops|backends|new-plugin."""

import os
import subprocess
import sys

import pytest


def cli(*args):
    done = subprocess.run([sys.executable, "-m", "dezero_plug", *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_plugins_lists_builtins_and_distributions_with_what_they_registered():
    out = cli("plugins")
    assert "math  [builtin]  registered" in out
    assert "functions: abs, astype, clip, cos, exp, log, maximum, minimum, sin, sqrt, square, tanh, where" in out
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


@pytest.mark.backend("numpy")
def test_new_plugin_writes_a_distribution_that_installs_and_passes_its_own_kit(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEZERO_PLUG_")}
    made = subprocess.run(
        [sys.executable, "-m", "dezero_plug", "new-plugin", "demo"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert made.returncode == 0 and "wrote demo/" in made.stdout, made.stderr
    site = tmp_path / "site"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert installed.returncode == 0, installed.stderr
    env["PYTHONPATH"] = os.pathsep.join([str(site), *filter(None, [os.environ.get("PYTHONPATH")])])
    tested = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "demo/tests"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert tested.returncode == 0 and "2 passed" in tested.stdout, tested.stdout + tested.stderr


def test_new_plugin_refuses_a_name_that_is_not_an_identifier(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "dezero_plug", "new-plugin", "My-Plugin"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "'My-Plugin' is not a plugin name" in done.stderr
