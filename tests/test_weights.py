"""Weights files: every bad file is one documented error naming the file and parameter, the model unchanged.

And nothing is lost: a save killed by SIGKILL leaves the previous complete file, and its temporary
file is removed by the next save (never a live writer's).
"""

import io
import os
import random
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

import dezero_plug as dezero
import dezero_plug.layers as L
from dezero_plug import atomic
from dezero_plug.errors import WeightsFileError
from dezero_plug.models import MLP

pytestmark = pytest.mark.backend("numpy")  # files on the host: backend-independent by nature


def model():
    np.random.seed(0)
    m = MLP((4, 3))
    m(np.ones((1, 5), dtype=np.float32))
    return m


def snapshot(m):
    return [p.data.copy() for p in m.params()]


def assert_unchanged(m, before):
    for p, b in zip(m.params(), before, strict=True):
        np.testing.assert_array_equal(p.data, b)
        assert p.data.dtype == b.dtype


def save_arrays(path, arrays):
    np.savez(path, **arrays)
    return path


def good_arrays(dtype=np.float32):
    return {
        k: np.full(s, 0.5, dtype=dtype) for k, s in [("l0/W", (5, 4)), ("l0/b", (4,)), ("l1/W", (4, 3)), ("l1/b", (3,))]
    }


def load_refused(path, *patterns):
    m = model()
    before = snapshot(m)
    with pytest.raises(WeightsFileError) as info:
        m.load_weights(path)
    assert_unchanged(m, before)
    message = str(info.value)
    assert message.startswith("load_weights: ") and message.endswith("; the model is unchanged")
    assert str(path) in message
    for pattern in patterns:
        assert pattern in message, message
    return info.value


def test_the_error_is_a_value_error_and_a_missing_file_stays_file_not_found(tmp_path):
    assert issubclass(WeightsFileError, ValueError)
    with pytest.raises(FileNotFoundError):
        model().load_weights(tmp_path / "nothing.npz")


@pytest.mark.parametrize(
    "dtype",
    [np.int64, np.int8, np.uint8, np.bool_, np.complex64, np.complex128, "U3", "S2", "datetime64[s]", "m8[s]"],
    ids=str,
)
def test_weights_of_another_kind_are_refused_naming_both_dtypes(tmp_path, dtype):
    arrays = good_arrays()
    arrays["l1/W"] = np.zeros((4, 3), dtype=dtype)
    error = load_refused(save_arrays(tmp_path / "w.npz", arrays), "parameter 'l1/W'", "float32")
    assert error.parameter == "l1/W" and str(np.dtype(dtype)) in error.reason


@pytest.mark.parametrize("dtype", [np.float64, np.float16])
def test_float_weights_of_another_width_are_cast_to_the_parameters_dtype(tmp_path, dtype):
    m = model()
    m.load_weights(save_arrays(tmp_path / "w.npz", good_arrays(dtype)))
    for p in m.params():
        assert p.data.dtype == np.float32 and np.all(p.data == 0.5)


def test_a_lazy_model_takes_float_weights_as_they_are(tmp_path):
    m = MLP((4, 3))
    m.load_weights(save_arrays(tmp_path / "w.npz", good_arrays(np.float64)))
    assert m.l0.W.data.dtype == np.float64 and m.l0.W.shape == (5, 4)
    arrays = good_arrays()
    arrays["l0/W"] = np.zeros((5, 4), dtype=np.int32)
    with pytest.raises(WeightsFileError, match=r"holds int32 but the model's parameter is a floating-point dtype"):
        MLP((4, 3)).load_weights(save_arrays(tmp_path / "i.npz", arrays))


def test_an_npy_file_instead_of_an_npz_is_named(tmp_path):
    path = tmp_path / "w.npy"
    np.save(path, np.zeros(3))
    load_refused(path, "is a .npy file (one array), not an .npz archive")


def test_a_member_that_is_not_an_array_is_named(tmp_path):
    path = tmp_path / "w.npz"
    save_arrays(path, good_arrays())
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("notes.txt", "hello")
    load_refused(path, "parameter 'notes.txt'", "is not a .npy array")
    path2 = tmp_path / "w2.npz"
    with zipfile.ZipFile(path2, "w") as z:
        z.writestr("l0/W.npy", b"this is not an npy header at all")
    load_refused(path2, "parameter 'l0/W'", "cannot be read")


def npy_with_header(shape, payload):
    """An .npy member whose header declares ``shape`` of float32, followed by ``payload`` bytes."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": "<f4", "fortran_order": False, "shape": shape})
    return buffer.getvalue() + payload


@pytest.mark.parametrize("shape", [(10**12,), (5, 4, 10**6), (10,)], ids=["huge", "large", "short"])
def test_a_header_declaring_more_data_than_the_member_holds_is_refused_before_allocating(tmp_path, shape):
    path = tmp_path / "w.npz"
    arrays = good_arrays()
    del arrays["l0/W"]
    save_arrays(path, arrays)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("l0/W.npy", npy_with_header(shape, b"\0" * 16))
    load_refused(path, "parameter 'l0/W'", f"its header declares shape {shape}")


def test_an_object_array_is_refused_and_no_pickle_runs(tmp_path):
    arrays = good_arrays()
    arrays["l0/b"] = np.array([object()] * 4, dtype=object)
    load_refused(save_arrays(tmp_path / "w.npz", arrays), "parameter 'l0/b'", "holds an object array")


def test_a_flipped_byte_anywhere_is_refused_or_harmless(tmp_path):
    path = tmp_path / "w.npz"
    model().save_weights(path)
    data = path.read_bytes()
    rng = random.Random(0)
    refused = 0
    for position in sorted(rng.sample(range(len(data)), 60)) + [len(data) // 2]:
        damaged = tmp_path / "d.npz"
        flipped = bytearray(data)
        flipped[position] ^= 0xFF
        damaged.write_bytes(bytes(flipped))
        m = model()
        before = snapshot(m)
        try:
            m.load_weights(damaged)
        except WeightsFileError as error:
            assert str(damaged) in str(error)
            assert_unchanged(m, before)
            refused += 1
        else:  # a byte zip does not check (a timestamp, an unused field): the weights are the same
            reference = model()
            reference.load_weights(path)
            for p, q in zip(m.params(), reference.params()):
                np.testing.assert_array_equal(p.data, q.data)
    assert refused > 30


def test_truncated_at_every_length_is_refused(tmp_path):
    path = tmp_path / "w.npz"
    model().save_weights(path)
    data = path.read_bytes()
    for length in range(0, len(data), max(1, len(data) // 40)):
        cut = tmp_path / "cut.npz"
        cut.write_bytes(data[:length])
        load_refused(cut)


# ---------------------------------------------------------------- temporary files and SIGKILL
SAVER = """
import sys, numpy as np
from dezero_plug.models import MLP
np.random.seed(int(sys.argv[2]))
m = MLP((300, 300, 10))
m(np.ones((1, 300), dtype=np.float32))
print("ready", flush=True)
while True:
    m.save_weights(sys.argv[1])
"""


def test_sigkill_during_save_leaves_the_previous_file_and_the_next_save_removes_the_temporary(tmp_path):
    path = tmp_path / "w.npz"
    expected = MLP((300, 300, 10))
    rng = random.Random(1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEZERO_PLUG_")}
    env["DEZERO_PLUG_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    stale_seen = 0
    for _trial in range(20):
        saver = subprocess.Popen(
            [sys.executable, "-c", SAVER, str(path), "7"], stdout=subprocess.PIPE, text=True, env=env
        )
        watchdog = threading.Timer(60, saver.kill)  # a saver that never says "ready" cannot hang the test
        watchdog.start()
        try:
            assert saver.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.0, 0.3))
        finally:
            watchdog.cancel()
            saver.send_signal(signal.SIGKILL)
            saver.wait(timeout=30)
            saver.stdout.close()
        leftovers = [p.name for p in tmp_path.iterdir() if p.name != "w.npz"]
        stale_seen += bool(leftovers)
        assert all(f"{atomic.MARK}{saver.pid}." in name for name in leftovers), leftovers
        if path.exists():  # a complete file from one of the killed process's saves
            expected.load_weights(path)
            assert expected.l1.W.shape == (300, 300)
        model().save_weights(tmp_path / "other.npz")  # a later save in this directory cleans up
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
            {"other.npz", *(["w.npz"] if path.exists() else [])}
        )
        (tmp_path / "other.npz").unlink()
    assert stale_seen > 0, "no kill landed inside a save: the trials tested nothing"


def test_a_live_writers_temporary_file_is_kept(tmp_path):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = tmp_path / f".w.npz{atomic.MARK}{sleeper.pid}.abc123.tmp"
        live.write_bytes(b"half")
        dead = tmp_path / f".w.npz{atomic.MARK}999999999.xyz.tmp"
        dead.write_bytes(b"half")
        unrelated = tmp_path / ".w.npz.someone-else.tmp"
        unrelated.write_bytes(b"not ours")
        model().save_weights(tmp_path / "w.npz")
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, unrelated.name, "w.npz"])
    finally:
        sleeper.kill()
        sleeper.wait(timeout=30)
    assert atomic.remove_stale_temporaries(str(tmp_path)) == [live.name]
    assert Path(tmp_path / "w.npz").exists()


def test_a_zip_bomb_of_the_wrong_shape_is_refused_from_its_headers_before_any_data_is_inflated(tmp_path):
    """40 MB of zeros deflate to ~40 KB: the shapes in the headers do not fit the model, so nothing is inflated."""
    import tracemalloc

    path = tmp_path / "bomb.npz"
    arrays = good_arrays()
    arrays["l0/W"] = np.zeros(10**7, dtype=np.float32)  # 40 MB, where the model wants (5, 4)
    np.savez_compressed(path, **arrays)
    assert path.stat().st_size < 200_000
    m = model()
    tracemalloc.start()
    try:
        with pytest.raises(WeightsFileError, match=r"parameter 'l0/W'.* has shape \(10000000,\) but the model's"):
            m.load_weights(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 10**6, f"{peak} bytes allocated to refuse a file whose headers do not fit"


def test_a_file_whose_entries_for_one_tied_parameter_differ_is_refused(tmp_path):
    """Untied weights loaded into a model that ties them would keep one entry and drop the other unseen."""

    def two_layers(tie):
        m = dezero.Model()
        m.a = L.Linear(3, in_size=3)
        m.b = L.Linear(3, in_size=3)
        if tie:
            m.b.W = m.a.W
        return m

    untied, tied = two_layers(False), two_layers(True)
    untied.save_weights(tmp_path / "untied.npz")
    before = tied.a.W.data
    with pytest.raises(WeightsFileError, match=r"parameter 'b/W' .* differs from 'a/W', which is the same parameter"):
        tied.load_weights(tmp_path / "untied.npz")
    assert tied.a.W.data is before
    source = two_layers(True)
    source.a.W.data[0, 0] = np.nan  # equal entries, NaN included
    source.save_weights(tmp_path / "tied.npz")  # a tied model's file holds the parameter under both names, equal
    tied.load_weights(tmp_path / "tied.npz")
    assert tied.b.W.data is tied.a.W.data
    np.testing.assert_array_equal(tied.b.W.data, source.a.W.data)
