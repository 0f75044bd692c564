"""Draw the graph pictures of docs/design.md into docs/img/ (Graphviz's ``dot`` must be on the PATH).

Run: python docs/make_graphs.py. The pictures are committed: the site builds without Graphviz. Each is the
graph ``dezero_plug.utils.get_dot_graph`` writes for the code shown next to it on the page.
"""

import subprocess
from pathlib import Path

import numpy as np

import dezero_plug as dezero
import dezero_plug.functions as F
from dezero_plug import Variable
from dezero_plug.utils import get_dot_graph

IMG = Path(__file__).parent / "img"


def draw(name: str, y: Variable) -> None:
    svg = subprocess.run(["dot", "-Tsvg"], input=get_dot_graph(y, verbose=False), capture_output=True, text=True)
    svg.check_returncode()
    (IMG / f"{name}.svg").write_text(svg.stdout)
    print(f"wrote docs/img/{name}.svg")


def main() -> None:
    IMG.mkdir(exist_ok=True)
    x = Variable(np.array(2.0), name="x")
    a = F.square(x)
    a.name = "a"
    y = F.exp(a) + F.sin(a)
    y.name = "y"
    draw("diamond", y)  # x -> a -> (exp, sin) -> add: a's gradient needs both branches first

    x = Variable(np.array(1.0), name="x")
    y = F.sin(x)
    y.name = "y"
    y.backward(create_graph=True)
    gx = x.grad
    gx.name = "gx"
    draw("second_order", gx)  # the graph of dy/dx = cos(x): recorded by the backward pass itself
    dezero.Config.enable_backprop = True


if __name__ == "__main__":
    main()
