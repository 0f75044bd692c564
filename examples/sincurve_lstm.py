"""Predict the next value of a noisy sine with an LSTM and truncated BPTT (the book's step 60).

Run: python examples/sincurve_lstm.py [--epochs 100] [--hidden 100] [--bptt 30] [--plot pred.png]
"""

import argparse

import numpy as np

import dezero_plug as dezero
import dezero_plug.functions as F
import dezero_plug.layers as L
from dezero_plug import optimizers
from dezero_plug.datasets import SinCurve

try:
    from tqdm import tqdm
except ImportError:

    def tqdm(iterable, **kwargs):
        return iterable


class BetterRNN(dezero.Model):
    def __init__(self, hidden_size, out_size):
        super().__init__()
        self.rnn = L.LSTM(hidden_size)
        self.fc = L.Linear(out_size)

    def reset_state(self):
        self.rnn.reset_state()

    def forward(self, x):
        return self.fc(self.rnn(x))


def train(epochs=100, hidden_size=100, bptt_length=30, batch_size=30, verbose=True):
    """Train; return (mean loss per epoch, the model)."""
    np.random.seed(0)
    dataset = SinCurve(train=True)
    loader = dezero.SeqDataLoader(dataset, batch_size=batch_size)
    model = BetterRNN(hidden_size, 1)
    optimizer = optimizers.Adam().setup(model)
    history = []
    for epoch in tqdm(range(epochs), desc="sincurve", disable=not verbose):
        model.reset_state()
        loss, count, total = 0, 0, 0.0
        for x, t in loader:
            loss += F.mean_squared_error(model(x), t)
            count += 1
            if count % bptt_length == 0 or count == len(loader):
                model.cleargrads()
                loss.backward()
                loss.unchain_backward()
                optimizer.update()
                total += float(loss.data)
                loss = 0
        history.append(total / count)
        if verbose and (epoch + 1) % max(1, epochs // 10) == 0:
            print(f"epoch {epoch + 1}: loss {history[-1]:.5f}")
    return history, model


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--bptt", type=int, default=30)
    parser.add_argument("--plot", help="write the prediction of cos(x) to this image (needs matplotlib)")
    args = parser.parse_args()
    plt = dezero.utils.pyplot() if args.plot else None  # before training: without matplotlib, say so now
    dezero.keep_freed_memory()  # reuse the memory each step frees (see the README): a choice for this process
    history, model = train(args.epochs, args.hidden, args.bptt)
    print(f"final loss: {history[-1]:.5f}")
    if args.plot:
        xs = np.cos(np.linspace(0, 4 * np.pi, 1000))
        model.reset_state()
        with dezero.no_grad():
            pred = [model(np.array(x).reshape(1, 1)).data.item() for x in xs]
        plt.plot(np.arange(len(xs)), xs, label="y=cos(x)")
        plt.plot(np.arange(len(xs)), pred, label="predict")
        plt.legend()
        plt.savefig(args.plot)
        print(f"wrote {args.plot}")


if __name__ == "__main__":
    main()
