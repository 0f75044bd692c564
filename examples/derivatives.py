"""Higher-order derivatives and Newton's method, as in DeZero steps 29-35, with ``import dezero_plug as dezero``.

Run: python examples/derivatives.py
"""

import numpy as np

import dezero_plug as dezero
import dezero_plug.functions as F
from dezero_plug import Variable


def nth_derivatives_of_sin(x0: float, n: int) -> list[float]:
    """d^k sin / dx^k at x0 for k = 1..n, by backprop through backprop."""
    x = Variable(np.array(x0))
    y = F.sin(x)
    y.backward(create_graph=True)
    values = []
    for _ in range(n):
        gx = x.grad
        values.append(float(gx.data))
        x.cleargrad()
        gx.backward(create_graph=True)
    return values


def newton(x0: float, steps: int = 10) -> list[float]:
    """Minimise y = x^4 - 2x^2 with Newton's method, using the second derivative from double backprop."""
    x = Variable(np.array(x0))
    path = [x0]
    for _ in range(steps):
        y = x**4 - 2 * x**2
        x.cleargrad()
        y.backward(create_graph=True)
        gx = x.grad
        x.cleargrad()
        gx.backward()
        x.data -= gx.data / x.grad.data
        path.append(float(x.data))
    return path


if __name__ == "__main__":
    print(f"dezero_plug {dezero.__version__}; plugins: {', '.join(dezero.plugin_manager.names())}")
    derivatives = nth_derivatives_of_sin(1.0, 4)
    expected = [np.cos(1.0), -np.sin(1.0), -np.cos(1.0), np.sin(1.0)]
    for k, (got, want) in enumerate(zip(derivatives, expected), start=1):
        print(f"d^{k} sin(x)/dx^{k} at x=1: {got:+.6f} (exact {want:+.6f})")
    path = newton(2.0, steps=7)
    print("Newton on x^4 - 2x^2 from x=2:", " -> ".join(f"{v:.6f}" for v in path))
    assert np.allclose(derivatives, expected) and abs(path[-1] - 1.0) < 1e-9, "derivatives or Newton went wrong"
