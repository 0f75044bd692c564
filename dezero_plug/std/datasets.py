"""Datasets: Spiral (get_spiral), SinCurve, MNIST, MNIST1D, CIFAR10, CIFAR100, Shakespear (and Shakespeare),
ImageNet.labels.

Downloads go through ``dezero_plug.utils.get_file`` with the published
checksums (torchvision's tables list MNIST's and CIFAR's). Spiral is generated
from a local RandomState, so it no longer reseeds numpy's global generator.
"""

from __future__ import annotations

import ast
import functools
import gzip
import io
import pickle
import random
import tarfile
from typing import Any

import numpy as np

from dezero_plug.extend import Dataset
from dezero_plug.extend import get_file
from dezero_plug.extend import hookimpl
from dezero_plug.std.transforms import Compose
from dezero_plug.std.transforms import Flatten
from dezero_plug.std.transforms import Normalize
from dezero_plug.std.transforms import ToFloat

dezero_plug_requires = ("transforms",)


def get_spiral(train: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """DeZero's three-armed spiral: 300 points (x float32 (300, 2), t int (300,)), the same points as DeZero's."""
    rng = np.random.RandomState(1984 if train else 2020)  # DeZero seeds the global generator with these
    num_data, num_class, input_dim = 100, 3, 2
    x = np.zeros((num_data * num_class, input_dim), dtype=np.float32)
    t = np.zeros(num_data * num_class, dtype=np.int64)
    for j in range(num_class):
        for i in range(num_data):
            rate = i / num_data
            theta = j * 4.0 + 4.0 * rate + rng.randn() * 0.2
            x[num_data * j + i] = np.array([rate * np.sin(theta), rate * np.cos(theta)])
            t[num_data * j + i] = j
    indices = rng.permutation(num_data * num_class)
    return x[indices], t[indices]


class Spiral(Dataset):
    """The spiral of ``get_spiral`` as a Dataset of (point, class)."""

    def prepare(self) -> None:
        self.data, self.label = get_spiral(self.train)


class SinCurve(Dataset):
    """A noisy sine (train) or a cosine (test) of 999 steps; each label is the next value (for RNNs)."""

    def prepare(self) -> None:
        x = np.linspace(0, 2 * np.pi, 1000)
        noise = np.random.uniform(-0.05, 0.05, size=x.shape)
        y = (np.sin(x) + noise) if self.train else np.cos(x)
        self.data = y[:-1][:, np.newaxis]
        self.label = y[1:][:, np.newaxis]


MNIST_MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/")
MNIST_FILES = {  # name -> md5, as published (torchvision's table)
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}


def read_idx(data: bytes) -> np.ndarray:
    """Parse an IDX file (MNIST's format): a magic number, the dimension sizes, then the values."""
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError("not an IDX file: bad magic number")
    dtypes = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
    if data[2] not in dtypes:
        raise ValueError(f"not an IDX file: unknown type code {data[2]:#x}")
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    values = np.frombuffer(data, dtype=dtypes[data[2]], offset=4 + 4 * ndim)
    if values.size != int(np.prod(shape)):
        raise ValueError(f"IDX file is truncated: {values.size} values for shape {shape}")
    return values.reshape(shape)


class MNIST(Dataset):
    """Handwritten digits: images (1, 28, 28) uint8 flattened and scaled to [0, 1] by default; labels 0-9."""

    def __init__(self, train: bool = True, transform: Any = None, target_transform: Any = None) -> None:
        if transform is None:
            transform = Compose([Flatten(), ToFloat(), Normalize(0.0, 255.0)])
        super().__init__(train, transform, target_transform)

    def prepare(self) -> None:
        prefix = "train" if self.train else "t10k"
        images, labels = f"{prefix}-images-idx3-ubyte.gz", f"{prefix}-labels-idx1-ubyte.gz"
        self.data = self._load(images).reshape(-1, 1, 28, 28)
        self.label = self._load(labels).astype(np.int64)

    @staticmethod
    def _load(name: str) -> np.ndarray:
        path = get_file([m + name for m in MNIST_MIRRORS], name, checksum="md5:" + MNIST_FILES[name])
        with gzip.open(path, "rb") as f:
            return read_idx(f.read())

    @staticmethod
    def labels() -> dict[int, str]:
        return {i: str(i) for i in range(10)}


class MNIST1D(Dataset):
    """MNIST-1D (Greydanus, 2020): ten 1-d digit templates, padded, shifted, sheared, scaled and noised into
    signals of 40 points (float32 (40,), labels 0-9), generated on this machine by the ``mnist1d`` package
    (``pip install mnist1d``): no download. Its standard set, seed 42: 4,000 for ``train=True``, the other 1,000
    for ``train=False``. Small enough to train in seconds, and yet a CNN beats an MLP on it by ~25 points
    (published: logistic regression 32 %, MLP 68 %, CNN 94 %), which MNIST cannot show.

    Generating reseeds numpy's and Python's global generators (the package's own ``set_seed``); both are
    put back as they were, so the draw order of a program does not change by building the dataset.

    Raises:
        ImportError: ``mnist1d`` is not installed; the message says how to install it.
    """

    def prepare(self) -> None:
        made = _generated_mnist1d()
        x, t = (made["x"], made["y"]) if self.train else (made["x_test"], made["y_test"])
        self.data, self.label = x.astype(np.float32), t.astype(np.int64)  # copies: the generated set stays as made


@functools.cache  # both splits come from one generation (seconds): made once per process
def _generated_mnist1d() -> dict[str, Any]:
    try:
        from mnist1d.data import get_dataset_args
        from mnist1d.data import make_dataset
    except ImportError as exc:
        raise ImportError("MNIST1D: the data set is generated by mnist1d: pip install mnist1d") from exc
    numpy_state, python_state = np.random.get_state(), random.getstate()
    try:
        return make_dataset(get_dataset_args())
    finally:
        np.random.set_state(numpy_state)
        random.setstate(python_state)


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """CIFAR's batches are pickles: allow numpy arrays and plain containers, nothing that runs code."""

    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct")}
    ALLOWED |= {("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar")}
    ALLOWED |= {("numpy._core.multiarray", "scalar"), ("_codecs", "encode")}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a dataset pickle")
        return super().find_class(module, name)


def _cifar_arrays(path: str, members: list[str], label_key: bytes) -> tuple[np.ndarray, np.ndarray]:
    data, labels = [], []
    with tarfile.open(path, "r:gz") as tar:
        names = {m.name.rsplit("/", 1)[-1]: m for m in tar.getmembers()}
        for member in members:
            if member not in names:
                raise ValueError(f"{path} has no member {member!r}: not a CIFAR archive")
            batch = _NumpyOnlyUnpickler(io.BytesIO(tar.extractfile(names[member]).read()), encoding="bytes").load()
            data.append(np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32))
            labels.append(np.asarray(batch[label_key], dtype=np.int64))
    return np.concatenate(data), np.concatenate(labels)


class CIFAR10(Dataset):
    """CIFAR-10: images (3, 32, 32) uint8 scaled to [0, 1] by default; 10 classes."""

    URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    CHECKSUM = "md5:c58f30108f718f92721af3b95e74349a"

    def __init__(self, train: bool = True, transform: Any = None, target_transform: Any = None) -> None:
        if transform is None:
            transform = Compose([ToFloat(), Normalize(0.0, 255.0)])
        super().__init__(train, transform, target_transform)

    def prepare(self) -> None:
        path = get_file(self.URL, checksum=self.CHECKSUM)
        members = [f"data_batch_{i}" for i in range(1, 6)] if self.train else ["test_batch"]
        self.data, self.label = _cifar_arrays(path, members, b"labels")

    @staticmethod
    def labels() -> dict[int, str]:
        names = "airplane automobile bird cat deer dog frog horse ship truck".split()
        return dict(enumerate(names))


class CIFAR100(CIFAR10):
    """CIFAR-100: images (3, 32, 32); ``label_type`` "fine" (100 classes) or "coarse" (20)."""

    URL = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    CHECKSUM = "md5:eb9058c3a382ffc7106e4002c42a8d85"

    def __init__(
        self, train: bool = True, transform: Any = None, target_transform: Any = None, label_type: str = "fine"
    ) -> None:
        if label_type not in ("fine", "coarse"):
            raise ValueError(f"CIFAR100: label_type must be 'fine' or 'coarse'; got {label_type!r}")
        self.label_type = label_type
        super().__init__(train, transform, target_transform)

    def prepare(self) -> None:
        path = get_file(self.URL, checksum=self.CHECKSUM)
        key = b"fine_labels" if self.label_type == "fine" else b"coarse_labels"
        self.data, self.label = _cifar_arrays(path, ["train" if self.train else "test"], key)


class Shakespear(Dataset):
    """Tiny Shakespeare as character ids; each label is the next character. (DeZero's spelling.)"""

    URL = "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"

    def prepare(self) -> None:
        with open(get_file(self.URL, "shakespear.txt"), encoding="utf-8") as f:
            text = f.read()
        self.char_to_id: dict[str, int] = {}
        self.id_to_char: dict[int, str] = {}
        for ch in text:
            if ch not in self.char_to_id:
                self.id_to_char[len(self.char_to_id)] = ch
                self.char_to_id[ch] = len(self.char_to_id)
        indices = np.array([self.char_to_id[ch] for ch in text], dtype=np.int64)
        self.data, self.label = indices[:-1], indices[1:]


class Shakespeare(Shakespear):
    """The correctly spelt name of ``Shakespear``."""


class ImageNet(Dataset):
    """Only the class names: ``ImageNet.labels()`` (1000 entries); the images are not downloadable here."""

    LABELS_URL = (
        "https://gist.githubusercontent.com/yrevar/942d3a0ac09ec9e5eb3a/raw/"
        "238f720ff059c1f82f368259d1ca4ffa5dd8f9f5/imagenet1000_clsidx_to_labels.txt"
    )

    def prepare(self) -> None:
        raise NotImplementedError("ImageNet: only ImageNet.labels() is provided")

    @staticmethod
    def labels() -> dict[int, str]:
        """Class id -> name, parsed with ast.literal_eval (DeZero eval()s the downloaded text)."""
        with open(get_file(ImageNet.LABELS_URL, "imagenet_labels.txt"), encoding="utf-8") as f:
            return ast.literal_eval(f.read())


@hookimpl
def dezero_plug_datasets():
    return [get_spiral, Spiral, SinCurve, MNIST, MNIST1D, CIFAR10, CIFAR100, Shakespear, Shakespeare, ImageNet]
