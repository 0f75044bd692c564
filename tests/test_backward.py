"""backward(): generation order, accumulation, retain_grad, create_graph, and the book's examples."""

import numpy as np
import pytest

import dezero_plug as dezero
import dezero_plug.functions as F
from dezero_plug import Variable


def value(v):
    return float(np.asarray(dezero.backends.to_numpy(v.data)))


def test_backward_accumulates_when_input_is_reused(asarray):
    x = Variable(asarray(3.0))
    y = x + x + x
    y.backward()
    assert value(x.grad) == 3.0


def test_diamond_graph_visits_each_function_once_in_generation_order(asarray):
    from dezero_plug.function_hooks import FunctionHook

    class Visits(FunctionHook):
        def __init__(self):
            self.order = []

        def backward_preprocess(self, function, grad_outputs):
            self.order.append(function)

    x = Variable(asarray(2.0))
    a = x**2
    y = a**2 + a**2  # DeZero step 16: dy/dx = 64 at x = 2
    with Visits() as visits:
        y.backward()
    assert len(visits.order) == len(set(visits.order)) == 4  # add, two squares of a, the square of x: once each
    assert [f.generation for f in visits.order] == [2, 1, 1, 0]  # a's gradient is complete before x**2 runs
    assert visits.order[-1] is a.creator
    assert value(x.grad) == 64.0 and y.grad is None and a.grad is None  # no retain_grad: only x keeps one


def test_retain_grad_keeps_intermediate_grads(asarray):
    x = Variable(asarray(1.0))
    h = F.exp(x)
    y = h * 2
    y.backward()
    assert h.grad is None and y.grad is None
    x.cleargrad()
    y = F.exp(x) * 2
    y.backward(retain_grad=True)
    assert y.grad is not None


def test_second_backward_accumulates_into_leaf(asarray):
    x = Variable(asarray(2.0))
    y = x * x
    y.backward()
    y.backward()
    assert value(x.grad) == 8.0


@pytest.mark.parametrize(
    "order,expected",
    [(1, np.cos(1.0)), (2, -np.sin(1.0)), (3, -np.cos(1.0)), (4, np.sin(1.0))],
    ids=["1st", "2nd", "3rd", "4th"],
)
def test_nth_derivative_of_sin(asarray, order, expected):
    x = Variable(asarray(1.0))
    y = F.sin(x)
    y.backward(create_graph=True)
    for _ in range(order - 1):
        gx = x.grad
        x.cleargrad()
        gx.backward(create_graph=True)
    assert value(x.grad) == pytest.approx(expected, abs=1e-12)


def test_higher_derivatives_of_tanh_match_the_closed_form(asarray):
    t = np.tanh(0.5)
    expected = [1 - t**2, -2 * t * (1 - t**2), (1 - t**2) * (6 * t**2 - 2)]
    x = Variable(asarray(0.5))
    F.tanh(x).backward(create_graph=True)
    got = []
    for _ in range(3):
        gx = x.grad
        got.append(value(gx))
        x.cleargrad()
        gx.backward(create_graph=True)
    assert got == pytest.approx(expected, abs=1e-12)


def test_newtons_method_with_second_derivatives_reaches_one_in_under_ten_steps(asarray):
    x = Variable(asarray(2.0))
    steps = 0
    while abs(value(x) - 1.0) >= 1e-12 and steps < 10:
        steps += 1
        y = x**4 - 2 * x**2
        x.cleargrad()
        y.backward(create_graph=True)
        gx = x.grad
        x.cleargrad()
        gx.backward()
        gx2 = x.grad
        x.data -= gx.data / gx2.data  # the book's in-place update
    assert steps < 10 and value(x) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.backend("numpy")  # tens of thousands of steps: the gradient itself is checked on every backend below
def test_rosenbrock_gradient_descent(asarray):
    x0, x1 = Variable(asarray(0.0)), Variable(asarray(2.0))
    for _ in range(50000):
        y = 100 * (x1 - x0**2) ** 2 + (x0 - 1) ** 2
        x0.cleargrad()
        x1.cleargrad()
        y.backward()
        x0.data -= 0.001 * x0.grad.data
        x1.data -= 0.001 * x1.grad.data
        if abs(value(x0) - 1) < 1e-3 and abs(value(x1) - 1) < 1e-3:
            break
    assert value(x0) == pytest.approx(1.0, abs=2e-3) and value(x1) == pytest.approx(1.0, abs=4e-3)


def test_rosenbrock_gradient_at_the_books_point(asarray):
    x0, x1 = Variable(asarray(0.0)), Variable(asarray(2.0))
    y = 100 * (x1 - x0**2) ** 2 + (x0 - 1) ** 2
    y.backward()
    assert (value(x0.grad), value(x1.grad)) == (-2.0, 400.0)


def test_wide_graph_backward_is_correct(asarray):
    n = 2000
    x = Variable(asarray(1.5))
    terms = [x * float(i) for i in range(n)]
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    total.backward()
    assert value(x.grad) == sum(range(n))


def test_long_chain_does_not_hit_the_recursion_limit(asarray):
    x = Variable(asarray(0.1))
    y = x
    for _ in range(5000):
        y = y * 1.0
    y.backward()
    assert value(x.grad) == 1.0


def test_grad_of_a_gradient_graph_is_recorded_only_with_create_graph(asarray):
    x = Variable(asarray(1.0))
    (x**3).backward()
    assert x.grad.creator is None
    x.cleargrad()
    (x**3).backward(create_graph=True)
    assert x.grad.creator is not None


class _FailsOnce(dezero.Function):
    """Identity whose backward raises ``error`` the first time: a fault part-way through a pass."""

    def __init__(self, error):
        self.error = error

    def forward(self, x):
        return x

    def backward(self, gy):
        if self.error is not None:
            error, self.error = self.error, None
            raise error
        return gy


def _graph(asarray, error):
    """x -> a = x*x -> b = faulty(a) -> c = b*x -> loss, with a branch from x to the loss that runs first."""
    x = Variable(asarray(np.array([1.5, -2.0])))
    a = x * x
    b = _FailsOnce(error)(a)
    c = b * x + x * 3.0
    return x, a, b, F.sum(c)


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("error", [ValueError("boom"), KeyboardInterrupt()], ids=["error", "interrupt"])
def test_a_backward_stopped_part_way_leaves_no_gradient_and_its_retry_is_exact(asarray, error, create_graph):
    """Gradients reached before the fault (x's from the branch, b's, c's) are undone: a retry adds nothing twice."""
    x, a, b, loss = _graph(asarray, error)
    with pytest.raises(type(error)):
        loss.backward(retain_grad=True, create_graph=create_graph)
    assert [v.grad for v in (x, a, b, loss)] == [None] * 4
    assert dezero.Config.enable_backprop  # the mode is restored too
    loss.backward(create_graph=create_graph)
    xs = np.array([1.5, -2.0])
    np.testing.assert_allclose(dezero.backends.to_numpy(x.grad.data), 3 * xs**2 + 3.0)  # d(x^3 + 3x)/dx


def test_a_stopped_backward_restores_gradients_accumulated_by_earlier_passes(asarray):
    x, _, _, loss = _graph(asarray, None)
    loss.backward()
    first = dezero.backends.to_numpy(x.grad.data).copy()
    x2, _, b, loss2 = _graph(asarray, None)
    b.creator.error = RuntimeError("second pass fails")
    x2.grad = x.grad  # accumulate onto a gradient from before: it must come back as it was
    before = x2.grad
    with pytest.raises(RuntimeError, match="second pass fails"):
        loss2.backward()
    assert x2.grad is before
    np.testing.assert_allclose(dezero.backends.to_numpy(x2.grad.data), first)


def test_a_hook_that_raises_in_backward_leaves_no_gradient(asarray):
    from dezero_plug.function_hooks import FunctionHook

    class Refuses(FunctionHook):
        def backward_preprocess(self, function, grad_outputs):
            if type(function).__name__ == "Mul":
                raise RuntimeError("hook refused")

    x, a, b, loss = _graph(asarray, None)
    with Refuses(), pytest.raises(RuntimeError, match="hook refused"):
        loss.backward(retain_grad=True)
    assert [v.grad for v in (x, a, b, loss)] == [None] * 4
    loss.backward()
    np.testing.assert_allclose(dezero.backends.to_numpy(x.grad.data), 3 * np.array([1.5, -2.0]) ** 2 + 3.0)


def test_a_backward_stopped_while_it_casts_the_kept_gradients_leaves_none(monkeypatch):
    """The last stage of a pass casts each kept gradient to its variable's dtype (float32 ``x`` times float64
    ``w``): a Ctrl-C or a device error there puts every gradient back too, never a raw array in ``.grad``."""
    x, w = Variable(np.array([1.5, -2.0], dtype=np.float32)), Variable(np.array([3.0, 0.5]))
    loss = F.sum(x * w)

    def interrupted(array, dtype, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as planted:
        planted.setattr(np, "astype", interrupted)  # the cast of x's float64 gradient to float32
        with pytest.raises(KeyboardInterrupt):
            loss.backward()
    assert x.grad is None and w.grad is None
    loss.backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.data, np.float32([3.0, 0.5]))
    np.testing.assert_array_equal(w.grad.data, [1.5, -2.0])
