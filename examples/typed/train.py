"""A typed training script: an MLP on the spiral dataset (CI runs mypy --strict on it, then runs it).

python examples/typed/train.py --epochs 30
"""

from __future__ import annotations

import argparse

import numpy as np

import dezero_plug as dezero
import dezero_plug.functions as F
from dezero_plug import DataLoader
from dezero_plug import Variable
from dezero_plug.datasets import Spiral
from dezero_plug.models import MLP
from dezero_plug.optimizers import SGD


def train(epochs: int, batch_size: int = 30, lr: float = 1.0) -> list[float]:
    """Train a 2-10-3 MLP; return the mean loss of each epoch."""
    np.random.seed(0)
    loader = DataLoader(Spiral(train=True), batch_size)
    model: dezero.Model = MLP((10, 3))
    optimizer = SGD(lr).setup(model)
    history: list[float] = []
    for _ in range(epochs):
        total, count = 0.0, 0
        for x, t in loader:
            loss: Variable = F.softmax_cross_entropy(model(x), t)
            model.cleargrads()
            loss.backward()
            optimizer.update()
            total += float(loss.data) * len(t)
            count += len(t)
        history.append(total / count)
    return history


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=30)
    losses = train(parser.parse_args().epochs)
    print(f"loss: first epoch {losses[0]:.4f}, last epoch {losses[-1]:.4f}")


if __name__ == "__main__":
    main()
