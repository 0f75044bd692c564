"""Models: Sequential, MLP, VGG16, ResNet50/101/152 (DeZero cannot build ResNet50) and a real SqueezeNet."""

import numpy as np
import pytest

import dezero_plug as dezero
import dezero_plug.layers as L
from dezero_plug import models

pytestmark = pytest.mark.backend("numpy")


def test_sequential_and_mlp_name_their_layers_l0_l1():
    seq = models.Sequential(L.Linear(4), L.Linear(2))
    assert seq(np.ones((3, 5), np.float32)).shape == (3, 2)
    assert [name for name in seq._params] == ["l0", "l1"]
    mlp = models.MLP((6, 2))
    assert mlp(np.ones((1, 3), np.float32)).shape == (1, 2)


def test_vgg16_runs_and_preprocess_makes_bgr_mean_subtracted_input():
    np.random.seed(0)
    with dezero.test_mode(), dezero.no_grad():
        y = models.VGG16()(np.random.rand(1, 3, 32, 32).astype(np.float32))
    assert y.shape == (1, 1000)
    Image = pytest.importorskip("PIL.Image", reason="Pillow is not installed")
    img = Image.fromarray(np.full((10, 12, 3), (10, 20, 30), np.uint8))
    x = models.VGG16.preprocess(img, size=(8, 8))
    assert x.shape == (3, 8, 8) and np.allclose(x[:, 0, 0], [30 - 103.939, 20 - 116.779, 10 - 123.68], atol=1e-4)


def test_resnet50_builds_and_runs():
    np.random.seed(0)
    model = models.ResNet50()
    with dezero.test_mode(), dezero.no_grad():
        y = model(np.random.rand(1, 3, 32, 32).astype(np.float32))
    assert y.shape == (1, 1000)
    names = {}
    model._flatten_params(names)
    assert "res2/a/conv4/W" in names and "res5/b2/bn3/gamma" in names  # DeZero's key layout
    assert len([k for k in names if k.endswith("/W") and "conv" in k]) == 53  # 1 + 16 blocks x 3 + 4 projections


@pytest.mark.parametrize("cls,blocks", [(models.ResNet101, 23), (models.ResNet152, 36)])
def test_deeper_resnets_build(cls, blocks):
    model = cls()
    assert hasattr(model.res4, f"b{blocks - 1}") and not hasattr(model.res4, f"b{blocks}")


def test_resnet_rejects_an_unknown_depth():
    with pytest.raises(ValueError, match=r"ResNet: n_layers must be one of \[50, 101, 152\]; got 34"):
        models.ResNet(34)


def test_squeezenet_is_a_real_network():
    np.random.seed(0)
    model = models.SqueezeNet(n_classes=10)
    x = np.random.rand(2, 3, 64, 64).astype(np.float32)
    y = model(x)
    assert y.shape == (2, 10)
    y.sum().backward()
    assert sum(1 for p in model.params()) == 52 and all(p.grad is not None for p in model.params())
    with pytest.raises(NotImplementedError, match="no pretrained weights are published"):
        models.SqueezeNet(pretrained=True)
