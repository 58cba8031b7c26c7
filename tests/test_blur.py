"""Gaussian blur, Sections 4.1 and 5.2: the contract for every blur preset, the closed form
A_t^(H) · x0 · (A_t^(W))ᵀ against the literal t-fold convolution, the σ schedules of
Appendix A.1, loss of high frequencies with t, and x_T = channel mean for generation."""
import math

import pytest
import torch

import cold
from cold.degradations.blur import Blur, gaussian_kernel1d

from degradation_contract import DegradationContract


class TestMnistBlur(DegradationContract):
    preset, channels, size = "mnist-blur", 1, 28


class TestCifar10Blur(DegradationContract):
    preset = "cifar10-blur"


class TestCelebaBlur(DegradationContract):
    preset = "celeba-blur"


class TestCelebaBlurGeneration(DegradationContract):
    preset = "celeba-blur-generation"


class TestAfhqBlurGeneration(DegradationContract):
    preset = "afhq-blur-generation"


class TestBlurZerosPaddingRectangular(DegradationContract):
    channels, size = 2, (20, 17)

    def make(self):
        return Blur(T=8, kernel_size=5, schedule="linear", sigma_start=0.5, sigma_rate=0.2,
                    padding="zeros")


def images(n=2, C=3, H=32, W=32, seed=0):
    return torch.rand(n, C, H, W, generator=torch.Generator().manual_seed(seed)) * 2 - 1


@pytest.mark.parametrize("padding", ["circular", "reflect", "zeros"])
@pytest.mark.parametrize("schedule", ["constant", "linear", "exponential"])
def test_closed_form_equals_loop(padding, schedule):
    D = Blur(T=12, kernel_size=7, schedule=schedule, sigma=2.0, sigma_start=0.35,
             sigma_rate=0.1, padding=padding)
    x = images(H=20, W=17)
    for t in [1, 2, 7, 12]:
        assert (D(x, t) - D.blur_loop(x, t)).abs().max() < 1e-5


@pytest.mark.parametrize("preset,C,S", [("mnist-blur", 1, 28), ("cifar10-blur", 3, 32)])
def test_presets_equal_loop(preset, C, S):
    D = cold.degradation_preset(preset)
    x = images(C=C, H=S, W=S)
    for t in [1, D.T // 3, D.T]:
        assert (D(x, t) - D.blur_loop(x, t)).abs().max() < 1e-5


def test_kernel_matches_paper():
    g = gaussian_kernel1d(11, 7.0)
    x = torch.arange(11, dtype=torch.float64) - 5
    ref = torch.exp(-x ** 2 / 98.0)
    assert torch.allclose(g, ref / ref.sum())
    # the authors' schedules, kernel i = 0..T-1: exp(0.01 i) (CelebA, generation), i/100 + 0.35
    D = cold.degradation_preset("celeba-blur")
    assert all(math.isclose(s, math.exp(0.01 * i)) for i, s in enumerate(D.sigmas))
    assert D.padding == "reflect" and D.kernel_size == 15 and D.T == 200
    D = cold.degradation_preset("cifar10-blur")
    assert all(math.isclose(s, i / 100 + 0.35) for i, s in enumerate(D.sigmas))
    assert D.padding == "reflect" and D.kernel_size == 11 and D.T == 50
    D = cold.degradation_preset("celeba-blur-generation")
    assert all(math.isclose(s, math.exp(0.01 * i)) for i, s in enumerate(D.sigmas))
    assert D.padding == "circular" and D.sigmas[0] == 1.0
    # an explicit sigma_start is sigma_1 for both schedules
    assert Blur(T=3, schedule="exponential", sigma_start=2.0).sigmas == [2.0, 2.0 * math.exp(0.01), 2.0 * math.exp(0.02)]


def test_config_keeps_resolved_sigma_start():
    """sigma_start=None is stored (and written to the config) as the schedule's σ_1."""
    assert Blur(T=3, schedule="exponential").config()["sigma_start"] == 1.0
    assert Blur(T=3, schedule="linear").config()["sigma_start"] == 0.35


def _high_freq_energy(x):
    return ((x[..., 1:, :] - x[..., :-1, :]) ** 2).mean() + ((x[..., 1:] - x[..., :-1]) ** 2).mean()


def test_removes_high_frequencies_monotonically():
    D = cold.degradation_preset("cifar10-blur")
    x = images()
    e = [float(_high_freq_energy(D(x, t))) for t in range(0, D.T + 1, 5)]
    assert all(a >= b - 1e-9 for a, b in zip(e, e[1:])) and e[-1] < 0.2 * e[0]


@pytest.mark.parametrize("padding", ["circular", "reflect"])
def test_generation_ends_at_channel_mean(padding):
    D = cold.degradation_preset("celeba-blur-generation", padding=padding)
    x = images(n=3, seed=2)
    xT = D(x, D.T)
    assert torch.allclose(xT, x.mean(dim=(2, 3), keepdim=True).expand_as(x), atol=1e-6)
    assert xT.std(dim=(2, 3)).max() < 1e-6
    # well before T the image is already almost flat
    assert D(x, D.T - 1).std(dim=(2, 3)).max() < 0.05


def test_reflect_needs_small_kernel():
    D = Blur(T=2, kernel_size=27, padding="reflect")
    with pytest.raises(ValueError, match="reflect"):
        D(torch.zeros(1, 1, 8, 8), 1)
