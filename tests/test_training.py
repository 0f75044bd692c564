"""Training end to end: the book's spiral MLP, a small CNN on generated images, and the examples as scripts."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import dezero_plug as dezero
import dezero_plug.functions as F
import dezero_plug.layers as L
from dezero_plug import optimizers

EXAMPLES = Path(__file__).parent.parent / "examples"
pytestmark = pytest.mark.backend("numpy")


def test_spiral_mlp_as_in_the_book_ends_below_015():
    sys.path.insert(0, str(EXAMPLES))
    try:
        import spiral
    finally:
        sys.path.remove(str(EXAMPLES))
    history = spiral.train(epochs=300, batch_size=30, hidden_size=10, lr=1.0, seed=0, verbose=False)
    assert history[-1] < 0.15, f"final mean epoch loss {history[-1]:.4f}"  # DeZero: 0.095-0.13 over seeds
    assert history[-1] < history[0] / 5


def bars(n, rng):
    """8x8 images of one bright bar: horizontal, vertical, or one of two diagonals (4 classes) plus noise."""
    x = rng.uniform(0, 0.4, (n, 1, 8, 8)).astype(np.float32)
    t = rng.randint(0, 4, n)
    for i, c in enumerate(t):
        k = rng.randint(1, 7)
        if c == 0:
            x[i, 0, k, :] = 1.0
        elif c == 1:
            x[i, 0, :, k] = 1.0
        elif c == 2:
            x[i, 0, np.arange(8), np.arange(8)] = 1.0
        else:
            x[i, 0, np.arange(8), 7 - np.arange(8)] = 1.0
    return x, t


class SmallCNN(dezero.Model):
    def __init__(self):
        super().__init__()
        self.conv = L.Conv2d(8, kernel_size=3, pad=1)
        self.fc = L.Linear(4)

    def forward(self, x):
        return self.fc(F.flatten(F.pooling(F.relu(self.conv(x)), 2, 2)))


def test_a_small_cnn_beats_chance_by_a_wide_margin():
    rng = np.random.RandomState(0)
    np.random.seed(0)
    (x, t), (x_test, t_test) = bars(400, rng), bars(200, rng)
    model = SmallCNN()
    opt = optimizers.Adam(0.01).setup(model)
    for _ in range(5):
        for i in range(0, 400, 40):
            loss = F.softmax_cross_entropy(model(x[i : i + 40]), t[i : i + 40])
            model.cleargrads()
            loss.backward()
            opt.update()
    with dezero.test_mode():
        accuracy = float(F.accuracy(model(x_test), t_test).data)
    assert accuracy > 0.8, f"test accuracy {accuracy:.3f} (chance: 0.25)"


@pytest.mark.parametrize(
    "script,args,expect",
    [
        ("spiral.py", ["--epochs", "30"], "final mean epoch loss"),
        ("sincurve_lstm.py", ["--epochs", "3"], "final loss"),
        ("derivatives.py", [], "Newton"),
        ("typed/train.py", ["--epochs", "30"], "loss: first epoch"),
    ],
    ids=["spiral", "sincurve-lstm", "derivatives", "typed-train"],
)
def test_examples_run_from_the_command_line(script, args, expect):
    done = subprocess.run([sys.executable, str(EXAMPLES / script), *args], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert expect in done.stdout


def test_mnist_example_without_files_or_network_says_what_to_do(tmp_path):
    env = {
        "DEZERO_PLUG_CACHE_DIR": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        "http_proxy": "http://127.0.0.1:9",
        "https_proxy": "http://127.0.0.1:9",
        **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"},  # where dezero_plug is not pip-installed
    }
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "mnist.py"), "--epochs", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode != 0
    assert "MNIST is not available" in done.stderr and "place it at" in done.stderr and "--digits" in done.stderr


def test_a_dataset_item_that_fails_or_does_not_stack_is_named_by_the_data_loader():
    class Broken(dezero.Dataset):
        def prepare(self):
            self.data, self.label = np.zeros((6, 2)), np.zeros(6, dtype=np.int64)

        def __getitem__(self, index):
            if index == 4:
                raise OSError("cannot read image 4.png")
            return super().__getitem__(index)

    loader = dezero.DataLoader(Broken(), batch_size=3, shuffle=False)
    next(loader)
    with pytest.raises(OSError, match=r"^DataLoader: item 4 of the Broken: cannot read image 4.png"):
        next(loader)

    class Ragged(dezero.Dataset):
        def prepare(self):
            self.data, self.label = [np.zeros(2), np.zeros(3), np.zeros(2)], np.zeros(3, dtype=np.int64)

    with pytest.raises(ValueError, match=r"data of one batch have different shapes \(item 0: \(2,\), item 1: \(3,\)\)"):
        next(dezero.DataLoader(Ragged(), batch_size=3, shuffle=False))
