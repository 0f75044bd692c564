"""dezero-plug-jax: discovered, lazy, immutable, its own random keys, and float64 only when asked.

The whole suite runs on this backend in ``tox -e jax``; these tests check what
is particular to it. Each that needs JAX skips with the reason where it is missing.
"""

import importlib.util

import numpy as np
import pytest

import dezero_plug as dezero
import dezero_plug.functions as F
from dezero_plug import Variable
from dezero_plug import backends
from dezero_plug import plugin_manager
from dezero_plug.testing import run_fresh
from dezero_plug.testing import usable_backend

JAX_INSTALLED = importlib.util.find_spec("jax") is not None


fresh = run_fresh


@pytest.fixture
def jax_backend():
    return usable_backend("jax")


def test_found_through_its_entry_point_and_declares_its_contract():
    record = plugin_manager.records["jax"]
    assert (record.source, record.distribution, record.status) == ("entry point", "dezero-plug-jax", "registered")
    backend = backends.get_backend("jax")
    assert backend.array_types == ("jax:Array",) and not backend.mutable_arrays and backend.own_generator


def test_registering_the_plugin_does_not_import_jax():
    rc, out, err = fresh(
        "import sys, dezero_plug; dezero_plug.backends.get_backend('jax'); print('jax' in sys.modules)"
    )
    assert (rc, out.strip()) == (0, "False"), err


@pytest.mark.skipif(not JAX_INSTALLED, reason="JAX is not installed: pip install 'dezero-plug-jax[cpu]'")
def test_without_x64_float64_is_refused_naming_the_switch_and_float32_trains():
    rc, out, err = fresh("""
        import numpy as np
        import dezero_plug as dz, dezero_plug.functions as F
        jax = dz.backends.get_backend("jax")
        print(jax.float64)
        try:
            dz.Variable(np.ones(2)).to_backend("jax")
        except TypeError as e:
            print(e)
        model = dz.models.MLP((4, 2)).to_backend("jax")
        x = jax.from_numpy(np.ones((3, 5), dtype=np.float32))
        loss = F.softmax_cross_entropy(model(x), jax.from_numpy(np.array([0, 1, 1])))
        loss.backward()
        print(loss.dtype, model.l0.W.grad.dtype)
    """)
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0] == "False"
    assert "cannot move float64 data to backend 'jax', which has no float64 here" in lines[1]
    assert "DEZERO_PLUG_JAX_X64=1" in lines[1]
    assert lines[2] == "float32 float32"


def test_immutable_arrays_train_optimizer_state_through_rebinding(jax_backend):
    model = dezero.models.MLP((4, 2)).to_backend("jax")
    optimizer = dezero.optimizers.MomentumSGD(lr=0.1).setup(model)
    x = jax_backend.from_numpy(np.random.default_rng(0).standard_normal((6, 3)).astype(np.float32))
    t = jax_backend.from_numpy(np.array([0, 1, 0, 1, 1, 0]))
    losses = []
    for _ in range(3):
        loss = F.softmax_cross_entropy(model(x), t)
        model.cleargrads()
        loss.backward()
        optimizer.update()
        losses.append(float(jax_backend.to_numpy(loss.data)))
    v = optimizer.state(model.l0.W).v
    assert backends.backend_of(v) is jax_backend and float(abs(jax_backend.to_numpy(v)).sum()) > 0
    assert losses[2] < losses[0]


def test_random_numbers_come_from_jax_keys_seeded_by_the_backend(jax_backend):
    jax_backend.seed(3)
    first = jax_backend.to_numpy(jax_backend.random("uniform", (4,)))
    np.random.seed(0)  # numpy's generator does not reach JAX's keys
    jax_backend.seed(3)
    again = jax_backend.to_numpy(jax_backend.random("uniform", (4,)))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, jax_backend.to_numpy(jax_backend.random("uniform", (4,))))


def test_out_of_range_indices_raise_where_jax_would_clamp(jax_backend):
    x = Variable(jax_backend.from_numpy(np.arange(3.0)))
    with pytest.raises(IndexError, match=r"^get_item: .*index 5 is out of bounds for axis 0 with size 3"):
        x[5]
    with pytest.raises(IndexError, match=r"index -4 is out of bounds"):
        F.get_item(x, np.array([0, -4]))


def test_sliding_windows_match_numpy(jax_backend):
    x = np.arange(2 * 5 * 6, dtype=np.float32).reshape(2, 5, 6)
    got = jax_backend.sliding_window_view(jax_backend.from_numpy(x), (2, 3), (1, 2))
    np.testing.assert_array_equal(
        jax_backend.to_numpy(got), np.lib.stride_tricks.sliding_window_view(x, (2, 3), (1, 2))
    )


@pytest.mark.skipif(not JAX_INSTALLED, reason="JAX is not installed: pip install 'dezero-plug-jax[cpu]'")
def test_float32_training_without_x64_equals_numpy_within_float32_tolerance():
    rc, out, err = fresh("""
        import numpy as np
        import dezero_plug as dz, dezero_plug.functions as F
        rng = np.random.default_rng(0)
        x, t = rng.standard_normal((16, 4)).astype(np.float32), rng.integers(0, 3, size=16)

        def train(backend, make, start=None):
            np.random.seed(0)
            model = dz.models.MLP((8, 3), activation=F.tanh)
            model(x)
            for p, s in zip(model.params(), start or []):
                p.data = s.copy()
            first = [p.data.copy() for p in model.params()]
            model.to_backend(backend)
            opt = make().setup(model)
            b = dz.backends.get_backend(backend)
            xb, tb = b.from_numpy(x), b.from_numpy(t)
            for _ in range(50):
                loss = F.softmax_cross_entropy(model(xb), tb)
                model.cleargrads()
                loss.backward()
                opt.update()
            return first, [b.to_numpy(p.data) for p in model.params()]

        for make in (lambda: dz.optimizers.MomentumSGD(lr=0.05), lambda: dz.optimizers.Adam(alpha=0.01)):
            start, expected = train("numpy", make)
            _, got = train("jax", make, start)
            for e, g in zip(expected, got):
                assert g.dtype == np.float32, g.dtype
                np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-6)
        print("same")
    """)
    assert (rc, out.strip()) == (0, "same"), err
