"""Reading and checking weights files (``Layer.load_weights``): every bad file is one clear error, the model untouched.

The file is DeZero's layout, an npz archive with one ``.npy`` member per
parameter (``l0/W``). It is read member by member with numpy's header
functions rather than ``np.load``, so that a corrupt, truncated or hostile
file cannot escape as ``zlib.error``, ``AttributeError`` or ``MemoryError``:
each member's header is checked against the bytes the archive really holds
before anything is allocated, object arrays are never read (no pickle runs).

Dtypes: a floating-point array loads into a floating-point parameter, cast to
the parameter's dtype (float64 -> float32 narrowing included: DeZero's own
EmbedID weights are float64). Any other kind — integer, bool, complex, string,
datetime, object — is refused, naming both dtypes.
"""

from __future__ import annotations

import math
import os
import zipfile
import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from dezero_plug.errors import WeightsFileError

NPY_MAGIC = b"\x93NUMPY"
ZIP_MAGIC = b"PK"
DEFLATE_MAX_RATIO = 1100  # deflate expands at most ~1032:1; more "data" than that is a lie in the header


def saving_path(op: str, path: Any) -> str:
    """Where ``op`` writes an npz file: ``path`` with ``.npz`` appended when missing, as numpy does.

    Raises:
        TypeError: ``path`` is no str or os.PathLike (a float, None, bytes), naming ``op``.
        FileNotFoundError: its directory does not exist.
    """
    path = _as_path(op, path)
    path = path if path.endswith(".npz") else path + ".npz"
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"{op}: the directory {directory!r} of {path!r} does not exist")
    return path


def loading_path(op: str, path: Any) -> str:
    """Where ``op`` reads an npz file: ``path``, or ``path + '.npz'`` when only that exists (as saved).

    Raises:
        TypeError: ``path`` is no str or os.PathLike, naming ``op``.
        WeightsFileError: it is a directory.
    """
    path = _as_path(op, path)
    if not os.path.exists(path) and os.path.exists(path + ".npz"):
        path += ".npz"
    if os.path.isdir(path):
        raise WeightsFileError(path, None, "is a directory, not a weights file")
    return path


def _as_path(op: str, path: Any) -> str:
    """``path`` as a str, or a TypeError naming ``op`` (a float or None is no path)."""
    try:
        path = os.fspath(path)
    except TypeError:
        raise TypeError(f"{op}: path must be a str or os.PathLike; got {type(path).__name__}") from None
    if not isinstance(path, str):
        raise TypeError(f"{op}: path must be a str or os.PathLike; got bytes")
    return path


def read(path: str, expected: Mapping[str, Any] | None = None, model: str = "the model") -> dict[str, np.ndarray]:
    """Every array of the npz file at ``path``, by parameter name (``"l0/W"``).

    ``expected``, the model's parameters by name, is checked against the members' headers (names and
    shapes) before any member's data is inflated: a file that does not fit allocates nothing.

    Raises:
        FileNotFoundError: no file at ``path``.
        WeightsFileError: not an npz archive, a corrupt or truncated one, a member that is not an
            array or whose header does not match its data, an object array.
    """
    with open(path, "rb") as f:
        magic = f.read(len(NPY_MAGIC))
    if magic.startswith(NPY_MAGIC):
        raise WeightsFileError(
            path, None, "is a .npy file (one array), not an .npz archive of named parameters (save_weights writes one)"
        )
    if not magic.startswith(ZIP_MAGIC):
        raise WeightsFileError(path, None, f"is not an .npz archive (it starts with {magic!r})")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise WeightsFileError(path, None, f"is a corrupt or truncated .npz archive ({exc})") from exc
    with archive:
        if expected is not None:
            shapes = {_name(info): _member(path, archive, info, with_data=False) for info in archive.infolist()}
            _check_names_and_shapes(path, model, expected, shapes)
        return {_name(info): _member(path, archive, info, with_data=True) for info in archive.infolist()}


def _name(info: zipfile.ZipInfo) -> str:
    return info.filename[: -len(".npy")] if info.filename.endswith(".npy") else info.filename


def _member(path: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, with_data: bool) -> Any:
    """A member's array, or with ``with_data=False`` only its shape: its .npy header is read and checked against
    the bytes the archive holds for it before any data is inflated."""
    key = _name(info)
    if not info.filename.endswith(".npy"):
        raise WeightsFileError(path, key, f"member {info.filename!r} is not a .npy array")
    try:
        with archive.open(info) as member:
            version = np.lib.format.read_magic(member)
            if version == (1, 0):
                shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(member)
            else:
                shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(member)
            if dtype.hasobject:
                raise WeightsFileError(path, key, f"holds an object array ({dtype}): refused, it would need pickle")
            declared = math.prod(shape) * dtype.itemsize
            held = info.file_size - member.tell()
            if declared != held or declared > DEFLATE_MAX_RATIO * info.compress_size + 1024:
                raise WeightsFileError(
                    path,
                    key,
                    f"its header declares shape {shape} of {dtype} ({declared} bytes) but the member holds {held}",
                )
            if not with_data:
                return shape
            data = member.read(declared)
    except WeightsFileError:
        raise
    except (
        zipfile.BadZipFile,
        zlib.error,
        ValueError,
        OSError,
        EOFError,
        TypeError,
        KeyError,
        NotImplementedError,
        RuntimeError,
    ) as exc:  # RuntimeError: an encrypted member
        raise WeightsFileError(
            path, key, f"cannot be read: corrupt or truncated ({type(exc).__name__}: {exc})"
        ) from exc
    if len(data) != declared:
        raise WeightsFileError(path, key, f"is truncated: {len(data)} of {declared} bytes")
    array = np.frombuffer(data, dtype=dtype)
    return array.reshape(shape, order="F" if fortran_order else "C").copy()


def _check_names_and_shapes(path: str, model: str, params: Mapping[str, Any], shapes: Mapping[str, Any]) -> None:
    """A missing or extra parameter, or one of another shape than the model's (which has data), is refused."""
    missing = [k for k in params if k not in shapes]
    extra = [k for k in shapes if k not in params]
    if missing or extra:
        raise WeightsFileError(
            path, None, f"does not match {model}: missing parameters {missing}, unexpected parameters {extra}"
        )
    for key, param in params.items():
        if param.data is not None and tuple(param.data.shape) != tuple(shapes[key]):
            found, mine = tuple(shapes[key]), tuple(param.data.shape)
            raise WeightsFileError(path, key, f"has shape {found} but the model's parameter has shape {mine}")


def _numpy_dtype(dtype: Any) -> np.dtype:
    """numpy's dtype for a backend dtype (cupy and jax use numpy's; array-api-strict names its own)."""
    try:
        return np.dtype(dtype)
    except TypeError:
        return np.dtype(str(dtype).rpartition(".")[2])


def check(path: str, params: Mapping[str, Any], arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``arrays``, read for the model's ``params`` (``read(path, params)``, which checked their names and
    shapes from the file's headers), cast to the parameters' dtypes.

    Raises:
        WeightsFileError: a dtype of another kind, or two entries for one parameter (tied weights) that differ.
    """
    checked = {}
    first: dict[int, str] = {}  # id of a parameter the model holds all along -> its first name
    for key, param in params.items():
        array = arrays[key]
        tied = first.setdefault(id(param), key)
        if tied != key and not np.array_equal(arrays[tied], array, equal_nan=True):  # else one is dropped unseen
            raise WeightsFileError(
                path,
                key,
                f"differs from {tied!r}, which is the same parameter in this model (tied weights): "
                "tie them the same way in the model that saved the file, or untie them here",
            )
        if array.dtype.kind != "f":
            expected = _numpy_dtype(param.data.dtype) if param.data is not None else "a floating-point dtype"
            raise WeightsFileError(
                path,
                key,
                f"holds {array.dtype} but the model's parameter is {expected}: only floating-point weights load",
            )
        if param.data is not None:
            array = array.astype(_numpy_dtype(param.data.dtype), copy=False)
        checked[key] = array
    return checked
