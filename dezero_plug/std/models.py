"""Models: Sequential, MLP, VGG16 (with preprocess), ResNet / ResNet50 / ResNet101 / ResNet152, SqueezeNet.

``pretrained=True`` downloads DeZero's published weights through
``dezero_plug.utils.get_file`` (cached, atomic); no pretrained SqueezeNet
weights are published, so asking for them says so.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dezero_plug.extend import Layer
from dezero_plug.extend import Model
from dezero_plug.extend import hookimpl
from dezero_plug.std.activation import relu
from dezero_plug.std.activation import sigmoid
from dezero_plug.std.conv import pooling
from dezero_plug.std.layers import BatchNorm
from dezero_plug.std.layers import Conv2d
from dezero_plug.std.layers import Linear
from dezero_plug.std.noise import dropout
from dezero_plug.std.reduction import average
from dezero_plug.std.shape import concat
from dezero_plug.std.shape import reshape

dezero_plug_requires = ("shape", "reduction", "arithmetic", "activation", "noise", "conv", "layers")

WEIGHTS_URL = "https://github.com/koki0702/dezero-models/releases/download/v0.1/{}.npz"


def _load_pretrained(model: Model, name: str) -> None:
    from dezero_plug.extend import get_file

    model.load_weights(get_file(WEIGHTS_URL.format(name)))


def _numbered(model: Model, layers: Any) -> list[Any]:
    """Set ``layers`` on ``model`` as l0, l1 ... (DeZero's weight names) and return them as a list."""
    layers = list(layers)
    for i, layer in enumerate(layers):
        setattr(model, f"l{i}", layer)
    return layers


class Sequential(Model):
    """Layers applied in order: ``Sequential(L.Linear(10), L.Linear(3))``."""

    def __init__(self, *layers: Any) -> None:
        super().__init__()
        self.layers = _numbered(self, layers)

    def forward(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x


class MLP(Model):
    """Fully connected network: ``MLP((hidden, ..., out), activation=sigmoid)``; layers named l0, l1 ..."""

    def __init__(self, fc_output_sizes: tuple[int, ...], activation: Any = None) -> None:
        super().__init__()
        if not isinstance(fc_output_sizes, (tuple, list)) or not fc_output_sizes:
            raise ValueError(f"MLP: fc_output_sizes must name at least one layer size; got {fc_output_sizes!r}")
        self.activation = activation if activation is not None else sigmoid
        self.layers = _numbered(self, [Linear(out_size) for out_size in fc_output_sizes])

    def forward(self, x: Any) -> Any:
        for layer in self.layers[:-1]:
            x = self.activation(layer(x))
        return self.layers[-1](x)


class VGG16(Model):
    """VGG-16 for (N, 3, 224, 224) BGR images (see ``preprocess``); 1000 ImageNet classes."""

    def __init__(self, pretrained: bool = False) -> None:
        super().__init__()
        widths = [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]
        for block, (width, count) in enumerate(widths, start=1):
            for i in range(1, count + 1):
                setattr(self, f"conv{block}_{i}", Conv2d(width, kernel_size=3, stride=1, pad=1))
        self.fc6 = Linear(4096)
        self.fc7 = Linear(4096)
        self.fc8 = Linear(1000)
        self._counts = [count for _, count in widths]
        if pretrained:
            _load_pretrained(self, "vgg16")

    def forward(self, x: Any) -> Any:
        for block, count in enumerate(self._counts, start=1):
            for i in range(1, count + 1):
                x = relu(getattr(self, f"conv{block}_{i}")(x))
            x = pooling(x, 2, 2)
        x = reshape(x, (x.shape[0], -1))
        x = dropout(relu(self.fc6(x)))
        x = dropout(relu(self.fc7(x)))
        return self.fc8(x)

    @staticmethod
    def preprocess(image: Any, size: tuple[int, int] = (224, 224), dtype: Any = np.float32) -> np.ndarray:
        """A PIL image as VGG's input: resized, BGR, mean-subtracted, (3, H, W) of ``dtype``."""
        image = image.convert("RGB")
        if size:
            image = image.resize(size)
        array = np.asarray(image, dtype=dtype)[:, :, ::-1]
        array = array - np.array([103.939, 116.779, 123.68], dtype=dtype)
        return array.transpose((2, 0, 1))


class _Bottleneck(Layer):
    """1x1 -> 3x3 -> 1x1 convolutions with batch norm; a projection shortcut when ``project``."""

    def __init__(self, mid: int, out: int, stride: int, project: bool) -> None:
        super().__init__()
        self.conv1, self.bn1 = Conv2d(mid, 1, stride, 0, nobias=True), BatchNorm()
        self.conv2, self.bn2 = Conv2d(mid, 3, 1, 1, nobias=True), BatchNorm()
        self.conv3, self.bn3 = Conv2d(out, 1, 1, 0, nobias=True), BatchNorm()
        if project:
            self.conv4, self.bn4 = Conv2d(out, 1, stride, 0, nobias=True), BatchNorm()
        self.project = project

    def forward(self, x: Any) -> Any:
        h = relu(self.bn1(self.conv1(x)))
        h = relu(self.bn2(self.conv2(h)))
        h = self.bn3(self.conv3(h))
        shortcut = self.bn4(self.conv4(x)) if self.project else x
        return relu(h + shortcut)


class BottleneckA(_Bottleneck):
    """DeZero's first bottleneck of a block: 1x1 -> 3x3 -> 1x1 convolutions and a projection shortcut."""

    def __init__(
        self, in_channels: int, mid_channels: int, out_channels: int, stride: int = 2, downsample_fb: bool = False
    ) -> None:
        super().__init__(mid_channels, out_channels, stride, project=True)


class BottleneckB(_Bottleneck):
    """DeZero's later bottlenecks of a block: the same convolutions, an identity shortcut."""

    def __init__(self, in_channels: int, mid_channels: int) -> None:
        super().__init__(mid_channels, in_channels, 1, project=False)


class _BuildingBlock(Layer):
    """``n_layers`` bottlenecks; the first projects and strides."""

    def __init__(self, n_layers: int, mid: int, out: int, stride: int) -> None:
        super().__init__()
        self._names = []
        for i in range(n_layers):
            name = "a" if i == 0 else f"b{i}"
            setattr(self, name, BottleneckA(out, mid, out, stride) if i == 0 else BottleneckB(out, mid))
            self._names.append(name)

    def forward(self, x: Any) -> Any:
        for name in self._names:
            x = getattr(self, name)(x)
        return x


class BuildingBlock(_BuildingBlock):
    """DeZero's ResNet block: a ``BottleneckA`` (``a``) then ``n_layers - 1`` ``BottleneckB`` (``b1`` ...)."""

    def __init__(
        self,
        n_layers: int,
        in_channels: int,
        mid_channels: int,
        out_channels: int,
        stride: int,
        downsample_fb: bool | None = None,
    ) -> None:
        super().__init__(n_layers, mid_channels, out_channels, stride)


class ResNet(Model):
    """ResNet with bottleneck blocks: ``n_layers`` 50, 101 or 152; (N, 3, 224, 224) -> 1000 classes."""

    BLOCKS = {50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3]}

    def __init__(self, n_layers: int = 152, pretrained: bool = False) -> None:
        super().__init__()
        if n_layers not in self.BLOCKS:
            raise ValueError(f"ResNet: n_layers must be one of {sorted(self.BLOCKS)}; got {n_layers}")
        block = self.BLOCKS[n_layers]
        self.conv1, self.bn1 = Conv2d(64, 7, 2, 3), BatchNorm()
        self.res2 = _BuildingBlock(block[0], 64, 256, 1)
        self.res3 = _BuildingBlock(block[1], 128, 512, 2)
        self.res4 = _BuildingBlock(block[2], 256, 1024, 2)
        self.res5 = _BuildingBlock(block[3], 512, 2048, 2)
        self.fc6 = Linear(1000)
        if pretrained:
            _load_pretrained(self, f"resnet{n_layers}")

    def forward(self, x: Any) -> Any:
        x = relu(self.bn1(self.conv1(x)))
        x = pooling(x, kernel_size=3, stride=2)
        x = self.res5(self.res4(self.res3(self.res2(x))))
        x = reshape(average(x, axis=(2, 3)), (x.shape[0], -1))  # global average pooling
        return self.fc6(x)


class ResNet50(ResNet):
    """ResNet with 50 layers."""

    def __init__(self, pretrained: bool = False) -> None:
        super().__init__(50, pretrained)


class ResNet101(ResNet):
    """ResNet with 101 layers."""

    def __init__(self, pretrained: bool = False) -> None:
        super().__init__(101, pretrained)


class ResNet152(ResNet):
    """ResNet with 152 layers."""

    def __init__(self, pretrained: bool = False) -> None:
        super().__init__(152, pretrained)


class _Fire(Layer):
    """SqueezeNet's fire module: a 1x1 squeeze, then 1x1 and 3x3 expands concatenated on channels."""

    def __init__(self, squeeze: int, expand1: int, expand3: int) -> None:
        super().__init__()
        self.squeeze = Conv2d(squeeze, 1)
        self.expand1 = Conv2d(expand1, 1)
        self.expand3 = Conv2d(expand3, 3, pad=1)

    def forward(self, x: Any) -> Any:
        s = relu(self.squeeze(x))
        return concat([relu(self.expand1(s)), relu(self.expand3(s))], axis=1)


class SqueezeNet(Model):
    """SqueezeNet 1.1 (fire modules, global average pooling): (N, 3, H, W) -> ``n_classes`` scores."""

    def __init__(self, pretrained: bool = False, n_classes: int = 1000) -> None:
        super().__init__()
        if pretrained:
            raise NotImplementedError(
                "SqueezeNet: no pretrained weights are published for DeZero; use pretrained=False"
            )
        self.conv1 = Conv2d(64, 3, stride=2)
        fires = [(16, 64, 64), (16, 64, 64), (32, 128, 128), (32, 128, 128), (48, 192, 192), (48, 192, 192)]
        fires += [(64, 256, 256), (64, 256, 256)]
        for i, sizes in enumerate(fires, start=2):
            setattr(self, f"fire{i}", _Fire(*sizes))
        self.conv10 = Conv2d(n_classes, 1)

    def forward(self, x: Any) -> Any:
        x = pooling(relu(self.conv1(x)), 3, 2)
        x = self.fire3(self.fire2(x))
        x = pooling(x, 3, 2)
        x = self.fire5(self.fire4(x))
        x = pooling(x, 3, 2)
        x = self.fire9(self.fire8(self.fire7(self.fire6(x))))
        x = relu(self.conv10(dropout(x, 0.5)))
        return reshape(average(x, axis=(2, 3)), (x.shape[0], -1))


@hookimpl
def dezero_plug_models():
    return [
        Sequential,
        MLP,
        VGG16,
        ResNet,
        ResNet50,
        ResNet101,
        ResNet152,
        SqueezeNet,
        BuildingBlock,
        BottleneckA,
        BottleneckB,
    ]
