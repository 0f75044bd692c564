"""Graph drawing: the graph behind a Variable as Graphviz DOT text, and its rendering with Graphviz's ``dot``.

DeZero's ``utils.get_dot_graph`` and ``utils.plot_dot_graph`` (``dezero_plug.utils`` re-exports them).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from typing import Any

from dezero_plug.core import Function
from dezero_plug.core import Variable


def dot_var(v: Variable, verbose: bool) -> str:
    """One Variable as a DOT node (its name, and with ``verbose`` its shape and dtype)."""
    name = "" if v.name is None else v.name
    if verbose and v.data is not None:
        name += (": " if v.name is not None else "") + f"{tuple(v.shape)} {v.dtype}"
    return f'{id(v)} [label="{name}", color=orange, style=filled]\n'


def dot_func(f: Function) -> str:
    """One Function as a DOT node, with the edges from its inputs and to its outputs still alive."""
    text = f'{id(f)} [label="{type(f).__name__}", color=lightblue, style=filled, shape=box]\n'
    text += "".join(f"{id(x)} -> {id(f)}\n" for x in f.inputs)
    for ref in f.outputs:
        y = ref()
        if y is not None:  # an output of a gradient graph may be freed: draw what is alive
            text += f"{id(f)} -> {id(y)}\n"
    return text


def get_dot_graph(output: Variable, verbose: bool = True) -> str:
    """The graph that produced ``output`` in Graphviz DOT text (variables orange, functions blue).

    Works on gradients made with ``backward(create_graph=True)`` too: ``get_dot_graph(x.grad)``.
    """
    text = dot_var(output, verbose)
    funcs = [output.creator] if output.creator is not None else []
    seen = set(funcs)
    while funcs:
        f = funcs.pop()
        text += dot_func(f)
        for x in f.inputs:
            text += dot_var(x, verbose)
            if x.creator is not None and x.creator not in seen:
                seen.add(x.creator)
                funcs.append(x.creator)
    return "digraph g {\n" + text + "}"


def plot_dot_graph(output: Variable, verbose: bool = True, to_file: str = "graph.png") -> Any:
    """Render ``get_dot_graph(output)`` to ``to_file`` (format from its extension) with Graphviz's ``dot``.

    Raises:
        RuntimeError: when the ``dot`` program is not installed, saying how to install it.
    """
    dot = shutil.which("dot")
    if dot is None:
        raise RuntimeError(
            "plot_dot_graph needs the Graphviz 'dot' program, which is not on PATH: install Graphviz "
            "(apt-get install graphviz, brew install graphviz or conda install graphviz)"
        )
    extension = os.path.splitext(to_file)[1][1:] or "png"
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "graph.dot")
        with open(source, "w") as f:
            f.write(get_dot_graph(output, verbose))
        rendered = os.path.join(tmp, "graph." + extension)
        done = subprocess.run([dot, source, "-T", extension, "-o", rendered], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"plot_dot_graph: dot failed to render {extension!r}: {done.stderr.strip()}")
        shutil.move(rendered, to_file)
    try:  # in a notebook, show it inline as DeZero does
        from IPython import display  # type: ignore[import-not-found]

        return display.Image(filename=to_file)
    except ImportError:
        return None
