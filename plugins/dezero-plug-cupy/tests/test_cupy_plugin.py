"""dezero-plug-cupy on any machine: discovered through its entry point, lazy, and the right error for each state.

On a machine with a CUDA device the whole suite runs on this backend instead
(``tox -e cupy`` / ``benchmarks/gpu_check.sh``); these tests check the CPU side.
"""

import ast
import importlib.util
import inspect
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from dezero_plug_cupy.kernels import softmax_cross_entropy_forward

import dezero_plug as dezero
from dezero_plug import backends
from dezero_plug import plugin_manager
from dezero_plug.registry import REGISTRY

CUPY_INSTALLED = importlib.util.find_spec("cupy") is not None


def cupy_backend():
    return backends.get_backend("cupy")


@pytest.fixture
def gpu():
    """The cupy backend, where it can run; a skip with its reason (no CuPy, no device) elsewhere."""
    reason = cupy_backend().unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    return cupy_backend()


def test_found_through_its_entry_point_with_its_kernel():
    record = plugin_manager.records["cupy"]
    assert (record.source, record.distribution, record.status) == ("entry point", "dezero-plug-cupy", "registered")
    assert cupy_backend().device_kind == "gpu"
    from dezero_plug.std.loss import SoftmaxCrossEntropy

    assert REGISTRY.kernels[SoftmaxCrossEntropy]["cupy"].forward is softmax_cross_entropy_forward


def test_registering_the_plugin_does_not_import_cupy():
    code = "import sys, dezero_plug; dezero_plug.backends.get_backend('cupy'); print('cupy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "False", out.stderr


def test_cli_lists_the_backend_and_why_it_cannot_run():
    out = subprocess.run([sys.executable, "-m", "dezero_plug", "backends"], capture_output=True, text=True, timeout=120)
    line = next(line for line in out.stdout.splitlines() if line.startswith("cupy"))
    assert "gpu" in line
    if cupy_backend().unavailable_reason() is not None:
        assert "unusable: " in line and ("no CUDA device" in line or "CuPy is not installed" in line)


@pytest.mark.skipif(CUPY_INSTALLED, reason="CuPy is installed here: the no-CuPy state cannot be shown")
def test_without_cupy_to_gpu_says_which_wheel_to_install():
    assert cupy_backend().unavailable_reason().startswith("CuPy is not installed: pip install cupy-cuda12x")
    with pytest.raises(
        RuntimeError, match=r"no GPU backend can run here: cupy: CuPy is not installed: pip install cupy-cuda12x"
    ):
        dezero.Variable(np.ones(2)).to_gpu()


@pytest.mark.skipif(not CUPY_INSTALLED, reason="CuPy is not installed here: the no-device state cannot be shown")
def test_with_cupy_but_no_device_to_gpu_says_no_device_and_why():
    reason = cupy_backend().unavailable_reason()
    if reason is None:
        pytest.skip("a CUDA device is usable here: the no-device state cannot be shown")
    assert reason.startswith("no CUDA device: ")
    with pytest.raises(RuntimeError, match=r"no GPU backend can run here: cupy: no CUDA device: "):
        dezero.models.MLP((3,)).to_gpu()
    with pytest.raises(RuntimeError, match="no CUDA device"):
        next(dezero.DataLoader(dezero.datasets.Spiral(), 10, gpu=True))
    assert dezero.cuda.gpu_enable is False


def test_on_a_gpu_the_backend_round_trips_and_trains(gpu):
    x = dezero.Variable(np.arange(6.0).reshape(2, 3))
    x.to_gpu()
    assert backends.backend_of(x.data).name == "cupy" and dezero.cuda.gpu_enable is True
    y = dezero.functions.softmax_cross_entropy(x, gpu.from_numpy(np.array([0, 2])))
    y.backward()
    x.to_cpu()
    assert isinstance(x.data, np.ndarray) and x.grad is not None
    raw = dezero.cuda.as_cupy(x.data)  # raw cupy arrays too (their .data is a device pointer, not the values)
    assert backends.backend_of(raw).name == "cupy" and dezero.cuda.as_cupy(raw) is raw
    np.testing.assert_array_equal(dezero.cuda.as_numpy(raw), x.data)


def test_on_a_gpu_the_namespace_shims_keep_the_array_api_meaning(gpu):
    xp = gpu.xp
    x = xp.arange(6, dtype=xp.float32, device=xp.asarray(0.0).device)
    assert xp.asarray(x, copy=True) is not x and xp.asarray(x) is x
    assert xp.zeros((2,)).dtype == np.float64 and xp.full((2,), 3, dtype=xp.float32).dtype == np.float32
    m = xp.reshape(x, (2, 3))
    assert xp.permute_dims(m, (1, 0)).shape == (3, 2) == xp.matrix_transpose(m).shape
    assert xp.concat([m, m], axis=0).shape == (4, 3) and xp.astype(m, xp.float64).dtype == np.float64
    assert xp.isdtype(m.dtype, "real floating") and not xp.isdtype(m.dtype, "integral")


def test_on_a_gpu_saving_weights_leaves_the_model_there(gpu, tmp_path):
    model = dezero.models.MLP((4, 3)).to_gpu()
    x = gpu.from_numpy(np.ones((2, 5), np.float32))
    before = gpu.to_numpy(model(x).data)
    model.save_weights(tmp_path / "w.npz")
    assert all(backends.backend_of(p.data).name == "cupy" for p in model.params())
    fresh = dezero.models.MLP((4, 3))
    fresh.load_weights(tmp_path / "w.npz")
    np.testing.assert_allclose(fresh(np.ones((2, 5), np.float32)).data, before, rtol=1e-5)


def nvrtc_or_skip():
    """CuPy's NVRTC binding, or a skip saying what is missing (the compiler needs no device)."""
    if not CUPY_INSTALLED:
        pytest.skip("CuPy is not installed here: the kernel cannot be compiled")
    from cupy.cuda import nvrtc

    try:
        nvrtc.getVersion()
    except Exception as exc:  # the library is a separate wheel: nvidia-cuda-nvrtc-cu12
        pytest.skip(f"NVRTC is not loadable here ({type(exc).__name__}: {exc}): pip install nvidia-cuda-nvrtc-cu12")
    return nvrtc


def compile_to_ptx(nvrtc, source, arch="compute_90"):
    """PTX for ``arch`` (Hopper by default); an AssertionError carries NVRTC's log."""
    program = nvrtc.createProgram(source, "kernel.cu", [], [])
    try:
        nvrtc.compileProgram(program, [f"--gpu-architecture={arch}"])
    except nvrtc.NVRTCError as exc:
        raise AssertionError(f"{exc}\n{nvrtc.getProgramLog(program)}") from None
    return nvrtc.getPTX(program).decode()


@pytest.mark.parametrize("type_name", ["float", "double"])
def test_the_fused_softmax_cross_entropy_kernel_compiles_for_hopper(type_name):
    nvrtc = nvrtc_or_skip()
    from dezero_plug_cupy.kernels import SOFTMAX_CROSS_ENTROPY_ROWS

    ptx = compile_to_ptx(nvrtc, SOFTMAX_CROSS_ENTROPY_ROWS.format(T=type_name))
    assert f".entry sce_rows_{type_name}(" in ptx
    with pytest.raises(AssertionError, match="undefined"):  # the check can fail: a broken kernel does not compile
        compile_to_ptx(nvrtc, SOFTMAX_CROSS_ENTROPY_ROWS.format(T=type_name).replace("row[t[i]]", "row[u[i]]"))


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 1e-5), (np.float64, 1e-12)])
def test_on_a_gpu_the_fused_kernel_runs_and_agrees_with_numpy(gpu, dtype, rtol):
    from dezero_plug_cupy.kernels import _rows_kernel

    rng = np.random.default_rng(0)
    x, t = (rng.standard_normal((300, 10)) * 5).astype(dtype), rng.integers(0, 10, 300)
    on_gpu = dezero.Variable(gpu.from_numpy(x))
    loss = dezero.functions.softmax_cross_entropy(on_gpu, gpu.from_numpy(t))
    loss.backward()
    on_cpu = dezero.Variable(x)
    expected = dezero.functions.softmax_cross_entropy(on_cpu, t)
    expected.backward()
    assert _rows_kernel.cache_info().currsize >= 1  # the RawKernel was built and launched, not the generic forward
    assert loss.data.dtype == dtype
    np.testing.assert_allclose(gpu.to_numpy(loss.data), expected.data, rtol=rtol)
    np.testing.assert_allclose(gpu.to_numpy(on_gpu.grad.data), on_cpu.grad.data, rtol=rtol, atol=rtol * 1e-3)


def _is_namespace(node):
    """``xp``, ``<anything>.xp`` or ``get_array_module(...)``: an expression that is the array namespace."""
    return (
        (isinstance(node, ast.Name) and node.id == "xp")
        or (isinstance(node, ast.Attribute) and node.attr == "xp")
        or (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "get_array_module")
    )


def namespace_uses(package_dir):
    """{name: keywords} of every ``xp.name``, ``backend.xp.name`` and ``get_array_module(a).name`` in the ops.

    A name reached through ``getattr(xp, "...")`` is not seen; the whole suite on cupy covers those.
    """
    backends_own = {"numpy_backend.py", "strict_backend.py"}  # each backend's module may use its own extras
    uses = {}
    for path in sorted(package_dir.rglob("*.py")):
        if path.name in backends_own:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and _is_namespace(node.value):
                uses.setdefault(node.attr, set())
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and _is_namespace(node.func.value):
                uses.setdefault(node.func.attr, set()).update(k.arg for k in node.keywords if k.arg)
    return uses


@pytest.mark.skipif(not CUPY_INSTALLED, reason="CuPy is not installed here: its namespace cannot be read")
def test_every_namespace_name_the_ops_use_exists_in_cupy_with_those_keywords():
    import cupy
    from dezero_plug_cupy.backend import CupyNamespace

    uses = namespace_uses(Path(dezero.__file__).parent)
    assert {"matmul", "permute_dims", "take_along_axis", "maximum", "float32"} <= set(uses)  # the scan sees them
    namespace = CupyNamespace(cupy)  # reading CuPy's functions needs no device
    missing = sorted(name for name in uses if not hasattr(namespace, name))
    assert not missing, f"the ops use these names, which CuPy (through CupyNamespace) lacks: {missing}"
    for name, keywords in sorted(uses.items()):
        try:
            parameters = inspect.signature(getattr(namespace, name)).parameters
        except (TypeError, ValueError):  # ufuncs: the ops pass them no keywords
            assert not keywords - {"out", "dtype"}, f"{name} is called with {keywords}"
            continue
        if not any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
            assert keywords <= set(parameters), f"xp.{name} is called with {keywords}; CuPy takes {list(parameters)}"


def test_declares_the_backend_contract_without_importing_cupy():
    code = (
        "import sys, dezero_plug; b = dezero_plug.backends.get_backend('cupy'); "
        "print(b.array_types, b.mutable_arrays, b.own_generator, b.float64, 'cupy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "('cupy:ndarray',) True True True False", out.stderr


def test_overrides_the_primitives_a_gpu_needs_on_the_device():
    from dezero_plug_cupy.backend import CupyBackend

    for name in ("scatter_add", "getitem", "sliding_window_view", "pad", "random", "seed", "from_numpy", "devices"):
        assert name in vars(CupyBackend), f"CupyBackend.{name} falls back to a host round trip"
