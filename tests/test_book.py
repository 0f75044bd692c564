"""DeZero book code runs unchanged after ``import dezero_plug as dezero`` (snippets from steps 24-60)."""

import numpy as np
import pytest

pytestmark = pytest.mark.backend("numpy")  # book code is numpy code


def test_steps_24_to_36_functions_config_and_higher_order():
    import dezero_plug as dezero
    from dezero_plug import Variable

    def sphere(x, y):
        return x**2 + y**2

    x, y = Variable(np.array(1.0)), Variable(np.array(1.0))
    z = sphere(x, y)
    z.backward()
    assert (x.grad.data, y.grad.data) == (2.0, 2.0)

    with dezero.using_config("enable_backprop", False):
        assert (Variable(np.array(2.0)) * 2).creator is None
    with dezero.no_grad():
        assert not dezero.Config.enable_backprop

    x = Variable(np.array(2.0))
    y = x**2
    y.backward(create_graph=True)
    gx = x.grad
    x.cleargrad()
    z = gx**3 + y
    z.backward()
    assert x.grad.data == 100.0  # step 36


def test_steps_37_to_42_tensors_and_linear_regression():
    import dezero_plug as dezero
    import dezero_plug.functions as F
    from dezero_plug import Variable

    x = Variable(np.array([[1, 2, 3], [4, 5, 6]]))
    y = F.sum(x, axis=0)
    y.backward()
    assert y.shape == (3,) and x.grad.shape == (2, 3)
    assert x.reshape(6).shape == (6,) and x.T.shape == (3, 2) and x.transpose().shape == (3, 2)
    assert dezero.utils.sum_to(np.ones((2, 3)), (1, 3)).tolist() == [[2.0, 2.0, 2.0]]

    np.random.seed(0)
    x = np.random.rand(100, 1)
    y = 5 + 2 * x + np.random.rand(100, 1)
    x, y = Variable(x), Variable(y)
    W = Variable(np.zeros((1, 1)))
    b = Variable(np.zeros(1))

    def predict(x):
        return F.matmul(x, W) + b

    for _ in range(100):
        loss = F.mean_squared_error(y, predict(x))
        W.cleargrad()
        b.cleargrad()
        loss.backward()
        W.data -= 0.1 * W.grad.data
        b.data -= 0.1 * b.grad.data
    assert abs(W.data[0, 0] - 2.0) < 0.3 and abs(b.data[0] - 5.5) < 0.2


def test_steps_44_to_47_layers_models_optimizers():
    import dezero_plug as dezero
    import dezero_plug.functions as F
    import dezero_plug.layers as L
    from dezero_plug import Model
    from dezero_plug import optimizers
    from dezero_plug.models import MLP

    np.random.seed(0)
    x = np.random.rand(100, 1)
    y = np.sin(2 * np.pi * x) + np.random.rand(100, 1)

    class TwoLayerNet(Model):
        def __init__(self, hidden_size, out_size):
            super().__init__()
            self.l1 = L.Linear(hidden_size)
            self.l2 = L.Linear(out_size)

        def forward(self, x):
            y = F.sigmoid(self.l1(x))
            y = self.l2(y)
            return y

    for model, iters, bar in ((TwoLayerNet(10, 1), 10000, 0.1), (MLP((10, 1)), 1000, 0.3)):
        optimizer = optimizers.SGD(0.2)
        optimizer.setup(model)
        for _ in range(iters):  # the book runs 10000 iterations and ends near 0.075
            y_pred = model(x)
            loss = F.mean_squared_error(y, y_pred)
            model.cleargrads()
            loss.backward()
            optimizer.update()
        assert float(loss.data) < bar

    p = F.softmax(Variable_of(dezero, np.array([[0.2, -0.4]])))
    assert np.allclose(p.data.sum(), 1.0)


def Variable_of(dezero, a):
    return dezero.Variable(a)


def test_steps_49_to_52_datasets_and_dataloader():
    import dezero_plug as dezero
    import dezero_plug.functions as F
    from dezero_plug import DataLoader
    from dezero_plug.models import MLP

    train_set = dezero.datasets.Spiral(train=True)
    train_loader = DataLoader(train_set, batch_size=30)
    model = MLP((10, 3))
    optimizer = dezero.optimizers.SGD(1.0).setup(model)
    epoch_losses = []
    for _ in range(5):
        losses = []
        for x, t in train_loader:
            y = model(x)
            loss = F.softmax_cross_entropy(y, t)
            acc = F.accuracy(y, t)
            model.cleargrads()
            loss.backward()
            optimizer.update()
            losses.append(float(loss.data))
        epoch_losses.append(np.mean(losses))
    assert epoch_losses[-1] < 0.9 * epoch_losses[0], epoch_losses  # the spiral's loss falls as the book's does
    assert min(abs(float(acc.data) - i / len(t)) for i in range(len(t) + 1)) < 1e-6  # a share of the last batch
    xp = dezero.cuda.get_array_module(x)
    assert xp is np and dezero.cuda.gpu_enable is False


def test_step_59_rnn_and_step_53_save_weights(tmp_path):
    import dezero_plug as dezero
    import dezero_plug.functions as F
    import dezero_plug.layers as L

    class SimpleRNN(dezero.Model):
        def __init__(self, hidden_size, out_size):
            super().__init__()
            self.rnn = L.RNN(hidden_size)
            self.fc = L.Linear(out_size)

        def reset_state(self):
            self.rnn.reset_state()

        def forward(self, x):
            h = self.rnn(x)
            y = self.fc(h)
            return y

    seq_data = [np.random.randn(1, 1) for _ in range(10)]
    model = SimpleRNN(10, 1)
    loss, cnt = 0, 0
    for x in seq_data:
        y = model(x)
        loss += F.mean_squared_error(y, np.zeros((1, 1)))
        cnt += 1
    model.cleargrads()
    loss.backward()
    loss.unchain_backward()
    assert loss.creator is not None and all(x.creator is None for x in loss.creator.inputs)  # the graph cut
    assert all(p.grad is not None for p in model.params())  # backward reached every parameter, through time
    model.save_weights(str(tmp_path / "rnn.npz"))
    saved = {id(p): p.data.copy() for p in model.params()}
    for p in model.params():
        p.data = p.data * 0  # a model that would predict 0: the load must bring the weights back
    model.load_weights(str(tmp_path / "rnn.npz"))
    assert all(np.array_equal(p.data, saved[id(p)]) for p in model.params())
