"""The plugin manager: discovery, blocking, broken plugins, strict mode, conflicts, overrides, run-time registration.

Entry-point cases use real distributions: dist-info folders under tests/fixtures
put on PYTHONPATH of a fresh interpreter, so each case starts from a clean import.
"""

import os
import subprocess
import sys
import types

import numpy as np
import pytest
from helpers import run_fresh as run

import dezero_plug
import dezero_plug.functions as F
from dezero_plug import PluginConflictError
from dezero_plug import PluginError
from dezero_plug import PluginValidationError
from dezero_plug import Variable
from dezero_plug import hookimpl
from dezero_plug import plugin_manager
from dezero_plug.registry import REGISTRY
from dezero_plug.std.loss import SoftmaxCrossEntropy
from dezero_plug.std.numpy_kernels import softmax_cross_entropy_forward


# ---------------------------------------------------------------- builtins and the real third-party plugin
def test_builtins_are_registered_under_their_module_basename():
    for name in ("numpy_backend", "arithmetic", "math", "shape", "reduction"):
        record = plugin_manager.records[name]
        assert (record.source, record.status, record.module.__name__) == (
            "builtin",
            "registered",
            f"dezero_plug.std.{name}",
        )
    assert F.sin.__module__ == "dezero_plug.std.math"


def test_third_party_plugin_is_discovered_through_its_entry_point():
    record = plugin_manager.records.get("hyperbolic")
    assert record is not None, "pip install --no-deps ./plugins/dezero-plug-hyperbolic (the test environment needs it)"
    assert (record.source, record.distribution, record.status) == (
        "entry point",
        "dezero-plug-hyperbolic",
        "registered",
    )
    x = Variable(np.array(0.5))
    y = x.cosh() + F.sinh(x)
    y.backward()
    assert np.isclose(x.grad.data, np.sinh(0.5) + np.cosh(0.5))


def test_disable_blocks_a_third_party_plugin_by_name():
    rc, out, err = run(
        """
        import dezero_plug
        print(dezero_plug.plugin_manager.records['hyperbolic'].status)
        import dezero_plug.functions as F
        print(hasattr(F, 'sinh'))
    """,
        DEZERO_PLUG_DISABLE="hyperbolic",
    )
    assert rc == 0, err
    assert out.split() == ["blocked", "False"]


def test_disable_blocks_a_builtin_and_the_name_says_who_provides_it():
    rc, out, err = run(
        """
        import dezero_plug.functions as F
        try:
            F.tanh
        except AttributeError as e:
            print(e)
    """,
        DEZERO_PLUG_DISABLE="math",
    )
    assert rc == 0, err
    assert "function 'tanh' is provided by plugin 'math' (builtin), which is blocked by DEZERO_PLUG_DISABLE" in out


def test_variable_explains_missing_methods_only_while_a_plugin_is_blocked_or_failed():
    # Variable.__getattr__ costs every attribute read of every op (CPython 3.11 does not specialize them),
    # so the plugin manager installs it only while there is something to explain.
    code = """
        import numpy as np
        import dezero_plug as d
        print("__getattr__" in vars(d.Variable))
        try:
            d.Variable(np.ones((2, 2))).dot
        except AttributeError as e:
            print(e)
    """
    rc, out, err = run(code)
    assert rc == 0, err
    assert out.splitlines()[0] == "False"  # the builtins bind dot: nothing to explain
    rc, out, err = run(code, DEZERO_PLUG_DISABLE="linalg")
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0] == "True"
    assert "'dot' is provided by plugin 'linalg' (builtin), which is blocked by DEZERO_PLUG_DISABLE" in lines[1], out


def test_blocking_the_numpy_backend_is_an_error():
    rc, _, err = run("import dezero_plug", DEZERO_PLUG_DISABLE="numpy_backend")
    assert rc != 0 and "plugin 'numpy_backend' is essential and cannot be blocked" in err


def test_disable_with_an_unknown_name_warns():
    rc, _, err = run("import dezero_plug", DEZERO_PLUG_DISABLE="nosuchplugin")
    assert rc == 0 and "DEZERO_PLUG_DISABLE names 'nosuchplugin', which is no installed plugin" in err


def test_autoload_off_skips_entry_points_but_named_ones_still_load():
    code = "import dezero_plug.functions as F; print(hasattr(F, 'sinh'), hasattr(F, 'sin'))"
    assert run(code, DEZERO_PLUG_DISABLE_PLUGIN_AUTOLOAD="1")[1].split() == ["False", "True"]
    assert run(code, DEZERO_PLUG_DISABLE_PLUGIN_AUTOLOAD="1", DEZERO_PLUG_PLUGINS="hyperbolic")[1].split() == [
        "True",
        "True",
    ]


def test_trace_reports_registration():
    rc, _, err = run("import dezero_plug", DEZERO_PLUG_TRACE="1")
    assert rc == 0 and "dezero_plug_functions" in err


def test_importing_a_plugin_module_first_still_registers_it_whole():
    rc, out, err = run("""
        import dezero_plug_hyperbolic
        import numpy as np
        import dezero_plug
        import dezero_plug.functions as F
        print(F.sinh(np.array(0.0)).data, dezero_plug.Variable(np.array(0.0)).cosh().data)
        record = dezero_plug.plugin_manager.records['hyperbolic']
        print(record.status, sorted(record.exports['functions']))
    """)
    assert rc == 0, err
    assert "implements no dezero_plug hook" not in err
    assert out.splitlines() == ["0.0 1.0", "registered ['asinh', 'cosh', 'hypot', 'logcosh', 'sinh']"]


# ---------------------------------------------------------------- broken plugins
def test_broken_plugin_warns_is_skipped_and_does_not_hide_later_ones():
    rc, out, err = run(
        """
        import dezero_plug, dezero_plug.functions as F
        print(dezero_plug.plugin_manager.records['broken'].status, hasattr(F, 'zlater_double'))
    """,
        "broken",
    )
    assert rc == 0, err
    assert out.split() == ["failed", "True"]
    assert (
        "PluginLoadWarning: plugin 'broken' (dezero-plug-broken 0.1) failed to load and was skipped: "
        "ModuleNotFoundError: No module named 'nothere'" in err
    )
    assert "DEZERO_PLUG_STRICT=1" in err


def test_strict_mode_raises_on_a_broken_plugin():
    rc, _, err = run("import dezero_plug", "broken", DEZERO_PLUG_STRICT="1")
    assert rc != 0 and "PluginError: plugin 'broken' (dezero-plug-broken 0.1) failed to load" in err


def test_a_hook_that_raises_registers_nothing_of_the_plugin():
    rc, out, err = run(
        """
        import dezero_plug, dezero_plug.functions as F
        print(dezero_plug.plugin_manager.records['hookerror'].status, hasattr(F, 'half_registered'))
        print(dezero_plug.plugin_manager._pm.has_plugin('hookerror'))
    """,
        "hookerror",
    )
    assert rc == 0, err
    assert out.split() == ["failed", "False", "False"]
    assert "RuntimeError: boom in variable_methods" in err


def test_a_plugin_may_not_rebind_kernel_attributes():
    rc, out, err = run("import dezero_plug; print(dezero_plug.plugin_manager.records['badreturn'].error)", "badreturn")
    assert rc == 0 and "cannot rebind Variable.backward: it belongs to the kernel" in out


def test_a_plugin_with_no_hooks_is_warned_about():
    rc, _, err = run("import dezero_plug", "nohooks")
    assert rc == 0 and "plugin 'nohooks' (dezero-plug-nohooks 0.1) implements no dezero_plug hook" in err


# ---------------------------------------------------------------- conflicts and overrides
def test_conflict_at_autoload_warns_exports_neither_and_using_the_name_raises():
    rc, out, err = run(
        """
        import dezero_plug.functions as F
        from dezero_plug import PluginConflictError
        try:
            F.gelu
        except PluginConflictError as e:
            print(e.plugins, e.name, e.kind)
            print(e)
    """,
        "conflict",
    )
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0] == "['acts', 'extra'] gelu functions"
    assert (
        "function 'gelu' is provided by plugin 'acts' (dezero-plug-acts 0.2) and plugin 'extra' (dezero-plug-extra 1.0)"
        in lines[1]
    )
    assert "DEZERO_PLUG_DISABLE=extra" in lines[1] and "override" in lines[1]
    assert "PluginConflictWarning" in err and "Neither version is exported" in err


def test_conflict_in_strict_mode_raises_at_import():
    rc, _, err = run("import dezero_plug", "conflict", DEZERO_PLUG_STRICT="1")
    assert rc != 0 and "PluginConflictError: function 'gelu'" in err


def test_blocking_one_side_resolves_the_conflict():
    rc, out, err = run("import dezero_plug.functions as F; print(F.gelu(1))", "conflict", DEZERO_PLUG_DISABLE="extra")
    assert (rc, out.strip()) == (0, "acts"), err


def test_an_explicit_override_wins_whatever_the_load_order():
    rc, out, err = run(
        "import dezero_plug.functions as F; print(F.gelu(1))", "conflict", "override", DEZERO_PLUG_DISABLE="extra"
    )
    assert (rc, out.strip()) == (0, "fastgelu"), err


def test_override_of_only_one_of_two_rivals_is_still_a_conflict():
    rc, out, err = run(
        """
        import dezero_plug.functions as F
        from dezero_plug import PluginConflictError
        try:
            F.gelu
        except PluginConflictError as e:
            print(e.plugins)
    """,
        "conflict",
        "override",
    )
    assert (rc, out.strip()) == (0, "['acts', 'extra', 'fastgelu']"), err


# ---------------------------------------------------------------- run-time registration
def _module(name, **hooks):
    module = types.ModuleType(name)
    for hook, fn in hooks.items():
        setattr(module, hook, hookimpl(fn))
    return module


def cube(x):
    """x cubed (a run-time plugin's function)."""
    return x**3


def test_runtime_register_refreshes_namespaces_and_unregister_removes():
    module = _module("cubes", dezero_plug_functions=lambda: [cube], dezero_plug_variable_methods=lambda: {"cube": cube})
    plugin_manager.register(module)
    try:
        assert F.cube is cube and Variable(np.array(2.0)).cube().data == 8.0
        assert "cube" in dir(F) and "cube" in F.__all__
    finally:
        plugin_manager.unregister("cubes")
    assert not hasattr(F, "cube") and not hasattr(Variable, "cube")


def test_runtime_conflict_raises_at_once_and_leaves_nothing_behind():
    def sin(x):
        """A rival sin."""

    module = _module("rival", dezero_plug_functions=lambda: [sin])
    with pytest.raises(
        PluginConflictError,
        match=r"function 'sin' is provided by plugin 'math' \(builtin\) and plugin 'rival' \(runtime\)",
    ) as info:
        plugin_manager.register(module)
    assert info.value.plugins == ["math", "rival"]
    assert "rival" not in plugin_manager.records and F.sin.__module__ == "dezero_plug.std.math"


def test_runtime_override_replaces_a_builtin_until_unregistered():
    def tanh(x):
        """A replacement tanh."""
        return "mine"

    plugin_manager.register(
        _module("mytanh", dezero_plug_functions=lambda: [dezero_plug.override(tanh, replaces="math")])
    )
    try:
        assert F.tanh(1.0) == "mine"
    finally:
        plugin_manager.unregister("mytanh")
    assert F.tanh.__module__ == "dezero_plug.std.math"


def test_a_backend_kernel_replaces_the_forward_and_the_ops_backward_still_works():
    calls = []

    def fused_forward(function, x, t):  # what a backend kernel returns: the loss alone, no state on the op
        calls.append(x.shape)
        shifted = x - x.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return -log_p[np.arange(len(t)), t].mean()

    # numpy has a builtin kernel for this op (numpy_kernels): replacing it is declared, never by order
    kernel = {(SoftmaxCrossEntropy, "numpy"): dezero_plug.override(fused_forward, replaces="numpy_kernels")}
    x, t = np.random.default_rng(0).standard_normal((4, 3)), np.array([2, 0, 1, 2])
    plain = Variable(x.copy())
    expected = F.softmax_cross_entropy(plain, t)
    expected.backward(create_graph=True)
    plugin_manager.register(_module("scekernel", dezero_plug_kernels=lambda: kernel))
    try:
        fused = Variable(x.copy())
        loss = F.softmax_cross_entropy(fused, t)
        loss.backward()  # a plain backward: the op may not rely on what its own forward cached
        assert calls == [(4, 3)] and float(loss.data) == pytest.approx(float(expected.data))
        np.testing.assert_allclose(fused.grad.data, plain.grad.data)
        twice = Variable(x.copy())
        F.softmax_cross_entropy(twice, t).backward(create_graph=True)
        np.testing.assert_allclose(twice.grad.data, plain.grad.data)
    finally:
        plugin_manager.unregister("scekernel")
    F.softmax_cross_entropy(Variable(x), t)
    assert len(calls) == 2  # unregistered: not called again; numpy's builtin kernel is back
    assert REGISTRY.kernels[SoftmaxCrossEntropy]["numpy"].forward is softmax_cross_entropy_forward


def test_a_kernel_may_carry_a_plain_backward_that_runs_only_unrecorded_and_only_on_its_backend():
    """``Kernel(forward, backward_arrays)``: the plain backward of that op on that backend is the kernel's; a
    recorded backward (create_graph) and the other backends keep the op's own."""
    from dezero_plug.extend import Kernel
    from dezero_plug.std.math import Exp

    seen = []

    def exp_backward(function, gy):  # what a backend's own algorithm would compute: gy * exp(x)
        seen.append(gy.shape)
        return gy * np.exp(function.inputs[0].data)

    kernel = {(Exp, "numpy"): Kernel(lambda function, x: np.exp(x), exp_backward)}
    plugin_manager.register(_module("expkernel", dezero_plug_kernels=lambda: kernel))
    try:
        x = Variable(np.array([0.5, 1.0]))
        F.exp(x).backward()
        assert seen == [(2,)]
        np.testing.assert_allclose(x.grad.data, np.exp([0.5, 1.0]))
        x.cleargrad()
        F.exp(x).backward(create_graph=True)  # recorded: the op's formula, so that it differentiates again
        assert seen == [(2,)] and x.grad.creator is not None
    finally:
        plugin_manager.unregister("expkernel")
    x = Variable(np.array([0.5]))
    F.exp(x).backward()
    assert seen == [(2,)]  # unregistered: the op's own plain backward again


def test_a_kernel_that_is_neither_callable_nor_a_kernel_is_refused_naming_the_op_and_plugin():
    from dezero_plug.extend import Kernel
    from dezero_plug.std.math import Exp

    bad = _module("badkernel", dezero_plug_kernels=lambda: {(Exp, "numpy"): Kernel(None, np.exp)})
    with pytest.raises(PluginValidationError, match=r"badkernel.*kernel of Exp"):
        plugin_manager.register(bad)
    assert "badkernel" not in plugin_manager.names()


def test_runtime_registration_failure_raises_and_registers_nothing():
    bad = _module("badhook", dezero_plug_functions=lambda: ["not callable"])
    with pytest.raises(
        PluginValidationError,
        match=r"plugin 'badhook' \(runtime\): hook dezero_plug_functions returned 'not callable', which has no __name_",
    ):
        plugin_manager.register(bad)
    assert "badhook" not in plugin_manager.names()


def test_unknown_hook_name_is_rejected_with_the_known_hooks():
    module = types.ModuleType("typo")
    module.dezero_plug_function = hookimpl(lambda: [])
    with pytest.raises(
        PluginError, match=r"unknown hook\(s\) \['dezero_plug_function'\]; known hooks: dezero_plug_backends"
    ):
        plugin_manager.register(module)


def test_registering_the_same_name_twice_is_an_error():
    with pytest.raises(PluginError, match="a plugin named 'math' is already registered"):
        plugin_manager.register(_module("math"))


def test_misspelt_function_suggests_the_close_name():
    with pytest.raises(
        AttributeError, match=r"module 'dezero_plug.functions' has no attribute 'sinn'. Did you mean: 'sin'\?"
    ):
        F.sinn


def test_no_hook_is_called_on_the_op_hot_path(monkeypatch):
    calls = []
    monkeypatch.setattr(plugin_manager._pm, "_hookexec", lambda *a, **k: calls.append(a) or [])
    x = Variable(np.array(1.0))
    y = F.tanh(x * 2 + 1).sum()
    y.backward(create_graph=True)
    assert calls == []


# ---------------------------------------------------------------- declared requirements
def test_blocking_arithmetic_blocks_its_dependants_with_one_warning_and_import_still_works():
    rc, out, err = run(
        """
        import numpy as np
        import dezero_plug, dezero_plug.functions as F
        records = dezero_plug.plugin_manager.records
        print(sorted(n for n, r in records.items() if r.status == "blocked" and r.source == "builtin"))
        print(F.reshape(np.ones((2, 3)), (3, 2)).shape)
        try:
            F.tanh
        except AttributeError as e:
            print(e)
    """,
        DEZERO_PLUG_DISABLE="arithmetic",
    )
    assert rc == 0, err
    lines = out.splitlines()
    blocked = eval(lines[0])
    assert {"arithmetic", "math", "activation", "reduction", "layers", "models"} <= set(blocked)
    assert "shape" not in blocked and "numpy_backend" not in blocked
    assert lines[1] == "(3, 2)"
    assert "plugin 'math' (builtin), which is blocked: it requires 'arithmetic', which is blocked" in lines[2]
    warning_lines = [line for line in err.splitlines() if "PluginLoadWarning" in line]
    assert len(warning_lines) == 1, err
    assert "DEZERO_PLUG_DISABLE=arithmetic" in warning_lines[0]
    for name in set(blocked) - {"arithmetic"}:
        assert f"plugin {name!r} (builtin)" in warning_lines[0]


def test_an_operator_of_a_blocked_plugin_says_which_plugin_and_why_instead_of_unsupported_operand():
    rc, out, err = run(
        """
        import numpy as np, types
        import dezero_plug
        x = dezero_plug.Variable(np.ones(2))
        for call in (lambda: x + 1, lambda: 1 + x, lambda: -x):
            try:
                call()
            except TypeError as e:
                print(e)
        mine = types.ModuleType("mine")  # a replacement for the blocked operator registers at run time
        mine.dezero_plug_variable_methods = dezero_plug.hookimpl(lambda: {"__add__": lambda a, b: "mine"})
        dezero_plug.plugin_manager.register(mine)
        print(x + 1)
    """,
        DEZERO_PLUG_DISABLE="arithmetic",
    )
    assert rc == 0, err
    add, radd, neg, mine = out.splitlines()
    blocked = "is provided by plugin 'arithmetic' (builtin), which is blocked by DEZERO_PLUG_DISABLE"
    assert add.startswith("Variable has no operator __add__: ") and blocked in add
    assert radd.startswith("Variable has no operator __radd__: ") and blocked in radd
    assert neg.startswith("Variable has no operator __neg__: ") and mine == "mine"


def test_an_operator_two_plugins_bind_raises_their_conflict_instead_of_unsupported_operand():
    code = """
        import numpy as np
        import dezero_plug
        x = dezero_plug.Variable(np.ones((2, 2)))
        try:
            x @ x
        except dezero_plug.PluginConflictError as e:
            print(type(e).__name__, e)
    """
    rc, out, err = run(code, "opconflict")
    assert rc == 0, err
    assert out.startswith("PluginConflictError Variable method '__matmul__' is provided by plugin 'linalg' (builtin)")
    assert "plugin 'matmul' (dezero-plug-matmul 0.1)" in out
    settled = code.replace("x @ x", "print((x @ x).data.tolist())")
    rc, out, err = run(settled, "opconflict", DEZERO_PLUG_DISABLE="matmul")
    assert rc == 0 and out.strip() == "[[2.0, 2.0], [2.0, 2.0]]", err  # blocking one settles it: the operator is back


def test_blocking_a_required_plugin_in_strict_mode_raises():
    rc, _, err = run("import dezero_plug", DEZERO_PLUG_DISABLE="arithmetic", DEZERO_PLUG_STRICT="1")
    assert rc != 0
    assert "PluginError: plugins blocked because a plugin they require is not registered" in err
    assert "plugin 'math' (builtin) requires 'arithmetic', which is blocked" in err


def test_blocking_the_whole_chain_on_purpose_warns_nothing():
    chain = [name for name, r in plugin_manager.records.items() if r.source == "builtin" and name != "numpy_backend"]
    chain = [n for n in chain if n not in ("strict_backend", "compat", "evaluation", "optimizers", "shape")]
    rc, _, err = run("import dezero_plug", DEZERO_PLUG_DISABLE=",".join(chain), DEZERO_PLUG_STRICT="1")
    assert rc == 0, err


def test_a_third_party_plugin_registers_after_the_plugin_it_requires_whatever_their_names():
    rc, out, err = run(
        """
        import numpy as np
        import dezero_plug, dezero_plug.functions as F
        names = dezero_plug.plugin_manager.names()
        print(names.index("base") < names.index("addon"), F.addon_quartic(dezero_plug.Variable(np.array(2.0))).data)
        print(dezero_plug.plugin_manager.records["addon"].requires)
    """,
        "requires",
    )
    assert rc == 0, err
    assert out.splitlines() == ["True 16.0", "('base', 'arithmetic')"]


def test_blocking_a_third_party_requirement_blocks_its_dependant():
    rc, out, err = run(
        """
        import dezero_plug
        r = dezero_plug.plugin_manager.records["addon"]
        print(r.status, r.error)
    """,
        "requires",
        DEZERO_PLUG_DISABLE="base",
    )
    assert rc == 0, err
    assert out.strip() == "blocked requires 'base', which is blocked"
    assert "plugin 'addon' (dezero-plug-addon 0.1) requires 'base', which is blocked" in err


def test_plugins_cli_shows_requirements():
    rc, out, err = run("from dezero_plug.__main__ import main; main(['plugins'])", "requires")
    assert rc == 0, err
    assert "addon  [dezero-plug-addon 0.1]  registered\n    requires: base, arithmetic" in out
    assert "math  [builtin]  registered\n    requires: broadcast, arithmetic" in out


def test_runtime_registration_needs_its_requirements_and_unregistering_a_requirement_is_refused():
    needy = _module("needy", dezero_plug_functions=lambda: [cube])
    needy.dezero_plug_requires = ("nosuch",)
    with pytest.raises(PluginError, match=r"plugin 'needy' \(runtime\) requires 'nosuch', which is not installed"):
        plugin_manager.register(needy)
    base = _module("cubebase", dezero_plug_functions=lambda: [cube])
    plugin_manager.register(base)
    needy.dezero_plug_requires = ("cubebase",)
    needy.dezero_plug_functions = hookimpl(lambda: {"cube_again": cube})
    plugin_manager.register(needy)
    try:
        with pytest.raises(PluginError, match=r"plugin 'cubebase' is required by \['needy'\]: unregister them first"):
            plugin_manager.unregister("cubebase")
    finally:
        plugin_manager.unregister("needy")
        plugin_manager.unregister("cubebase")
    assert not hasattr(F, "cube") and not hasattr(F, "cube_again")


# ---------------------------------------------------------------- kernels keyed by class
def test_a_kernel_keyed_by_an_import_path_is_refused_naming_the_plugin_and_the_key():
    # The import-path key was deprecated before any release and is gone: a class is the key.
    rc, out, err = run(
        """
        import numpy as np
        import dezero_plug, dezero_plug.functions as F
        import dezero_plug_oldkernel
        F.tanh(dezero_plug.Variable(np.ones((2, 3))))
        print(dezero_plug_oldkernel.CALLS, dezero_plug.plugin_manager.records["oldkernel"].status)
    """,
        "oldkernel",
    )
    assert rc == 0, err
    assert out.strip() == "[] failed"
    assert "plugin 'oldkernel' (dezero-plug-oldkernel 0.1)" in err
    assert "keys a kernel by 'dezero_plug.std.math.Tanh', which is not a dezero_plug Function subclass" in err


def test_registration_reaches_the_namespaces_only_through_the_registry_install(monkeypatch):
    from dezero_plug.registry import REGISTRY

    installs = []
    real_install = REGISTRY.install

    def spy(kinds, exports, providers, conflicts):
        installs.append(exports["functions"].get("cube"))
        assert not hasattr(F, "cube") or installs[-1] is None  # nothing reached F before install ran
        real_install(kinds, exports, providers, conflicts)

    monkeypatch.setattr(REGISTRY, "install", spy)
    plugin_manager.register(_module("cubes", dezero_plug_functions=lambda: [cube]))
    assert installs == [cube] and F.cube is cube
    plugin_manager.unregister("cubes")
    assert installs == [cube, None] and not hasattr(F, "cube")


def test_a_binary_op_with_a_scalar_on_either_side_records_the_same_graph():
    x = Variable(np.array([1.0, 2.0], dtype=np.float32))
    for y in (x - 1.0, 1.0 - x, x * 2, 2 * x):
        assert y.dtype == np.float32 and y.creator.needs_input_grad in ((True, False), (False, True))
        assert sum(isinstance(i, Variable) and i is x for i in y.creator.inputs) == 1
    (1.0 - x).backward()
    np.testing.assert_array_equal(x.grad.data, [-1.0, -1.0])


# ---------------------------------------------------------------- hostile plugins (tests/fixtures/hostile)
HOSTILE = {
    "shadowlayer": "hook dezero_plug_layers exports 'Parameter', a name reserved for dezero_plug.layers",
    "shadowmodel": "hook dezero_plug_models exports 'Model', a name reserved for dezero_plug.models",
    "protocol": "cannot rebind Variable.__eq__: it belongs to the kernel",
    "fakenumpy": "hook dezero_plug_backends exports 'numpy', a name reserved for builtin plugins",
}


def test_hostile_plugins_are_refused_naming_them_and_nothing_of_the_core_changes():
    rc, out, err = run(
        """
        import numpy as np
        import dezero_plug as dz
        from dezero_plug import core, layers, models, backends
        print(layers.Parameter is core.Parameter, models.Model.__module__, "__eq__" not in vars(core.Variable))
        print(type(backends.get_backend("numpy")).__name__)
        model = dz.models.MLP((3,))
        model(np.ones((1, 2)))
        print(len(list(model.params())))
        print(sorted(n for n, r in dz.plugin_manager.records.items() if r.status == "failed"))
    """,
        "hostile",
    )
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0] == "True dezero_plug.models True"
    assert lines[1] == "NumpyBackend"
    assert lines[2] == "2"  # params() still finds the weights: training still trains
    assert lines[3] == str(sorted(HOSTILE))
    for name, message in HOSTILE.items():
        assert f"plugin '{name}' (dezero-plug-{name} 0.1)" in err and message in err, (name, err)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_plugin_in_strict_mode_is_an_error(name):
    others = ",".join(sorted(set(HOSTILE) - {name}))
    rc, _, err = run("import dezero_plug", "hostile", DEZERO_PLUG_STRICT="1", DEZERO_PLUG_DISABLE=others)
    assert rc != 0 and f"PluginError: plugin '{name}'" in err and HOSTILE[name] in err


def test_registering_and_unregistering_while_other_threads_run_ops_never_fails():
    import threading

    errors, stop = [], threading.Event()

    def work():
        x = Variable(np.array([0.5, 1.0]))
        while not stop.is_set():
            try:
                y = F.tanh(x * 2 + 1.0).sum()
                y.backward()
                x.cleargrad()
            except Exception as exc:  # any error at all is the failure this test looks for
                errors.append(repr(exc))
                return

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        for _ in range(1000):
            plugin_manager.register(_module("churn", dezero_plug_functions=lambda: [cube]))
            plugin_manager.unregister("churn")
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert errors == [] and not hasattr(F, "cube")


def test_an_install_that_fails_halfway_is_undone_and_names_the_attribute():
    def first(self):
        """Set before the failing one."""

    # __qualname__ passes validation (a dunder, callable), but a class only takes a string there
    plugin = _module("halfway", dezero_plug_variable_methods=lambda: {"aaa_first": first, "__qualname__": first})
    with pytest.raises(TypeError, match=r"cannot set variable_methods '__qualname__' on <class"):
        plugin_manager.register(plugin)
    assert "halfway" not in plugin_manager.names()
    assert not hasattr(Variable, "aaa_first") and Variable.__qualname__ == "Variable"
    assert F.tanh.__module__ == "dezero_plug.std.math" and (Variable(np.ones(2)) * 2).data.tolist() == [2.0, 2.0]


def test_did_you_mean_appears_once_in_the_printed_error():
    for code, expected in (
        ("import dezero_plug.functions as F; F.sinn", "has no attribute 'sinn'. Did you mean: 'sin'?"),
        ("import numpy as np, dezero_plug as d; d.Variable(np.ones(2)).resahpe", "Did you mean: 'reshape'?"),
    ):
        rc, _, err = run(code)
        last = err.strip().splitlines()[-1]
        assert rc != 0 and expected in last and last.count("Did you mean") == 1, last


def test_shape_of_a_variable_without_data_says_so_instead_of_suggesting_shape():
    with pytest.raises(AttributeError, match=r"holds no data yet \(None\); a lazy Parameter gets its data") as info:
        Variable(None).shape
    assert "Did you mean" not in str(info.value)
    rc, _, err = run("import dezero_plug as d; d.Variable(None).ndim")
    assert rc != 0 and "Did you mean" not in err.strip().splitlines()[-1]


def test_plugins_that_require_each_other_in_a_cycle_fail_and_the_rest_loads():
    rc, out, err = run(
        """
        import numpy as np
        import dezero_plug, dezero_plug.functions as F
        records = dezero_plug.plugin_manager.records
        print(records["chicken"].status, records["egg"].status, records["chicken"].error)
        print(F.exp(dezero_plug.Variable(np.array(0.0))).data, hasattr(F, "chicken"))
    """,
        "cycle",
    )
    assert rc == 0, err
    status, value = out.splitlines()
    assert status.startswith("failed failed PluginError: plugins require each other in a cycle: ")
    assert "chicken -> egg -> chicken" in status or "egg -> chicken -> egg" in status
    assert value == "1.0 False"
    assert "plugin 'chicken' (dezero-plug-chicken 0.1) failed to load and was skipped" in err
    rc, _, err = run("import dezero_plug", "cycle", DEZERO_PLUG_STRICT="1")
    assert rc != 0 and "in a cycle" in err


def test_trace_names_the_plugin_on_every_line():
    rc, _, err = run("import dezero_plug", DEZERO_PLUG_TRACE="1")
    lines = [line for line in err.splitlines() if line.startswith("dezero_plug trace:")]
    assert rc == 0 and len(lines) > 20, err
    assert all(line.startswith("dezero_plug trace: plugin '") for line in lines), lines[:3]
    assert "dezero_plug trace: plugin 'math' (builtin): dezero_plug_functions gave exp, log, sin" in err


def test_a_conflict_names_the_plugin_that_lacks_the_override():
    from dezero_plug import override
    from dezero_plug.errors import PluginConflictError

    winner = types.ModuleType("wins")
    winner.dezero_plug_functions = hookimpl(lambda: {"tanh": override(lambda x: x, replaces="math")})
    loser = types.ModuleType("plain")
    loser.dezero_plug_functions = hookimpl(lambda: {"tanh": lambda x: x})
    plugin_manager.register(winner)
    try:
        with pytest.raises(
            PluginConflictError, match=r"override replaces \['math'\], not \['plain'\]: 'plain' exports it without one"
        ):
            plugin_manager.register(loser)
    finally:
        plugin_manager.unregister("wins")
    assert "plain" not in plugin_manager.records


def test_a_kernel_for_one_op_costs_other_ops_no_backend_lookup(monkeypatch):
    from dezero_plug import backends
    from dezero_plug.registry import REGISTRY

    kernel_plugin = types.ModuleType("somekernel")
    kernel_plugin.dezero_plug_kernels = hookimpl(lambda: {(SoftmaxCrossEntropy, "array_api_strict"): lambda f, x, t: 0})
    plugin_manager.register(kernel_plugin)
    try:
        by_backend = REGISTRY.kernels[SoftmaxCrossEntropy]  # (the cupy plugin, when installed, has one too)
        assert by_backend["array_api_strict"] is REGISTRY.kernels[SoftmaxCrossEntropy]["array_api_strict"]
        calls = []
        real = backends.backend_of
        monkeypatch.setattr(backends, "backend_of", lambda a: calls.append(a) or real(a))
        x = Variable(np.ones(3))
        y = F.exp(x) * x  # ops with no kernel: one dict miss each, no backend lookup
        assert calls == [] and y.shape == (3,)
    finally:
        monkeypatch.undo()
        plugin_manager.unregister("somekernel")


def test_an_entry_point_named_like_a_builtin_is_refused_and_the_builtin_stays(tmp_path):
    """An installed plugin called 'math' used to knock the builtin math out, and what requires it."""
    (tmp_path / "shadow_math.py").write_text(
        "import dezero_plug\n"
        "def shadowed(x):\n    return x\n"
        "dezero_plug_functions = dezero_plug.hookimpl(lambda: [shadowed])\n"
    )
    info = tmp_path / "shadow_math-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: shadow-math\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[dezero_plug]\nmath = shadow_math\n")
    code = (
        "import warnings; warnings.simplefilter('always')\n"
        "import numpy as np, dezero_plug as d, dezero_plug.functions as F\n"
        "print(float(F.exp(d.Variable(np.array(0.0))).data), d.plugin_manager.records['math'].source,"
        " hasattr(F, 'shadowed'), d.plugin_manager.records['activation'].status)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEZERO_PLUG_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tmp_path), env.get("PYTHONPATH")]))
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["1.0", "builtin", "False", "registered"], done.stderr
    assert "entry point 'math' (shadow-math) has the name of a builtin plugin and was refused" in done.stderr
    env["DEZERO_PLUG_STRICT"] = "1"
    strict = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert strict.returncode != 0 and "rename the entry point" in strict.stderr


def test_new_plugin_refuses_the_name_of_a_builtin(tmp_path):
    from dezero_plug.scaffold import new_plugin

    with pytest.raises(ValueError, match=r"^new-plugin: 'math' is the name of a builtin plugin.*'my_math'"):
        new_plugin("math", tmp_path)
    assert not (tmp_path / "math").exists()


@pytest.mark.parametrize("name", ["__class__", "__dict__"])
def test_a_dunder_export_is_refused_naming_the_plugin(name):
    """Setting a namespace's __class__ or __dict__ failed with a bare TypeError that named no plugin."""
    bad = _module("dunder", dezero_plug_functions=lambda: {name: lambda x: x})
    with pytest.raises(PluginValidationError, match=rf"plugin 'dunder' .*exports '{name}', a name Python reserves"):
        plugin_manager.register(bad)
    assert "dunder" not in plugin_manager.names()


def _installed(tmp_path, module, dist, entry_point, source):
    """A real installed distribution under ``tmp_path``: a module and a dist-info naming its entry point."""
    (tmp_path / f"{module}.py").write_text(source)
    info = tmp_path / f"{module}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[dezero_plug]\n{entry_point} = {module}\n")


def _fresh(tmp_path, code):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEZERO_PLUG_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tmp_path), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)


def test_an_entry_point_no_environment_variable_can_name_is_refused_naming_it(tmp_path):
    """DEZERO_PLUG_DISABLE and DEZERO_PLUG_PLUGINS are comma-separated: a plugin called 'a,b' could not be blocked."""
    _installed(tmp_path, "comma_plugin", "comma-plugin", "a,b", "import dezero_plug\n")
    done = _fresh(tmp_path, "import dezero_plug as d; print('a,b' in d.plugin_manager.records)")
    assert done.stdout.split() == ["False"], done.stderr
    assert "entry point 'a,b' (comma-plugin) is no name DEZERO_PLUG_DISABLE or DEZERO_PLUG_PLUGINS can list" in (
        done.stderr
    )


def test_a_conflict_between_two_installed_plugins_does_not_stop_a_third_registering_at_run_time(tmp_path):
    """The twins' conflict was warned at load (neither exported); registering an unrelated plugin later, and
    unregistering it, used to raise that conflict."""
    twin = (
        "import dezero_plug\ndef twin(x):\n    return x\ndezero_plug_functions = dezero_plug.hookimpl(lambda: [twin])\n"
    )
    _installed(tmp_path, "twin_a", "twin-a", "twin_a", twin)
    _installed(tmp_path, "twin_b", "twin-b", "twin_b", twin)
    code = (
        "import types, dezero_plug as d, dezero_plug.functions as F\n"
        "m = types.ModuleType('later')\n"
        "def later_op(x):\n    return x\n"
        "m.dezero_plug_functions = d.hookimpl(lambda: [later_op])\n"
        "d.plugin_manager.register(m)\n"
        "try:\n    F.twin\nexcept d.errors.PluginConflictError:\n    print(hasattr(F, 'later_op'), 'contested')\n"
        "d.plugin_manager.unregister('later')\n"
        "print(hasattr(F, 'later_op'))\n"
    )
    done = _fresh(tmp_path, code)
    assert done.stdout.split() == ["True", "contested", "False"], done.stderr
    assert "function 'twin' is provided by plugin 'twin_a'" in done.stderr  # still said once, at load


def test_a_hook_cannot_unregister_another_plugin_while_it_is_being_registered():
    victim = types.ModuleType("victim")
    victim.dezero_plug_functions = hookimpl(lambda: [])
    plugin_manager.register(victim)
    killer = types.ModuleType("killer")

    def takes_another_down():
        plugin_manager.unregister("victim")
        return []

    killer.dezero_plug_functions = hookimpl(takes_another_down)
    try:
        with pytest.raises(
            PluginError,
            match=r"its hook dezero_plug_functions raised PluginError: unregister\('victim'\) called from a hook "
            r"of plugin 'killer' \(runtime\)",
        ):
            plugin_manager.register(killer)
        assert plugin_manager.records["victim"].status == "registered" and "killer" not in plugin_manager.records
    finally:
        plugin_manager.unregister("victim")


def test_an_installed_plugin_cannot_unregister_another_while_dezero_plug_loads(tmp_path):
    """At import, entry points load in name order: 'zz_killer' runs after 'aa_victim' is registered."""
    victim = (
        "import dezero_plug\n"
        "def victim_op(x):\n    return x\n"
        "dezero_plug_functions = dezero_plug.hookimpl(lambda: [victim_op])\n"
    )
    _installed(tmp_path, "aa_victim", "aa-victim", "aa_victim", victim)
    killer = (
        "import dezero_plug\n"
        "@dezero_plug.hookimpl\n"
        "def dezero_plug_functions():\n"
        "    dezero_plug.plugin_manager.unregister('aa_victim')\n"
        "    return []\n"
    )
    _installed(tmp_path, "zz_killer", "zz-killer", "zz_killer", killer)
    code = (
        "import dezero_plug as d, dezero_plug.functions as F\n"
        "records = d.plugin_manager.records\n"
        "print(records['aa_victim'].status, records['zz_killer'].status, hasattr(F, 'victim_op'))\n"
    )
    done = _fresh(tmp_path, code)
    assert done.stdout.split() == ["registered", "failed", "True"], done.stderr
    assert "plugin 'zz_killer' (zz-killer 0.1) failed to load" in done.stderr
    assert "unregister('aa_victim') called from a hook of plugin 'zz_killer'" in done.stderr
