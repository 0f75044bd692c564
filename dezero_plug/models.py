"""``dezero_plug.models``: the Model base class, and every model the plugins provide (MLP, VGG16 ...)."""

from __future__ import annotations

from typing import Any

from dezero_plug.dot import plot_dot_graph
from dezero_plug.layers import Layer
from dezero_plug.registry import accessors as _accessors


class Model(Layer):
    """A Layer that is a whole network; ``plot`` draws its graph for some inputs."""

    def plot(self, *inputs: Any, to_file: str = "model.png") -> Any:
        """Run the model on ``inputs`` and render the graph with Graphviz (see ``utils.plot_dot_graph``)."""
        y = self.forward(*inputs)
        return plot_dot_graph(y, verbose=True, to_file=to_file)


__getattr__, __dir__ = _accessors("models", __name__, base=Layer)  # ResNet's blocks too
