"""Debugging hooks: the timer adds up, the trace shows shapes, anomaly detection names the op and the line."""

import threading
import time
import types

import numpy as np
import pytest

import dezero_plug.functions as F
from dezero_plug import Variable
from dezero_plug import core
from dezero_plug import function_hooks
from dezero_plug import hookimpl
from dezero_plug import plugin_manager
from dezero_plug.errors import AnomalyError
from dezero_plug.errors import PluginValidationError
from dezero_plug.extend import FunctionHook
from dezero_plug.function_hooks import AnomalyHook
from dezero_plug.function_hooks import TimerHook
from dezero_plug.function_hooks import TraceHook


def hooks_are_off():
    return core.Function.__call__ is core.PLAIN_FUNCTION_CALL and core._run_backward is core.run_plain_backward


def test_the_builtin_hooks_are_registered_through_the_hook_kind():
    assert plugin_manager.records["debug"].exports["function_hooks"] == {
        "TimerHook": TimerHook,
        "TraceHook": TraceHook,
        "AnomalyHook": AnomalyHook,
    }
    assert set(function_hooks.__all__) >= {"TimerHook", "TraceHook", "AnomalyHook"}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_with_no_hook_on_ops_run_the_plain_call_even_after_a_hook_raised(asarray):
    assert hooks_are_off()
    with pytest.raises(AnomalyError), AnomalyHook():
        assert not hooks_are_off()
        F.log(Variable(asarray([-1.0])))
    assert hooks_are_off()


def test_the_timer_total_is_positive_and_within_the_wall_time_of_its_block(asarray):
    x = Variable(asarray(np.linspace(0.1, 1.0, 20_000)))  # ops of ~100 us: the traversal's own work is ~3 %
    with TimerHook() as timer:
        start = time.perf_counter()
        y = x
        for _ in range(1000):  # 2,000 ops
            y = F.cos(F.sin(y))
        y.backward()
        wall = time.perf_counter() - start
    summary = timer.summary()
    assert summary["sin"]["forward"]["calls"] == 1000 and summary["cos"]["backward"]["calls"] == 1000
    assert summary["sin"]["forward"]["mean"] == pytest.approx(summary["sin"]["forward"]["total"] / 1000)
    assert 0 < timer.total() <= wall, (timer.total(), wall)  # the ops' time is inside the block's
    report = timer.report()
    assert report.splitlines()[0].split() == ["op", "phase", "calls", "total", "ms", "mean", "us"]
    assert any(line.split()[:3] == ["cos", "backward", "1000"] for line in report.splitlines())


def test_the_timer_counts_ops_inside_a_differentiable_backward_once(asarray):
    x = Variable(asarray([0.5, 1.5]))
    with TimerHook() as timer:
        y = F.sin(x)
        y.backward(create_graph=True)
    # sin's differentiable backward is cos(x) * gy: two forwards inside one backward, each counted once
    assert timer.summary()["cos"]["forward"]["calls"] == 1
    assert timer.summary()["sin"]["backward"]["calls"] == 1
    nested = timer.summary()["cos"]["forward"]["total"] + timer.summary()["mul"]["forward"]["total"]
    assert timer.total() == pytest.approx(sum(s for _, s in timer.calls.values()))
    assert nested > 0 and set(timer.summary()) == {"sin", "cos", "mul"}  # gy * cos(x): nothing else ran
    assert timer.summary()["mul"]["forward"]["calls"] == 1


def test_the_trace_shows_each_op_with_shapes_and_dtypes_on_both_backward_paths(asarray):
    x = Variable(asarray(np.ones((2, 3), dtype=np.float32)))
    for create_graph in (False, True):
        with TraceHook() as trace:
            y = F.sum(F.exp(x), axis=1)
            y.backward(create_graph=create_graph)
            x.cleargrad()
        assert trace.lines[0] == "forward  exp: (2, 3) float32 -> (2, 3) float32"
        assert trace.lines[1] == "forward  sum: (2, 3) float32 -> (2,) float32"
        backward = [line for line in trace.lines if line.startswith("backward")]
        assert backward[:2] == [
            "backward sum: (2,) float32 -> (2, 3) float32",
            "backward exp: (2, 3) float32 -> (2, 3) float32",
        ]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_anomaly_detection_names_the_op_and_the_line_for_a_nan_made_in_forward(asarray):
    x = Variable(asarray([1.0, -1.0]))
    with AnomalyHook(), pytest.raises(AnomalyError) as info:
        y = F.exp(x)
        z = F.log(x)  # nan for -1  # noqa: F841
    message = str(info.value)
    assert message.startswith("log: forward produced nan in output 0 from finite inputs ((2,) ")
    assert __file__ in message and "z = F.log(x)" in message
    assert isinstance(y, Variable)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("create_graph", [False, True], ids=["plain", "differentiable"])
def test_anomaly_detection_names_the_op_and_its_line_for_an_inf_made_only_in_backward(asarray, create_graph):
    x = Variable(asarray([0.0, 4.0]))
    with AnomalyHook():
        y = F.sqrt(x)  # finite forward: sqrt(0) = 0; its gradient 1 / (2 sqrt(x)) is inf at 0
        loss = F.sum(y * 2.0)
        with pytest.raises(AnomalyError) as info:
            loss.backward(create_graph=create_graph)
    message = str(info.value)
    assert message.startswith("sqrt: backward produced inf"), message
    assert __file__ in message and "y = F.sqrt(x)" in message


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_anomaly_detection_does_not_blame_an_op_for_a_nan_it_was_given(asarray):
    with AnomalyHook():
        y = F.exp(Variable(asarray([np.nan, 1.0])))  # the nan came from the user, not from exp
        F.sum(y).backward()


def test_hooks_are_per_thread(asarray):
    seen_elsewhere = []

    def other_thread():
        seen_elsewhere.append(F.exp(Variable(asarray([1.0]))))

    with TraceHook() as trace:
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join(timeout=30)
        F.exp(Variable(asarray([1.0])))
    assert len(seen_elsewhere) == 1 and len(trace.lines) == 1


def test_a_plugin_provides_a_hook_and_a_hook_that_is_not_one_is_refused(asarray):
    class CountingHook(FunctionHook):
        """Counts forward calls."""

        def __init__(self):
            self.count = 0

        def forward_postprocess(self, function, inputs, outputs):
            self.count += 1

    plugin = types.ModuleType("countinghooks")
    plugin.dezero_plug_function_hooks = hookimpl(lambda: [CountingHook])
    plugin_manager.register(plugin)
    try:
        with function_hooks.CountingHook() as hook:
            F.exp(F.exp(Variable(asarray([1.0]))))
        assert hook.count == 2
    finally:
        plugin_manager.unregister("countinghooks")
    assert not hasattr(function_hooks, "CountingHook")
    bad = types.ModuleType("badhooks")
    bad.dezero_plug_function_hooks = hookimpl(lambda: {"Timer": dict})
    with pytest.raises(PluginValidationError, match=r"exports 'Timer' = <class 'dict'>, which is not a subclass of"):
        plugin_manager.register(bad)
    assert hooks_are_off()


class Counting(FunctionHook):
    def __init__(self):
        self.seen = 0

    def forward_preprocess(self, function, inputs):
        self.seen += 1


def test_a_hook_entered_twice_and_hooks_exited_out_of_order_leave_nothing_on():
    a, b = Counting(), Counting()
    x = Variable(np.array(1.0))
    with a:
        with a:  # reentrant: the inner exit takes off the inner entry only
            F.exp(x)
        F.exp(x)
        assert function_hooks.active() == (a,)
    assert a.seen == 2 and hooks_are_off()
    a.__enter__()
    b.__enter__()
    a.__exit__(None, None, None)  # out of order: a goes, b stays on
    assert function_hooks.active() == (b,)
    F.exp(x)
    b.__exit__(None, None, None)
    assert (a.seen, b.seen) == (2, 1) and hooks_are_off()


def test_a_hook_exited_in_another_thread_is_refused_and_one_left_on_in_a_dead_thread_goes_with_it():
    hook = Counting()
    hook.__enter__()
    failure = []
    other = threading.Thread(
        target=lambda: failure.append(pytest.raises(RuntimeError, hook.__exit__, None, None, None))
    )
    other.start()
    other.join(timeout=30)
    assert "exited in a thread it was not entered in" in str(failure[0].value)
    hook.__exit__(None, None, None)
    assert hooks_are_off()

    def leave_one_on():
        Counting().__enter__()  # never exited: the thread ends with it on

    dead = threading.Thread(target=leave_one_on)
    dead.start()
    dead.join(timeout=30)
    assert core.Function.__call__ is not core.PLAIN_FUNCTION_CALL  # still counted while the thread object lives
    del dead
    import gc

    gc.collect()
    assert hooks_are_off()  # the thread object went, and its count with it
