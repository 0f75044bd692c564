"""Train an MLP on DeZero's spiral data (the book's step 48): hidden 10, SGD lr 1.0, batch 30, 300 epochs.

Run: python examples/spiral.py [--epochs 300] [--batch-size 30] [--seed 0] [--plot loss.png] [--gpu | --backend jax]
"""

import argparse
import math

import numpy as np

import dezero_plug as dezero
import dezero_plug.functions as F
from dezero_plug import optimizers
from dezero_plug.datasets import Spiral
from dezero_plug.models import MLP

try:
    from tqdm import tqdm
except ImportError:  # progress bars are optional

    def tqdm(iterable, **kwargs):
        return iterable


def train(epochs=300, batch_size=30, hidden_size=10, lr=1.0, seed=0, gpu=False, verbose=True, backend=None):
    """Train on ``backend`` (a name; the GPU one with ``gpu``) and return the mean loss of each epoch."""
    np.random.seed(seed)
    backend = dezero.backends.gpu_backend() if gpu else backend
    loader = dezero.DataLoader(Spiral(train=True), batch_size, backend=backend)
    model = MLP((hidden_size, 3))
    if backend is not None:
        model.to_backend(backend)
    optimizer = optimizers.SGD(lr).setup(model)
    history = []
    for epoch in tqdm(range(epochs), desc="spiral", disable=not verbose):
        total, count = 0.0, 0
        for x, t in loader:
            loss = F.softmax_cross_entropy(model(x), t)
            model.cleargrads()
            loss.backward()
            optimizer.update()
            total += float(loss.data) * len(t)
            count += len(t)
        history.append(total / count)
        if verbose and (epoch + 1) % max(1, epochs // 10) == 0:
            print(f"epoch {epoch + 1}: loss {history[-1]:.4f}")
    return history


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", help="write the loss curve to this image (needs matplotlib)")
    parser.add_argument("--gpu", action="store_true", help="train on the GPU backend (dezero-plug-cupy)")
    parser.add_argument("--backend", help="train on this backend, by name (jax, array_api_strict ...)")
    args = parser.parse_args()
    plt = dezero.utils.pyplot() if args.plot else None  # before training: without matplotlib, say so now
    dezero.keep_freed_memory()  # reuse the memory each step frees (see the README): a choice for this process
    history = train(args.epochs, args.batch_size, seed=args.seed, gpu=args.gpu, backend=args.backend)
    print(f"final mean epoch loss: {history[-1]:.4f}")
    if args.plot:
        plt.plot(range(1, len(history) + 1), history)
        plt.xlabel("epoch")
        plt.ylabel("loss")
        plt.savefig(args.plot)
        print(f"wrote {args.plot}")
    assert math.isfinite(history[-1])


if __name__ == "__main__":
    main()
