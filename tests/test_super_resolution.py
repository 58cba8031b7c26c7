"""Tests of the super-resolution degradation (Section 4.3, Appendix A.3): the contract for the
three presets (bicubic) and the area mode, odd, rectangular and fixed image sizes (per-image t
bit for bit), and the sizes n_t = ceil(n / 2^t), the closed form against literal halvings,
piecewise-constant x_T, loss of information with t, and saturation at one pixel."""
import pytest
import torch
import torch.nn.functional as F

from cold.degradations.super_resolution import SuperResolution

from conftest import requires_cuda
from degradation_contract import DegradationContract


class SuperResolutionContract(DegradationContract):
    atol = 0  # images sharing a t are computed together: per-image t is bit for bit
    cuda_atol = {torch.float32: 1e-5, torch.float64: 1e-5}


class TestMnistSuperResolution(SuperResolutionContract):
    preset, channels, size = "mnist-super_resolution", 1, 28


class TestCifar10SuperResolution(SuperResolutionContract):
    preset = "cifar10-super_resolution"


class TestCelebaSuperResolution(SuperResolutionContract):
    preset = "celeba-super_resolution"


class TestSuperResolutionArea(SuperResolutionContract):
    size = 28

    def make(self):
        return SuperResolution(3, mode="area")


class TestSuperResolutionAreaOddRectangular(SuperResolutionContract):
    """image_size (H, W) is written to the config as [H, W]."""
    channels, size = 2, (30, 17)

    def make(self):
        return SuperResolution(2, image_size=(30, 17))


class TestSuperResolutionBicubicFixedSize(SuperResolutionContract):
    """A square image_size is written to the config as one int."""
    size = 128

    def make(self):
        return SuperResolution(6, mode="bicubic", image_size=128)


def images(B=4, C=3, H=32, W=32, seed=0, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(B, C, H, W, generator=g, dtype=dtype) * 2 - 1)


def literal_halvings(x, t):
    """Reference: t literal halvings n -> ceil(n/2) with area pooling, then nearest upsampling."""
    H, W = x.shape[-2:]
    low = x
    for _ in range(t):
        h, w = low.shape[-2:]
        low = F.interpolate(low, size=((h + 1) // 2, (w + 1) // 2), mode="area")
    return low, F.interpolate(low, size=(H, W), mode="nearest")


@pytest.mark.parametrize("mode", ["area", "bicubic"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
def test_shape_dtype_device_range(mode, dtype):
    x = images(B=2, C=1, H=28, W=28, dtype=torch.float32).to(dtype)
    D = SuperResolution(3, mode=mode)
    for t in range(4):
        y = D(x, t)
        assert y.shape == x.shape and y.dtype == dtype and y.device == x.device
        assert y.min() >= -1 and y.max() <= 1


def test_size_at_matches_paper():
    assert SuperResolution.size_at(3, (28, 28)) == (4, 4)  # MNIST 28 -> 14 -> 7 -> 4
    assert [SuperResolution.size_at(t, (28, 28))[0] for t in range(4)] == [28, 14, 7, 4]
    assert SuperResolution.size_at(3, (32, 32)) == (4, 4)  # CIFAR-10
    assert SuperResolution.size_at(6, (128, 128)) == (2, 2)  # CelebA
    assert SuperResolution.size_at(2, (30, 17)) == (8, 5)
    assert SuperResolution.size_at(20, (32, 32)) == (1, 1)  # saturates at 1
    D = SuperResolution(3)
    assert D.low_res(images(H=28, W=28), 3).shape == (4, 3, 4, 4)


@pytest.mark.parametrize("size", [32, 28])
def test_closed_form_matches_iterated_halving(size):
    x = images(H=size, W=size)
    D = SuperResolution(3, mode="area")
    for t in range(4):
        low_ref, up_ref = literal_halvings(x, t)
        assert D.low_res(x, t).shape == low_ref.shape
        torch.testing.assert_close(D.low_res(x, t), low_ref, atol=1e-5, rtol=0)
        torch.testing.assert_close(D(x, t), up_ref, atol=1e-5, rtol=0)


def test_odd_and_rectangular_sizes():
    x = images(B=2, H=30, W=17)
    D = SuperResolution(4, mode="area")
    for t in range(5):
        low_ref, up_ref = literal_halvings(x, t)
        torch.testing.assert_close(D.low_res(x, t), low_ref, atol=1e-5, rtol=0)
        torch.testing.assert_close(D(x, t), up_ref, atol=1e-5, rtol=0)


@pytest.mark.parametrize("mode", ["area", "bicubic"])
@pytest.mark.parametrize("size,block", [(32, 8), (28, 7)])
def test_piecewise_constant_at_T(mode, size, block):
    x = images(H=size, W=size)
    y = SuperResolution(3, mode=mode)(x, 3)
    n = size // block
    blocks = y.reshape(4, 3, n, block, n, block)
    assert torch.equal(blocks, blocks[:, :, :, :1, :, :1].expand_as(blocks))
    # area mode: each block of the 32x32 image is the mean of the corresponding 8x8 patch
    if mode == "area" and size == 32:
        torch.testing.assert_close(blocks[:, :, :, 0, :, 0], F.avg_pool2d(x, 8), atol=1e-6, rtol=0)


@pytest.mark.parametrize("mode", ["area", "bicubic"])
def test_information_decreases_with_t(mode):
    x = images(B=3, H=32, W=32)
    D = SuperResolution(5, mode=mode)
    distinct, dist = [], []
    for t in range(6):
        y = D(x, t)
        distinct.append([len(torch.unique(y[i])) for i in range(3)])
        dist.append((y - x).abs().mean().item())
    for a, b in zip(distinct, distinct[1:]):
        assert all(bi <= ai for ai, bi in zip(a, b))
    assert all(b >= a - 1e-6 for a, b in zip(dist, dist[1:]))
    assert dist[-1] > dist[1] > 0


def test_large_T_saturates_at_one_pixel():
    x = images(H=8, W=8)
    D = SuperResolution(6)
    mean = x.mean(dim=(2, 3), keepdim=True).expand_as(x)
    torch.testing.assert_close(D(x, 3), mean, atol=1e-6, rtol=0)
    torch.testing.assert_close(D(x, 6), D(x, 3), atol=0, rtol=0)


def test_bad_arguments_raise():
    D = SuperResolution(3, image_size=32)
    x = images()
    with pytest.raises(ValueError):
        D(images(H=28, W=28), 1)  # image_size mismatch
    with pytest.raises(ValueError):
        D.low_res(x, torch.tensor([1, 2, 1, 1]))  # mixed t has no single low-res size
    with pytest.raises(ValueError):
        SuperResolution(3, mode="nearest")
    with pytest.raises(ValueError):
        SuperResolution(3, image_size=(32, 0))


def test_config_writes_image_size_as_given():
    assert SuperResolution(3).config() == {"T": 3, "mode": "area", "image_size": None}
    assert SuperResolution(6, mode="bicubic", image_size=128).config()["image_size"] == 128
    assert SuperResolution(6, image_size=(16, 16)).config()["image_size"] == 16
    assert SuperResolution(2, image_size=(30, 17)).config()["image_size"] == [30, 17]
    assert SuperResolution(2, image_size=[30, 17]).image_size == (30, 17)


@requires_cuda
@pytest.mark.parametrize("mode", ["area", "bicubic"])
def test_low_res_cuda_matches_cpu(mode):
    x = images(B=4, H=28, W=28)
    D = SuperResolution(3, mode=mode)
    torch.testing.assert_close(D.low_res(x.cuda(), 3).cpu(), D.low_res(x, 3), atol=1e-5, rtol=0)
