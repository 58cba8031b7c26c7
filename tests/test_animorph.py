"""Animorphosis, Section 5.3 (x_t = sqrt(ᾱ_t)·x0 + sqrt(1 - ᾱ_t)·z with z a partner image):
the contract (the partner images are data, not config: a rebuilt D gets them again), and
states drawn from the partners."""
import pytest
import torch

import cold
from cold.degradations.interpolation import Animorph

from degradation_contract import DegradationContract


def partner_images(n=8, C=3, S=32):
    return torch.rand(n, C, S, S, generator=torch.Generator().manual_seed(1)) * 2 - 1


class TestCelebaAnimorph(DegradationContract):
    preset = "celeba-animorph"
    bounded = False  # sqrt(ᾱ) + sqrt(1 - ᾱ) > 1: convex in neither term

    def make(self):
        return cold.degradation_preset(self.preset, partners=partner_images())

    def rebuild(self, D):
        return super().rebuild(D).set_partners(D.partners)


def test_partners():
    partners = torch.rand(4, 3, 8, 8) * 2 - 1
    D = Animorph(T=10, partners=partners)
    x = torch.rand(2, 3, 8, 8) * 2 - 1
    z = D.sample_state(x, generator=torch.Generator().manual_seed(0))
    assert all(any(torch.equal(zi, p) for p in partners) for zi in z)
    assert torch.allclose(D(x, 10, z), D.alpha_bar[10].sqrt().float() * x + (1 - D.alpha_bar[10]).sqrt().float() * z)
    with pytest.raises(ValueError, match="partner"):
        Animorph(T=10).sample_state(x)
    with pytest.raises(ValueError, match="shape"):
        D(x, 3, torch.zeros(2, 3, 4, 4))


def test_config_leaves_out_the_partner_images():
    D = cold.degradation_preset("celeba-animorph", partners=partner_images())
    assert D.config() == {"T": 200, "cosine_s": 0.008, "partners_name": "afhq"}
    E = cold.degradation("animorph", **D.config())
    assert E.partners is None
    x = torch.zeros(2, 3, 32, 32)
    z = D.sample_state(x, generator=torch.Generator().manual_seed(0))
    assert torch.equal(E(x, 50, z), D(x, 50, z))  # an explicit state works without partners
    with pytest.raises(ValueError, match="partner"):
        E(x, 50)
    with pytest.raises(ValueError, match="partner images have shape"):
        D.sample_state(torch.zeros(2, 3, 16, 16))
