"""Gaussian noise, Section 5.1 (x_t = sqrt(ᾱ_t)·x0 + sqrt(1 - ᾱ_t)·z, z ~ N(0, I)): the contract,
the cosine schedule ᾱ_t, and the "Estimated Noise" ẑ(x_t, t) that inverts D."""
import pytest
import torch

from cold.degradations.interpolation import Noise, cosine_alpha_bar

from degradation_contract import DegradationContract


class TestCelebaNoise(DegradationContract):
    preset = "celeba-noise"
    bounded = False  # z ~ N(0, I) leaves [-1, 1]


class TestNoiseShortSchedule(DegradationContract):
    channels, size, bounded = 1, (9, 13), False

    def make(self):
        return Noise(T=3, cosine_s=0.02)


def test_cosine_schedule():
    a = cosine_alpha_bar(200)
    assert a[0] == 1.0 and a.shape == (201,)
    assert bool((a[1:] < a[:-1]).all()) and a[-1] < 1e-3


def test_definition_and_estimate_state_inverts():
    D = Noise(T=50)
    x = torch.rand(3, 3, 8, 8, dtype=torch.float64) * 2 - 1
    z = D.sample_state(x, generator=torch.Generator().manual_seed(0))
    t = torch.tensor([1, 20, 50])
    xt = D(x, t, z)
    a = D.alpha_bar[t].view(-1, 1, 1, 1)
    assert torch.allclose(xt, a.sqrt() * x + (1 - a).sqrt() * z)
    assert torch.allclose(D.estimate_state(xt, x, t), z, atol=1e-9)
    with pytest.raises(ValueError, match="t=0"):
        D.estimate_state(xt, x, 0)
