"""Datasets, data loaders, transforms, and downloads against a real HTTP server on 127.0.0.1."""

import gzip
import hashlib
import http.server
import io
import json
import pickle
import socket
import sys
import tarfile
import threading
from pathlib import Path

import numpy as np
import pytest

import dezero_plug as dezero
from dezero_plug import atomic
from dezero_plug import transforms
from dezero_plug.datasets import CIFAR10
from dezero_plug.datasets import MNIST
from dezero_plug.datasets import SinCurve
from dezero_plug.datasets import Spiral
from dezero_plug.datasets import get_spiral
from dezero_plug.utils import DownloadError
from dezero_plug.utils import get_file

pytestmark = pytest.mark.backend("numpy")  # files, numpy's generator and host arrays: backend-specific by nature
GOLDEN = Path(__file__).parent / "golden"


# ---------------------------------------------------------------------------- a real server on loopback
class Server:
    """Serves ``routes`` (path -> bytes, or "drop:<bytes>:<claimed length>") on 127.0.0.1; counts hits."""

    def __init__(self, routes):
        self.routes, self.hits = routes, []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                owner.hits.append(self.path)
                body = owner.routes.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                if isinstance(body, tuple) and body[0] == "chunked-cut":  # no Content-Length, cut mid-chunk
                    self.protocol_version = "HTTP/1.1"
                    self.send_response(200)
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    self.wfile.write(b"%x\r\n" % (2 * len(body[1])) + body[1])
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if isinstance(body, tuple):  # ("drop", payload, claimed): close mid-transfer
                    _, payload, claimed = body
                    self.send_response(200)
                    self.send_header("Content-Length", str(claimed))
                    self.end_headers()
                    self.wfile.write(payload)
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DEZERO_PLUG_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def md5(data):
    return hashlib.md5(data).hexdigest()


PAYLOAD = bytes(range(256)) * 400


def test_download_is_verified_cached_and_atomic(cache):
    with Server({"/data.bin": PAYLOAD}) as server:
        path = get_file(server.url + "/data.bin", checksum="sha256:" + hashlib.sha256(PAYLOAD).hexdigest())
        assert Path(path).read_bytes() == PAYLOAD and Path(path).parent == cache
        assert get_file(server.url + "/data.bin") == path and server.hits == ["/data.bin"]  # cached
    assert sorted(p.name for p in cache.iterdir()) == [".data.bin.trust.json", "data.bin"]  # trusted from now on


def test_a_corrupt_download_is_refused_and_nothing_is_left(cache):
    with Server({"/data.bin": PAYLOAD[:-1] + b"X"}) as server:
        with pytest.raises(DownloadError, match=r"its md5 is [0-9a-f]+, not the published " + md5(PAYLOAD)):
            get_file(server.url + "/data.bin", checksum="md5:" + md5(PAYLOAD))
    assert list(cache.iterdir()) == []


def test_a_dropped_connection_leaves_no_partial_file(cache):
    with Server({"/data.bin": ("drop", PAYLOAD[:1000], len(PAYLOAD))}) as server:
        with pytest.raises(DownloadError, match=r"could not download data.bin .*place it at .*data.bin"):
            get_file(server.url + "/data.bin")
    assert list(cache.iterdir()) == []


def test_mirrors_are_tried_in_order(cache):
    with Server({"/b/data.bin": PAYLOAD}) as server:
        get_file([server.url + "/a/data.bin", server.url + "/b/data.bin"], "data.bin")
        assert server.hits == ["/a/data.bin", "/b/data.bin"]


def test_a_body_cut_short_without_a_content_length_is_not_cached(cache):
    with Server({"/data.bin": ("chunked-cut", PAYLOAD[:1000])}) as server:
        with pytest.raises(DownloadError, match=r"could not download data.bin"):
            get_file(server.url + "/data.bin")
    assert list(cache.iterdir()) == []


def test_a_file_without_a_checksum_is_trusted_on_first_use_and_checked_on_later_reads(cache):
    with Server({"/labels.txt": PAYLOAD}) as server:
        path = Path(get_file(server.url + "/labels.txt"))
    record = json.loads((cache / ".labels.txt.trust.json").read_text())
    assert record == {
        "size": len(PAYLOAD),
        "sha256": hashlib.sha256(PAYLOAD).hexdigest(),
        "url": server.url + "/labels.txt",
    }
    assert get_file("http://127.0.0.1:9/labels.txt") == str(path)  # cached and unchanged: no network
    path.write_bytes(PAYLOAD[:-1] + b"X")  # same size, other content
    with pytest.raises(
        DownloadError, match=r"labels.txt changed since its first download: it had 102400 bytes, SHA-256"
    ):
        get_file("http://127.0.0.1:9/labels.txt")
    path.write_bytes(PAYLOAD[:500])  # cut short
    with pytest.raises(DownloadError, match=r"it has 500 bytes.*Delete it and .labels.txt.trust.json"):
        get_file("http://127.0.0.1:9/labels.txt")


def test_a_checksum_mismatch_on_one_mirror_tries_the_next(cache):
    good = "sha256:" + hashlib.sha256(PAYLOAD).hexdigest()
    with Server({"/a/data.bin": PAYLOAD[:-1] + b"X", "/b/data.bin": PAYLOAD}) as server:
        path = get_file([server.url + "/a/data.bin", server.url + "/b/data.bin"], checksum=good)
        assert Path(path).read_bytes() == PAYLOAD and server.hits == ["/a/data.bin", "/b/data.bin"]
    with Server({"/a/x.bin": b"bad", "/b/x.bin": b"worse"}) as server:
        with pytest.raises(DownloadError) as info:
            get_file([server.url + "/a/x.bin", server.url + "/b/x.bin"], checksum=good)
    assert str(info.value).count("not the published") == 2 and "/a/x.bin" in str(info.value)


@pytest.mark.parametrize("url,name", [("http://127.0.0.1:9/dir/", None), ("http://127.0.0.1:9/x", "../x")])
def test_a_url_naming_a_directory_or_a_name_with_a_path_is_refused(cache, url, name):
    with pytest.raises(ValueError, match=r"get_file: (the URL 'http://127.0.0.1:9/dir/' ends with '/'|file_name must)"):
        get_file(url, name)


def test_a_download_killed_earlier_leaves_a_temporary_file_the_next_download_removes(cache):
    cache.mkdir(parents=True)
    stale = cache / f".data.bin{atomic.MARK}999999999.abc.part"
    stale.write_bytes(b"half a file")
    with Server({"/other.bin": PAYLOAD}) as server:
        get_file(server.url + "/other.bin", checksum="sha256:" + hashlib.sha256(PAYLOAD).hexdigest())
    assert sorted(p.name for p in cache.iterdir()) == ["other.bin"]


def test_offline_says_which_file_to_put_where(cache):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(
        DownloadError, match=r"Without network, download it on another machine from .* and place it at .*x.npz"
    ):
        get_file(f"http://127.0.0.1:{port}/x.npz")


def test_a_cached_file_with_the_wrong_checksum_is_reported(cache):
    cache.mkdir(parents=True)
    (cache / "data.bin").write_bytes(b"old")
    with pytest.raises(DownloadError, match="fails its md5 checksum: delete it"):
        get_file("http://127.0.0.1:9/data.bin", checksum="md5:" + md5(PAYLOAD))


def idx(array, code=0x08):
    header = bytes([0, 0, code, array.ndim]) + b"".join(n.to_bytes(4, "big") for n in array.shape)
    return header + array.astype(">u1" if code == 0x08 else ">i4").tobytes()


def test_mnist_downloads_verifies_and_parses_idx_files(cache, monkeypatch):
    from dezero_plug.std import datasets as std

    rng = np.random.RandomState(0)
    images, labels = rng.randint(0, 256, (5, 28, 28)), np.array([3, 1, 4, 1, 5])
    files = {
        "train-images-idx3-ubyte.gz": gzip.compress(idx(images)),
        "train-labels-idx1-ubyte.gz": gzip.compress(idx(labels)),
    }
    with Server({"/mnist/" + k: v for k, v in files.items()}) as server:
        monkeypatch.setattr(std, "MNIST_MIRRORS", ("http://127.0.0.1:9/nothing/", server.url + "/mnist/"))
        for name, data in files.items():
            monkeypatch.setitem(std.MNIST_FILES, name, md5(data))
        mnist = MNIST(train=True)
    assert len(mnist) == 5 and mnist.data.shape == (5, 1, 28, 28) and mnist.label.tolist() == labels.tolist()
    x, t = mnist[2]
    assert x.shape == (784,) and x.dtype == np.float32 and x.max() <= 1.0 and t == 4
    np.testing.assert_allclose(x * 255, images[2].ravel(), rtol=1e-6)


def test_a_truncated_idx_file_is_refused():
    from dezero_plug.std.datasets import read_idx

    with pytest.raises(ValueError, match=r"IDX file is truncated: 3 values for shape \(2, 2\)"):
        read_idx(idx(np.zeros((2, 2)))[:-1])


def test_cifar10_from_a_generated_archive_and_a_pickle_that_runs_code_is_refused(cache, monkeypatch):
    def tar_of(members):
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            for name, obj in members.items():
                data = pickle.dumps(obj)
                info = tarfile.TarInfo("cifar-10-batches-py/" + name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        return buffer.getvalue()

    batch = {b"data": np.arange(2 * 3072, dtype=np.uint8).reshape(2, 3072), b"labels": [7, 2]}
    good = tar_of({"test_batch": batch})
    with Server({"/c.tar.gz": good, "/evil.tar.gz": tar_of({"test_batch": {b"data": print}})}) as server:
        monkeypatch.setattr(CIFAR10, "URL", server.url + "/c.tar.gz")
        monkeypatch.setattr(CIFAR10, "CHECKSUM", "md5:" + md5(good))
        cifar = CIFAR10(train=False)
        assert cifar.data.shape == (2, 3, 32, 32) and cifar.label.tolist() == [7, 2]
        assert cifar[1][0].dtype == np.float32 and CIFAR10.labels()[7] == "horse"
        monkeypatch.setattr(CIFAR10, "URL", server.url + "/evil.tar.gz")
        monkeypatch.setattr(CIFAR10, "CHECKSUM", None)
        with pytest.raises(pickle.UnpicklingError, match="refusing to load builtins.print"):
            CIFAR10(train=False)


def test_spiral_has_dezeros_points_and_leaves_the_global_generator_alone():
    golden = np.load(GOLDEN / "dezero_spiral.npz")
    np.random.seed(123)
    expected_next = np.random.rand()
    np.random.seed(123)
    x, t = get_spiral(train=True)
    assert np.random.rand() == expected_next  # DeZero reseeds the global generator
    np.testing.assert_array_equal(x, golden["x"])
    np.testing.assert_array_equal(t, golden["t"])
    assert len(Spiral()) == 300 and Spiral(train=False).data.shape == (300, 2)


def test_sincurve_labels_are_the_next_values():
    data = SinCurve(train=False)
    assert len(data) == 999 and np.allclose(data.label[:-1], data.data[1:])


def test_dataloader_batches_shuffles_and_restarts_each_epoch():
    np.random.seed(0)
    loader = dezero.DataLoader(Spiral(), batch_size=64)
    first = [t for _, t in loader]
    assert len(first) == 5 and [len(t) for t in first] == [64, 64, 64, 64, 44]
    second = [t for _, t in loader]
    assert len(second) == 5 and not np.array_equal(first[0], second[0])
    x, t = next(iter(dezero.DataLoader(Spiral(), 10, shuffle=False)))
    np.testing.assert_array_equal(x, Spiral().data[:10])


def test_seq_dataloader_walks_parallel_streams():
    loader = dezero.SeqDataLoader(SinCurve(train=False), batch_size=3)
    x, t = next(loader)
    assert x.shape == (3, 1) and np.allclose(x[:, 0], SinCurve(train=False).data[[0, 333, 666], 0])


def test_dataloader_gpu_without_a_gpu_backend_says_what_to_install(no_gpu_plugin):
    with pytest.raises(RuntimeError, match="pip install .<dezero_plug checkout>/plugins/dezero-plug-cupy"):
        next(dezero.DataLoader(Spiral(), 10, gpu=True))


def test_array_transforms():
    x = np.arange(12, dtype=np.uint8).reshape(3, 2, 2)
    pipeline = transforms.Compose(
        [transforms.ToFloat(), transforms.Normalize([1.0, 2.0, 3.0], 2.0), transforms.Flatten()]
    )
    y = pipeline(x)
    assert y.dtype == np.float32 and y.shape == (12,) and y[0] == -0.5 and y[4] == (4 - 2) / 2
    assert transforms.ToInt()(np.array([1.7])).dtype.kind == "i"
    assert transforms.AsType(np.float64)(x).dtype == np.float64
    flipped = transforms.RandomHorizontalFlip(p=1.0)(x)  # DeZero's does nothing
    np.testing.assert_array_equal(flipped, x[..., ::-1])
    np.testing.assert_array_equal(transforms.RandomHorizontalFlip(p=0.0)(x), x)


def test_image_transforms_with_pillow():
    Image = pytest.importorskip("PIL.Image", reason="Pillow is not installed (pip install pillow)")
    img = Image.fromarray(np.arange(6 * 4 * 3, dtype=np.uint8).reshape(6, 4, 3))
    out = transforms.Compose(
        [transforms.Convert("RGB"), transforms.Resize((8, 10)), transforms.CenterCrop(4), transforms.ToArray()]
    )(img)
    assert out.shape == (3, 4, 4) and out.dtype == np.float32
    assert transforms.ToPIL()(np.zeros((3, 2, 2), np.uint8)).size == (2, 2)
    assert transforms.RandomHorizontalFlip(p=1.0)(img).getpixel((0, 0)) == img.getpixel((3, 0))
    bgr = transforms.Convert("BGR")(img)
    assert bgr.getpixel((0, 0)) == img.getpixel((0, 0))[::-1]


@pytest.mark.parametrize("kind", ["file", "broken link"])
def test_a_cache_dir_that_is_not_a_directory_is_named(cache, kind):
    cache.parent.mkdir(exist_ok=True)
    if kind == "file":
        cache.write_text("not a folder")
    else:
        cache.symlink_to(cache.parent / "gone")
    what = "not a directory" if kind == "file" else "a broken link"
    with pytest.raises(NotADirectoryError, match=rf"the cache directory {cache} \(\$DEZERO_PLUG_CACHE_DIR.* is {what}"):
        get_file("http://127.0.0.1:9/x.bin")
    with pytest.raises(NotADirectoryError, match="the cache directory"):
        dezero.datasets.save_cache_npz(np.zeros(2), np.zeros(2), "spiral")


def test_a_cache_file_that_is_not_one_of_ours_is_named(cache):
    cache.mkdir()
    with open(cache / "spiral.train.npz", "wb") as f:
        np.savez(f, data=np.array([{"a": 1}], dtype=object), label=np.zeros(1))  # a pickled object array
    with pytest.raises(ValueError, match=r"load_cache_npz: .*spiral.train.npz is not a cache this library wrote"):
        dezero.datasets.load_cache_npz("spiral", train=True)


def test_mnist1d_is_generated_offline_with_its_standard_split_and_leaves_the_global_generators_alone():
    pytest.importorskip("mnist1d", reason="needs mnist1d (pip install -e '.[mnist1d]'): tox -e examples installs it")
    import random

    np.random.seed(7)
    random.seed(7)
    expected = (np.random.rand(), random.random())
    np.random.seed(7)
    random.seed(7)
    train, test = dezero.datasets.MNIST1D(train=True), dezero.datasets.MNIST1D(train=False)
    assert (np.random.rand(), random.random()) == expected  # mnist1d's set_seed(42) was undone
    assert (len(train), len(test)) == (4000, 1000)
    x, t = train[0]
    assert x.shape == (40,) and x.dtype == np.float32 and train.label.dtype == np.int64
    assert sorted(set(test.label.tolist())) == list(range(10))
    np.testing.assert_array_equal(dezero.datasets.MNIST1D(train=False).data, test.data)  # the same set each time


def test_mnist1d_without_its_generator_says_what_to_install(monkeypatch):
    from dezero_plug.std.datasets import _generated_mnist1d

    _generated_mnist1d.cache_clear()  # a set generated by an earlier test would be served without importing
    monkeypatch.setitem(sys.modules, "mnist1d", None)
    monkeypatch.setitem(sys.modules, "mnist1d.data", None)
    with pytest.raises(ImportError, match=r"^MNIST1D: the data set is generated by mnist1d: pip install mnist1d"):
        dezero.datasets.MNIST1D()
