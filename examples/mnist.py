"""Train an MLP or a CNN on MNIST (the book's step 51), with progress bars, per-epoch loss/accuracy and a plot.

Run: python examples/mnist.py [--model mlp|cnn] [--epochs 5] [--batch-size 100] [--plot curve.png]
                              [--gpu | --backend jax]
     python examples/mnist.py --digits         # offline: scikit-learn's real 8x8 handwritten digits
     mpiexec -n 2 python examples/mnist.py --distributed [--digits]   # data-parallel over MPI ranks

Without network, MNIST's four .gz files must be placed in the cache directory
($DEZERO_PLUG_CACHE_DIR or ~/.dezero); the error message says which and where. ``--digits`` trains the
same models on the 1,797 handwritten digits scikit-learn ships (8x8 images; 1,347 to train on, 450 to test:
``datasets.Digits``, which the scikit-learn plugin registers: pip install ./plugins/dezero-plug-sklearn).
More real data offline: examples/mnist_1d.py (MNIST-1D, generated here: a CNN at 94 %, an MLP far below it).
"""

import argparse
import time

import numpy as np

import dezero_plug as dezero
import dezero_plug.functions as F
import dezero_plug.layers as L
from dezero_plug import distributed
from dezero_plug import optimizers
from dezero_plug.datasets import MNIST
from dezero_plug.models import MLP
from dezero_plug.utils import DownloadError

try:
    from tqdm import tqdm
except ImportError:  # progress bars are optional

    def tqdm(iterable, **kwargs):
        return iterable


class CNN(dezero.Model):
    """conv16 -> pool -> conv32 -> pool -> fc10, on (N, 1, 28, 28) images (MNIST) or (N, 1, 8, 8) (digits)."""

    def __init__(self):
        super().__init__()
        self.conv1 = L.Conv2d(16, kernel_size=3, pad=1)
        self.conv2 = L.Conv2d(32, kernel_size=3, pad=1)
        self.fc = L.Linear(10)

    def forward(self, x):
        x = F.pooling(F.relu(self.conv1(x)), 2, 2)
        x = F.pooling(F.relu(self.conv2(x)), 2, 2)
        return self.fc(F.flatten(x))


def load(model_kind, digits):
    if digits:
        if "Digits" not in dir(dezero.datasets):
            raise SystemExit("--digits needs the scikit-learn plugin: pip install ./plugins/dezero-plug-sklearn")
        train, test = dezero.datasets.Digits(train=True), dezero.datasets.Digits(train=False)
    else:
        train, test = MNIST(train=True), MNIST(train=False)
    if model_kind == "cnn":
        side = 8 if digits else 28
        reshape = dezero.transforms.Compose([lambda x: x.reshape(1, side, side)])
        base = train.transform
        train.transform = test.transform = dezero.transforms.Compose([base, reshape])
    return train, test


def run(
    model_kind="mlp",
    epochs=5,
    batch_size=100,
    lr=None,
    digits=False,
    gpu=False,
    verbose=True,
    backend=None,
    comm=None,
):
    """Train on ``backend`` (a name; the GPU one with ``gpu``), data-parallel over ``comm``'s ranks when given;
    return (train loss, train accuracy, test accuracy) per epoch, averaged over ranks."""
    comm = comm or distributed.LocalCommunicator()
    distributed.seed_ranks(distributed.LocalCommunicator(), 0)  # every rank alike: the same initial weights
    backend = dezero.backends.gpu_backend() if gpu else backend
    with comm.rank_zero_first():  # one download, on rank 0; the others read its cache
        train_set, test_set = load(model_kind, digits)
    train_shard = distributed.scatter_dataset(train_set, comm, seed=0)
    test_shard = distributed.scatter_dataset(test_set, comm, shuffle=False)
    train_loader = dezero.DataLoader(train_shard, batch_size // comm.size, backend=backend)
    test_loader = dezero.DataLoader(test_shard, batch_size // comm.size, shuffle=False, backend=backend)
    model = CNN() if model_kind == "cnn" else MLP((1000, 10), activation=F.relu)
    with dezero.no_grad():
        model(np.stack([train_set[0][0]]))  # the layers make their weights at their first call: now, alike
    distributed.seed_ranks(comm, 0)  # then each rank its own stream (its shard's shuffling)
    optimizer = optimizers.Adam(lr or 0.001) if model_kind == "cnn" else optimizers.SGD(lr or 0.1)
    optimizer = distributed.create_multi_node_optimizer(optimizer, comm).setup(model)
    verbose = verbose and comm.rank == 0  # progress on rank 0 only
    if backend is not None:
        model.to_backend(backend)
    history = []
    for epoch in range(epochs):
        start, loss_sum, acc_sum, n = time.perf_counter(), 0.0, 0.0, 0
        for x, t in tqdm(train_loader, desc=f"epoch {epoch + 1}", leave=False, disable=not verbose):
            y = model(x)
            loss = F.softmax_cross_entropy(y, t)
            model.cleargrads()
            loss.backward()
            optimizer.update()
            loss_sum += float(loss.data) * len(t)
            acc_sum += float(F.accuracy(y, t).data) * len(t)
            n += len(t)
        test_acc, m = 0.0, 0
        with dezero.no_grad(), dezero.test_mode():
            for x, t in test_loader:
                test_acc += float(F.accuracy(model(x), t).data) * len(t)
                m += len(t)
        history.append(tuple(comm.allreduce(v) for v in (loss_sum / n, acc_sum / n, test_acc / m)))
        if verbose:
            print(
                f"epoch {epoch + 1}: loss {history[-1][0]:.4f}, accuracy {history[-1][1]:.4f}, "
                f"test accuracy {history[-1][2]:.4f} ({time.perf_counter() - start:.1f}s)"
            )
    return history


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=["mlp", "cnn"], default="mlp")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--digits", action="store_true", help="scikit-learn's 8x8 handwritten digits (offline)")
    parser.add_argument("--plot", help="write loss and accuracy curves to this image (needs matplotlib)")
    parser.add_argument("--gpu", action="store_true", help="train on the GPU backend (dezero-plug-cupy)")
    parser.add_argument("--backend", help="train on this backend, by name (jax, array_api_strict ...)")
    parser.add_argument("--distributed", action="store_true", help="data-parallel over the ranks of mpiexec")
    args = parser.parse_args()
    plt = dezero.utils.pyplot() if args.plot else None  # before training: without matplotlib, say so now
    dezero.keep_freed_memory()  # reuse the memory each step frees (see the README): a choice for this process
    comm = distributed.create_communicator() if args.distributed else None
    try:
        history = run(
            args.model, args.epochs, args.batch_size, args.lr, args.digits, args.gpu, backend=args.backend, comm=comm
        )
    except DownloadError as exc:
        raise SystemExit(
            f"MNIST is not available: {exc}\nOr train offline on real handwritten digits: --digits"
        ) from None
    if comm is not None and comm.rank == 0:
        print(f"trained on {comm.size} rank(s) with {type(comm).__name__}")
    if args.plot and (comm is None or comm.rank == 0):
        epochs = range(1, len(history) + 1)
        plt.plot(epochs, [h[0] for h in history], label="train loss")
        plt.plot(epochs, [h[2] for h in history], label="test accuracy")
        plt.xlabel("epoch")
        plt.legend()
        plt.savefig(args.plot)
        print(f"wrote {args.plot}")


if __name__ == "__main__":
    main()
