"""One snippet of our own per book step 23-60 and per DeZero example, written as the book writes them.

Each runs in a fresh namespace with ``import dezero_plug as dezero`` in place of ``import dezero``
(the only change book code needs), on numpy (the reference: DeZero 0.0.13 on numpy < 1.24) and
asserts what the book prints. Steps that need a download, a GPU or Graphviz's ``dot`` say so and
are listed in the README with the reason.
"""

import sys
import textwrap

import numpy as np
import pytest

pytestmark = pytest.mark.backend("numpy")  # book code is numpy code

PRELUDE = """
import math
import numpy as np
import dezero_plug as dezero
import dezero_plug.functions as F
import dezero_plug.layers as L
from dezero_plug import Variable, Function, Model, optimizers
from dezero_plug.models import MLP
from dezero_plug.utils import plot_dot_graph, get_dot_graph
np.random.seed(0)
"""

STEPS = {
    23: """
        from dezero_plug import Variable
        x = Variable(np.array(1.0))
        y = (x + 3) ** 2
        y.backward()
        assert y.data == 16.0 and x.grad.data == 8.0
    """,
    24: """
        def matyas(x, y):
            return 0.26 * (x ** 2 + y ** 2) - 0.48 * x * y
        def goldstein(x, y):
            return (1 + (x + y + 1)**2 * (19 - 14*x + 3*x**2 - 14*y + 6*x*y + 3*y**2)) * \\
                   (30 + (2*x - 3*y)**2 * (18 - 32*x + 12*x**2 + 48*y - 36*x*y + 27*y**2))
        x, y = Variable(np.array(1.0)), Variable(np.array(1.0))
        z = matyas(x, y); z.backward()
        assert np.isclose(x.grad.data, 0.04) and np.isclose(y.grad.data, 0.04)
        x, y = Variable(np.array(1.0)), Variable(np.array(1.0))
        z = goldstein(x, y); z.backward()
        assert (x.grad.data, y.grad.data) == (-5376.0, 8064.0)
    """,
    25: """
        x, y = Variable(np.array(1.0)), Variable(np.array(1.0))
        x.name, y.name = "x", "y"
        z = x * y + x
        z.name = "z"
        dot = get_dot_graph(z, verbose=False)
        assert dot.startswith("digraph g {") and 'label="x"' in dot and 'label="z"' in dot
    """,
    26: """
        x = Variable(np.array(1.0), name="x")
        y = Variable(np.array(1.0), name="y")
        z = (x + y) * x
        z.name = "z"
        dot = get_dot_graph(z, verbose=True)
        assert dot.count("->") == 6 and "Mul" in dot and "Add" in dot
    """,
    27: """
        def my_sin(x, threshold=0.0001):
            y = 0
            for i in range(100000):
                c = (-1) ** i / math.factorial(2 * i + 1)
                t = c * x ** (2 * i + 1)
                y = y + t
                if abs(t.data) < threshold:
                    break
            return y
        x = Variable(np.array(np.pi / 4))
        y = my_sin(x)
        y.backward()
        assert np.isclose(y.data, np.sin(np.pi / 4)) and np.isclose(x.grad.data, np.cos(np.pi / 4), atol=1e-4)
    """,
    28: """
        def rosenbrock(x0, x1):
            return 100 * (x1 - x0 ** 2) ** 2 + (x0 - 1) ** 2
        x0, x1 = Variable(np.array(0.0)), Variable(np.array(2.0))
        lr = 0.001
        for i in range(1000):
            y = rosenbrock(x0, x1)
            x0.cleargrad(); x1.cleargrad()
            y.backward()
            x0.data -= lr * x0.grad  # the book's line: a Variable assigned to .data stores its array
            x1.data -= lr * x1.grad
        assert 0.6 < x0.data < 0.8 and 0.35 < x1.data < 0.6 and dezero.is_simple_core is False
    """,
    29: """
        def f(x):
            return x ** 4 - 2 * x ** 2
        def gx2(x):
            return 12 * x ** 2 - 4
        x = Variable(np.array(2.0))
        for i in range(10):
            y = f(x)
            x.cleargrad()
            y.backward()
            x.data -= x.grad / gx2(x.data)
        assert np.isclose(x.data, 1.0)
    """,
    30: """
        from dezero_plug import core
        assert core.Variable is Variable and core.Function is Function and callable(core.setup_variable)
        class Square(Function):
            def forward(self, x):
                return x ** 2
            def backward(self, gy):
                x, = self.inputs
                return 2 * x * gy
        x = Variable(np.array(3.0))
        y = Square()(x)
        y.backward(create_graph=True)
        assert y.creator.generation == 0 and x.grad.creator is not None
    """,
    31: """
        x = Variable(np.array(2.0))
        y = x ** 2
        y.backward(create_graph=False)
        assert x.grad.creator is None
        x.cleargrad()
        y = x ** 2
        y.backward(create_graph=True)
        assert x.grad.creator is not None
    """,
    32: """
        from dezero_plug import core_simple
        assert core_simple.setup_variable is dezero.core.setup_variable
        dezero.setup_variable()
        x = Variable(np.array(2.0))
        assert (x * 3 + 1).data == 7.0
    """,
    33: """
        def f(x):
            return x ** 4 - 2 * x ** 2
        x = Variable(np.array(2.0))
        for i in range(10):
            y = f(x)
            x.cleargrad()
            y.backward(create_graph=True)
            gx = x.grad
            x.cleargrad()
            gx.backward()
            gx2 = x.grad
            x.data -= gx.data / gx2.data
        assert np.isclose(x.data, 1.0)
    """,
    34: """
        x = Variable(np.linspace(-7, 7, 200))
        y = F.sin(x)
        y.backward(create_graph=True)
        logs = [y.data]
        for i in range(3):
            logs.append(x.grad.data)
            gx = x.grad
            x.cleargrad()
            gx.backward(create_graph=True)
        assert np.allclose(logs[1], np.cos(x.data)) and np.allclose(logs[3], -np.cos(x.data))
    """,
    35: """
        x = Variable(np.array(1.0))
        y = F.tanh(x)
        x.name, y.name = "x", "y"
        y.backward(create_graph=True)
        iters = 2
        for i in range(iters):
            gx = x.grad
            x.cleargrad()
            gx.backward(create_graph=True)
        gx = x.grad
        gx.name = "gx" + str(iters + 1)
        t = np.tanh(1.0)
        assert np.isclose(gx.data, (1 - t**2) * (6 * t**2 - 2))  # the third derivative of tanh
        assert "digraph" in get_dot_graph(gx, verbose=False)
    """,
    36: """
        x = Variable(np.array(2.0))
        y = x ** 2
        y.backward(create_graph=True)
        gx = x.grad
        x.cleargrad()
        z = gx ** 3 + y
        z.backward()
        assert x.grad.data == 100.0
    """,
    37: """
        x = Variable(np.array([[1, 2, 3], [4, 5, 6]]))
        c = Variable(np.array([[10, 20, 30], [40, 50, 60]]))
        t = x + c
        y = F.sum(t)
        y.backward(retain_grad=True)
        assert y.data == 231 and t.grad.shape == (2, 3) and x.grad.shape == (2, 3)
    """,
    38: """
        x = Variable(np.array([[1, 2, 3], [4, 5, 6]]))
        y = F.reshape(x, (6,))
        y.backward(retain_grad=True)
        assert x.grad.shape == (2, 3)
        x.cleargrad()
        y = x.reshape((3, 2)); y = x.reshape(3, 2)
        y = F.transpose(x)
        y.backward()
        assert x.grad.shape == (2, 3) and x.T.shape == (3, 2)
    """,
    39: """
        x = Variable(np.array([[1, 2, 3], [4, 5, 6]]))
        y = F.sum(x, axis=0)
        y.backward()
        assert y.data.tolist() == [5, 7, 9] and x.grad.shape == (2, 3)
        x = Variable(np.random.randn(2, 3, 4, 5))
        y = x.sum(keepdims=True)
        assert y.shape == (1, 1, 1, 1)
    """,
    40: """
        x0 = Variable(np.array([1, 2, 3]))
        x1 = Variable(np.array([10]))
        y = x0 + x1
        y.backward()
        assert y.data.tolist() == [11, 12, 13] and x1.grad.data.tolist() == [3]
    """,
    41: """
        x = Variable(np.random.randn(2, 3))
        W = Variable(np.random.randn(3, 4))
        y = F.matmul(x, W)
        y.backward()
        assert x.grad.shape == (2, 3) and W.grad.shape == (3, 4)
        assert np.allclose(x.matmul(W).data, y.data) and np.allclose(x.dot(W).data, y.data)
    """,
    42: """
        x = np.random.rand(100, 1)
        y = 5 + 2 * x + np.random.rand(100, 1)
        x, y = Variable(x), Variable(y)
        W = Variable(np.zeros((1, 1)))
        b = Variable(np.zeros(1))
        def predict(x):
            return F.matmul(x, W) + b
        def mean_squared_error(x0, x1):
            diff = x0 - x1
            return F.sum(diff ** 2) / len(diff)
        lr = 0.1
        for i in range(100):
            y_pred = predict(x)
            loss = mean_squared_error(y, y_pred)
            W.cleargrad(); b.cleargrad()
            loss.backward()
            W.data -= lr * W.grad.data
            b.data -= lr * b.grad.data
        assert abs(float(loss.data) - 0.0782) < 0.01
    """,
    43: """
        x = np.random.rand(100, 1)
        y = np.sin(2 * np.pi * x) + np.random.rand(100, 1)
        I, H, O = 1, 10, 1
        W1 = Variable(0.01 * np.random.randn(I, H)); b1 = Variable(np.zeros(H))
        W2 = Variable(0.01 * np.random.randn(H, O)); b2 = Variable(np.zeros(O))
        def predict(x):
            y = F.linear(x, W1, b1)
            y = F.sigmoid(y)
            return F.linear(y, W2, b2)
        lr = 0.2
        for i in range(2000):
            loss = F.mean_squared_error(y, predict(x))
            for p in (W1, b1, W2, b2):
                p.cleargrad()
            loss.backward()
            for p in (W1, b1, W2, b2):
                p.data -= lr * p.grad.data
        assert float(loss.data) < 0.25
    """,
    44: """
        x = np.random.rand(100, 1)
        y = np.sin(2 * np.pi * x) + np.random.rand(100, 1)
        l1, l2 = L.Linear(10), L.Linear(1)
        def predict(x):
            return l2(F.sigmoid(l1(x)))
        for i in range(2000):
            loss = F.mean_squared_error(y, predict(x))
            l1.cleargrads(); l2.cleargrads()
            loss.backward()
            for l in (l1, l2):
                for p in l.params():
                    p.data -= 0.2 * p.grad.data
        assert float(loss.data) < 0.25 and len(list(l1.params())) == 2
    """,
    45: """
        class TwoLayerNet(Model):
            def __init__(self, hidden_size, out_size):
                super().__init__()
                self.l1 = L.Linear(hidden_size)
                self.l2 = L.Linear(out_size)
            def forward(self, x):
                return self.l2(F.sigmoid(self.l1(x)))
        x = Variable(np.random.randn(5, 10), name="x")
        model = TwoLayerNet(100, 10)
        assert model(x).shape == (5, 10) and len(list(model.params())) == 4
        assert MLP((10, 20, 30, 40, 1))(x).shape == (5, 1)
    """,
    46: """
        x = np.random.rand(100, 1)
        y = np.sin(2 * np.pi * x) + np.random.rand(100, 1)
        model = MLP((10, 1))
        optimizer = optimizers.MomentumSGD(0.2).setup(model)
        for i in range(1000):
            loss = F.mean_squared_error(y, model(x))
            model.cleargrads()
            loss.backward()
            optimizer.update()
        assert float(loss.data) < 0.25
    """,
    47: """
        model = MLP((10, 3))
        x = np.array([[0.2, -0.4], [0.3, 0.5], [1.3, -3.2], [2.1, 0.3]])
        t = np.array([2, 0, 1, 0])
        y = model(x)
        p = F.softmax(y)
        loss = F.softmax_cross_entropy(y, t)
        loss.backward()
        assert np.allclose(p.data.sum(axis=1), 1.0) and loss.shape == () and F.get_item(y, 1).shape == (3,)
        assert y[1].shape == (3,) and y[:, 2].shape == (4,)
    """,
    48: """
        x, t = dezero.datasets.get_spiral(train=True)
        model = MLP((10, 3))
        optimizer = optimizers.SGD(1.0).setup(model)
        batch_size, data_size = 30, len(x)
        max_iter = math.ceil(data_size / batch_size)
        for epoch in range(30):
            index = np.random.permutation(data_size)
            total = 0
            for i in range(max_iter):
                batch_index = index[i * batch_size:(i + 1) * batch_size]
                batch_x, batch_t = x[batch_index], t[batch_index]
                loss = F.softmax_cross_entropy(model(batch_x), batch_t)
                model.cleargrads()
                loss.backward()
                optimizer.update()
                total += float(loss.data) * len(batch_t)
        assert total / data_size < 0.8
    """,
    49: """
        train_set = dezero.datasets.Spiral(train=True)
        assert len(train_set) == 300 and train_set[0][0].shape == (2,)
        class BigData(dezero.datasets.Dataset):
            def __getitem__(self, index):
                return np.full(2, index), index % 3
            def __len__(self):
                return 10
        def f(x):
            return x / 2.0
        train_set = dezero.datasets.Spiral(transform=f)
        assert np.allclose(train_set[0][0] * 2, dezero.datasets.Spiral()[0][0])
        assert len(BigData()) == 10
    """,
    50: """
        train_loader = dezero.DataLoader(dezero.datasets.Spiral(train=True), 10)
        test_loader = dezero.DataLoader(dezero.datasets.Spiral(train=False), 10, shuffle=False)
        model = MLP((10, 3))
        optimizer = optimizers.SGD(1.0).setup(model)
        for epoch in range(20):
            for x, t in train_loader:
                loss = F.softmax_cross_entropy(model(x), t)
                model.cleargrads(); loss.backward(); optimizer.update()
        with dezero.no_grad():
            accs = [float(F.accuracy(model(x), t).data) for x, t in test_loader]
        assert np.mean(accs) > 0.7
    """,
    51: """
        # the MNIST files are a download (a checksum-verified one): here the same pipeline on MNIST-shaped data
        def f(x):
            x = x.flatten()
            x = x.astype(np.float32)
            return x / 255.0
        images = np.random.randint(0, 256, size=(50, 1, 28, 28)).astype(np.uint8)
        labels = np.random.randint(0, 10, size=50)
        class FakeMNIST(dezero.datasets.Dataset):
            def prepare(self):
                self.data, self.label = images, labels
        train_loader = dezero.DataLoader(FakeMNIST(transform=f), 10)
        model = MLP((100, 10), activation=F.relu)
        optimizer = optimizers.Adam().setup(model)
        for x, t in train_loader:
            loss = F.softmax_cross_entropy(model(x), t)
            model.cleargrads(); loss.backward(); optimizer.update()
        assert x.shape == (10, 784) and x.dtype == np.float32
    """,
    52: """
        # GPU: without CuPy installed, to_gpu() says which wheel to install; everything else runs on numpy
        assert dezero.cuda.gpu_enable is False
        x = np.ones((2, 2))
        assert dezero.cuda.get_array_module(x) is np and dezero.cuda.as_numpy(x) is x
    """,
    53: """
        import os, tempfile
        model = MLP((100, 10))
        x = np.random.rand(2, 784).astype(np.float32)
        y = model(x)
        path = os.path.join(tempfile.mkdtemp(), "my_mlp.npz")
        model.save_weights(path)
        again = MLP((100, 10))
        again.load_weights(path)
        assert np.allclose(again(x).data, y.data)
    """,
    54: """
        x = np.ones(5)
        y = F.dropout(x)
        assert set(np.unique(y.data)) <= {0.0, 2.0}
        with dezero.test_mode():
            y = F.dropout(x)
        assert np.all(y.data == 1.0)
    """,
    55: """
        from dezero_plug.utils import get_conv_outsize
        H, W = 4, 4
        KH, KW = 3, 3
        SH, SW = 1, 1
        PH, PW = 1, 1
        assert (get_conv_outsize(H, KH, SH, PH), get_conv_outsize(W, KW, SW, PW)) == (4, 4)
    """,
    56: """
        # step 56 is the theory of CNN layers: the shapes it draws, computed
        x = np.random.rand(1, 3, 7, 7)
        col = F.im2col(x, kernel_size=5, stride=1, pad=0, to_matrix=True)
        assert col.shape == (9, 75)
        x = np.random.rand(10, 3, 7, 7)
        assert F.im2col(x, kernel_size=(5, 5), stride=(1, 1), pad=(0, 0)).shape == (90, 75)
    """,
    57: """
        N, C, H, W = 1, 5, 15, 15
        OC, (KH, KW) = 8, (3, 3)
        x = Variable(np.random.randn(N, C, H, W))
        W = np.random.randn(OC, C, KH, KW)
        y = F.conv2d_simple(x, W, b=None, stride=1, pad=1)
        y.backward()
        assert y.shape == (1, 8, 15, 15) and x.grad.shape == (1, 5, 15, 15)
        y2 = F.conv2d(x, W, b=None, stride=1, pad=1)
        assert np.allclose(y.data, y2.data)
        import dezero_plug.functions_conv as FC
        assert FC.Conv2d is type(y2.creator) and F.pooling(x, 2, 2).shape == (1, 5, 7, 7)
    """,
    58: """
        # VGG16's pretrained weights are a download; the model itself, without them (fc6 sizes itself lazily:
        # a 32x32 image keeps the test fast; the book's 224x224 gives the same (1, 1000))
        from dezero_plug.models import VGG16
        model = VGG16(pretrained=False)
        x = np.random.rand(1, 3, 32, 32).astype(np.float32)
        with dezero.test_mode(), dezero.no_grad():
            y = model(x)
        assert y.shape == (1, 1000) and np.isfinite(y.data).all()
        assert len(list(model.params())) == 2 * 16  # VGG16: 13 convolutions and 3 linear layers, W and b each
    """,
    59: """
        train_set = dezero.datasets.SinCurve(train=True)
        class SimpleRNN(Model):
            def __init__(self, hidden_size, out_size):
                super().__init__()
                self.rnn = L.RNN(hidden_size)
                self.fc = L.Linear(out_size)
            def reset_state(self):
                self.rnn.reset_state()
            def forward(self, x):
                return self.fc(self.rnn(x))
        model = SimpleRNN(10, 1)
        optimizer = optimizers.Adam().setup(model)
        bptt_length = 30
        loss, count = 0, 0
        for x, t in list(train_set)[:120]:
            x = x.reshape(1, 1)
            y = model(x)
            loss += F.mean_squared_error(y, t)
            count += 1
            if count % bptt_length == 0:
                model.cleargrads()
                loss.backward()
                loss.unchain_backward()
                optimizer.update()
        assert count == 120
    """,
    60: """
        from dezero_plug.dataloaders import SeqDataLoader
        train_set = dezero.datasets.SinCurve(train=True)
        loader = SeqDataLoader(train_set, batch_size=30)
        class BetterRNN(Model):
            def __init__(self, hidden_size, out_size):
                super().__init__()
                self.rnn = L.LSTM(hidden_size)
                self.fc = L.Linear(out_size)
            def reset_state(self):
                self.rnn.reset_state()
            def forward(self, x):
                return self.fc(self.rnn(x))
        model = BetterRNN(20, 1)
        optimizer = optimizers.Adam().setup(model)
        loss, count = 0, 0
        for x, t in loader:
            y = model(x)
            loss += F.mean_squared_error(y, t)
            count += 1
            if count % 30 == 0:
                model.cleargrads(); loss.backward(); loss.unchain_backward(); optimizer.update()
            if count == 60:
                break
        assert x.shape == (30, 1)
    """,
}

EXAMPLES = {
    "tanh.py": """
        x = Variable(np.array(1.0))
        y = F.tanh(x)
        x.name, y.name = "x", "y"
        y.backward(create_graph=True)
        for i in range(3):
            gx = x.grad
            x.cleargrad()
            gx.backward(create_graph=True)
        gx = x.grad
        assert "digraph" in get_dot_graph(gx, verbose=False)  # plot_dot_graph needs Graphviz's dot
    """,
    "spiral.py": """
        train_set = dezero.datasets.Spiral()
        model = MLP((10, 3))
        optimizer = optimizers.SGD(1.0).setup(model)
        for epoch in range(10):
            for x, t in dezero.DataLoader(train_set, 30):
                loss = F.softmax_cross_entropy(model(x), t)
                model.cleargrads(); loss.backward(); optimizer.update()
        assert float(loss.data) < 1.2
    """,
    "mnist.py": """
        # as examples/mnist.py on MNIST-shaped random data (the real files are a download)
        x = np.random.rand(64, 784).astype(np.float32)
        t = np.random.randint(0, 10, 64)
        model = MLP((1000, 10), activation=F.relu)
        optimizer = optimizers.SGD().setup(model)
        optimizer.add_hook(optimizers.WeightDecay(1e-4))
        for _ in range(3):
            loss = F.softmax_cross_entropy(model(x), t)
            model.cleargrads(); loss.backward(); optimizer.update()
        assert np.isfinite(float(loss.data))
    """,
    "vae.py": """
        latent, hidden = 2, 20
        class Encoder(Model):
            def __init__(self):
                super().__init__()
                self.l1, self.l2, self.l3 = L.Linear(hidden), L.Linear(latent), L.Linear(latent)
            def forward(self, x):
                h = F.relu(self.l1(x))
                return self.l2(h), self.l3(h)
        class Decoder(Model):
            def __init__(self):
                super().__init__()
                self.l1, self.l2 = L.Linear(hidden), L.Linear(784)
            def forward(self, z):
                return F.sigmoid(self.l2(F.relu(self.l1(z))))
        enc, dec = Encoder(), Decoder()
        x = np.random.rand(8, 784).astype(np.float32)
        z_mean, z_log_var = enc(x)
        eps = np.random.randn(*z_mean.shape).astype(np.float32)
        z = z_mean + eps * F.exp(z_log_var * 0.5)
        y = dec(z)
        rec = F.binary_cross_entropy(F.reshape(y, (-1,)), x.reshape(-1)) * 784
        kl = -0.5 * F.sum(1 + z_log_var - z_mean ** 2 - F.exp(z_log_var)) / len(x)
        loss = rec + kl
        enc.cleargrads(); dec.cleargrads(); loss.backward()
        assert enc.l1.W.grad is not None and np.isfinite(float(loss.data))
    """,
    "gan.py": """
        gen = dezero.models.Sequential(
            L.Linear(64 * 2 * 2), L.BatchNorm(), F.relu,
            lambda x: F.reshape(x, (-1, 64, 2, 2)),
            L.Deconv2d(32, kernel_size=4, stride=2, pad=1), L.BatchNorm(), F.relu,
            L.Deconv2d(1, kernel_size=4, stride=2, pad=1), F.sigmoid,
        )
        dis = dezero.models.Sequential(
            L.Conv2d(32, kernel_size=3, stride=2, pad=1), F.leaky_relu,
            L.Conv2d(64, kernel_size=3, stride=2, pad=1), L.BatchNorm(), F.leaky_relu,
            F.flatten, L.Linear(1), F.sigmoid,
        )
        z = np.random.rand(4, 8).astype(np.float32)
        fake = gen(z)
        assert fake.shape == (4, 1, 8, 8)
        y = dis(fake)
        loss = F.binary_cross_entropy(y, np.ones((4, 1), dtype=np.int64))
        gen.cleargrads(); dis.cleargrads(); loss.backward()
        assert y.shape == (4, 1) and gen.layers[0].W.grad is not None
    """,
    "style_transfer.py / grad_cam.py": """
        # both start from VGG16's pretrained weights (a download); the model and its layers are here
        from dezero_plug.models import VGG16
        model = VGG16(pretrained=False)
        assert hasattr(model, "conv1_1") and hasattr(model, "fc8")
    """,
}


def run(code):
    namespace = {}
    exec(compile(textwrap.dedent(PRELUDE) + textwrap.dedent(code), "<book snippet>", "exec"), namespace)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("step", sorted(STEPS), ids=lambda s: f"step{s}")
def test_book_step(step):
    run(STEPS[step])


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_dezero_example(example):
    run(EXAMPLES[example])


def test_every_step_from_23_to_60_has_a_snippet():
    assert sorted(STEPS) == list(range(23, 61))


def test_the_book_names_that_used_to_be_missing_are_where_book_code_finds_them():
    import dezero_plug as dezero
    import dezero_plug.datasets as D
    import dezero_plug.functions as F
    import dezero_plug.functions_conv as FC
    import dezero_plug.models as M
    from dezero_plug import core
    from dezero_plug import core_simple
    from dezero_plug import transforms

    assert dezero.is_simple_core is False and core.setup_variable is core_simple.setup_variable
    assert F.Exp.__name__ == "Exp" and F.Sigmoid.__name__ == "Sigmoid" and FC.Conv2d.__name__ == "Conv2d"
    assert FC.Conv2DGradW.__name__ == "Conv2dGradW"
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        F.Nope
    assert callable(dezero.utils.show_progress) and callable(D.get_file) and isinstance(D.cache_dir, str)
    assert isinstance(dezero.dataloaders.pil_available, bool)
    block = M.BuildingBlock(2, 16, 8, 16, 1)
    assert isinstance(block.a, M.BottleneckA) and isinstance(block.b1, M.BottleneckB)
    out = transforms.Normalize(mean=[0.5], std=[0.5])(np.ones((3, 2, 2), dtype=np.float32))
    assert out.shape == (3, 2, 2) and np.all(out == 1.0)
    with pytest.raises(ValueError, match=r"Normalize: mean has 2 values for an array of 3 channels"):
        transforms.Normalize(mean=[0.5, 0.5])(np.ones((3, 2, 2), dtype=np.float32))


def test_the_dataset_cache_round_trips(tmp_path, monkeypatch):
    import dezero_plug.datasets as D

    monkeypatch.setenv("DEZERO_PLUG_CACHE_DIR", str(tmp_path))
    assert D.load_cache_npz("http://x/y/data.gz", train=True) == (None, None)
    path = D.save_cache_npz(np.arange(6).reshape(2, 3), np.array([0, 1]), "http://x/y/data.gz", train=True)
    assert path.endswith("data.gz.train.npz")
    data, label = D.load_cache_npz("http://x/y/data.gz", train=True)
    assert data.tolist() == [[0, 1, 2], [3, 4, 5]] and label.tolist() == [0, 1]


BOOK_STEP_28 = """
import numpy as np
from dezero import Variable
# import dezero's simple_core explicitly
import dezero
if not dezero.is_simple_core:
    from dezero.core_simple import Variable
    from dezero.core_simple import setup_variable
    setup_variable()


def rosenbrock(x0, x1):
    y = 100 * (x1 - x0 ** 2) ** 2 + (x0 - 1) ** 2
    return y


x0 = Variable(np.array(0.0))
x1 = Variable(np.array(2.0))
lr = 0.001
iters = 1000

for i in range(iters):
    print(x0, x1)

    y = rosenbrock(x0, x1)

    x0.cleargrad()
    x1.cleargrad()
    y.backward()

    x0.data -= lr * x0.grad
    x1.data -= lr * x1.grad
"""

BOOK_STEP_29 = """
import numpy as np
# import dezero's simple_core explicitly
import dezero
if not dezero.is_simple_core:
    from dezero.core_simple import Variable
    from dezero.core_simple import setup_variable
    setup_variable()


def f(x):
    y = x ** 4 - 2 * x ** 2
    return y


def gx2(x):
    return 12 * x ** 2 - 4


x = Variable(np.array(2.0))
iters = 10

for i in range(iters):
    print(i, x)

    y = f(x)
    x.cleargrad()
    y.backward()

    x.data -= x.grad / gx2(x.data)
"""


def test_steps_28_and_29_run_as_the_book_prints_them(capsys, monkeypatch):
    """steps/step28.py and step29.py of deep-learning-from-scratch-3, whole but for their sys.path lines, with
    ``dezero`` the name of this package. In the book's ``core_simple`` a gradient is an array; here it is a
    Variable, so ``x0.data -= lr * x0.grad`` assigns a Variable to ``.data``, which stores its array."""
    import dezero_plug

    monkeypatch.setitem(sys.modules, "dezero", dezero_plug)
    monkeypatch.setitem(sys.modules, "dezero.core_simple", dezero_plug.core_simple)
    exec(compile(BOOK_STEP_28, "step28.py", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed[:2] == ["variable(0.0) variable(2.0)", "variable(0.002) variable(1.6)"]
    assert printed[-1] == "variable(0.6834917840420289) variable(0.46565059996514135)" and len(printed) == 1000
    exec(compile(BOOK_STEP_29, "step29.py", "exec"), {})
    assert capsys.readouterr().out.splitlines() == [  # the book's output of step 29
        "0 variable(2.0)",
        "1 variable(1.4545454545454546)",
        "2 variable(1.1510467893775467)",
        "3 variable(1.0253259289766978)",
        "4 variable(1.0009084519430513)",
        "5 variable(1.0000012353089454)",
        "6 variable(1.000000000002289)",
        "7 variable(1.0)",
        "8 variable(1.0)",
        "9 variable(1.0)",
    ]


def test_the_first_dezero_example_of_deep_learning_from_scratch_4_runs_as_written(capsys):
    """ch07/dezero1.py of deep-learning-from-scratch-4, its lines as issue 30 quotes them: ``F.matmul`` of two 1-d
    Variables is their inner product (numpy's and DeZero's rule), then of two 2x2 integer arrays."""
    import dezero_plug.functions as F
    from dezero_plug import Variable

    a = Variable(np.array([1, 2, 3]))
    b = Variable(np.array([4, 5, 6]))
    c = F.matmul(a, b)
    print(c)
    a = np.array([[1, 2], [3, 4]])
    b = np.array([[5, 6], [7, 8]])
    c = F.matmul(a, b)
    print(c)
    assert capsys.readouterr().out == "variable(32)\nvariable([[19 22]\n          [43 50]])\n"
