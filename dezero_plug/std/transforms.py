"""Transforms: Compose, Normalize, Flatten, AsType / ToFloat, ToInt, and the image ones — Convert, Resize,
CenterCrop, ToArray, ToPIL, RandomHorizontalFlip. Pillow is imported only when an image transform runs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dezero_plug.extend import hookimpl
from dezero_plug.std.conv import pair

dezero_plug_requires = ("conv",)


def _pil() -> Any:
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("image transforms need Pillow: pip install pillow") from None
    return Image


class Compose:
    """Apply ``transforms`` in order."""

    def __init__(self, transforms: list[Any] | None = None) -> None:
        self.transforms = list(transforms or [])

    def __call__(self, img: Any) -> Any:
        for t in self.transforms:
            img = t(img)
        return img


class Convert:
    """PIL image mode conversion ("RGB", "L" ...; "BGR" swaps the channels)."""

    def __init__(self, mode: str = "RGB") -> None:
        self.mode = mode

    def __call__(self, img: Any) -> Any:
        Image = _pil()
        if self.mode == "BGR":
            r, g, b = img.convert("RGB").split()
            return Image.merge("RGB", (b, g, r))
        return img.convert(self.mode)


class Resize:
    """Resize a PIL image to ``size`` (an int or (width, height))."""

    def __init__(self, size: Any, mode: Any = None) -> None:
        self.size = pair(size)
        self.mode = mode

    def __call__(self, img: Any) -> Any:
        Image = _pil()
        return img.resize(self.size, self.mode if self.mode is not None else Image.BILINEAR)


class CenterCrop:
    """Crop the centre ``size`` (an int or (width, height)) of a PIL image."""

    def __init__(self, size: Any) -> None:
        self.size = pair(size)

    def __call__(self, img: Any) -> Any:
        W, H = img.size
        OW, OH = self.size
        left, up = (W - OW) // 2, (H - OH) // 2
        return img.crop((left, up, left + OW, up + OH))


class ToArray:
    """A PIL image as a (C, H, W) array of ``dtype``; arrays pass through."""

    def __init__(self, dtype: Any = np.float32) -> None:
        self.dtype = dtype

    def __call__(self, img: Any) -> np.ndarray:
        if isinstance(img, np.ndarray):
            return img
        if type(img).__module__.startswith("PIL"):
            array = np.asarray(img)
            array = array[:, :, None] if array.ndim == 2 else array
            return array.transpose(2, 0, 1).astype(self.dtype)
        raise TypeError(f"ToArray: expected a PIL image or a numpy array; got {type(img).__name__}")


class ToPIL:
    """A (C, H, W) uint8 array as a PIL image."""

    def __call__(self, array: np.ndarray) -> Any:
        data = array.transpose(1, 2, 0)
        return _pil().fromarray(data[:, :, 0] if data.shape[2] == 1 else data)


class RandomHorizontalFlip:
    """Mirror left-right with probability ``p`` (a PIL image, or a (..., H, W) array). DeZero's does nothing."""

    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def __call__(self, img: Any) -> Any:
        if np.random.rand() >= self.p:
            return img
        if isinstance(img, np.ndarray):
            return img[..., ::-1].copy()
        return img.transpose(_pil().FLIP_LEFT_RIGHT)


class Normalize:
    """``(array - mean) / std``, per channel (axis 0) when ``mean``/``std`` are sequences."""

    def __init__(self, mean: Any = 0, std: Any = 1) -> None:
        self.mean, self.std = mean, std

    def __call__(self, array: np.ndarray) -> np.ndarray:
        return (array - self._per_channel("mean", self.mean, array)) / self._per_channel("std", self.std, array)

    @staticmethod
    def _per_channel(name: str, value: Any, array: np.ndarray) -> Any:
        """A scalar as it is; a sequence as one value per channel (axis 0): length 1 applies to every channel
        (DeZero reshaped it to the channel count and failed on 3 channels)."""
        if np.isscalar(value):
            return value
        values = np.asarray(value, dtype=array.dtype).ravel()
        if len(values) not in (1, len(array)):
            raise ValueError(
                f"Normalize: {name} has {len(values)} values for an array of {len(array)} channels (shape "
                f"{array.shape}); give one value or one per channel"
            )
        return values.reshape((-1,) + (1,) * (array.ndim - 1))


class Flatten:
    """The array flattened to 1-d."""

    def __call__(self, array: np.ndarray) -> np.ndarray:
        return array.flatten()


class AsType:
    """The array cast to ``dtype`` (default float32)."""

    def __init__(self, dtype: Any = np.float32) -> None:
        self.dtype = dtype

    def __call__(self, array: np.ndarray) -> np.ndarray:
        return array.astype(self.dtype)


ToFloat = AsType


class ToInt(AsType):
    """The array cast to an integer dtype (default int)."""

    def __init__(self, dtype: Any = int) -> None:
        super().__init__(dtype)


@hookimpl
def dezero_plug_transforms():
    return {
        "Compose": Compose,
        "Convert": Convert,
        "Resize": Resize,
        "CenterCrop": CenterCrop,
        "ToArray": ToArray,
        "ToPIL": ToPIL,
        "RandomHorizontalFlip": RandomHorizontalFlip,
        "Normalize": Normalize,
        "Flatten": Flatten,
        "AsType": AsType,
        "ToFloat": ToFloat,
        "ToInt": ToInt,
    }
