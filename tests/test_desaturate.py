"""Desaturation, Appendix A.4: the contract for both presets, and the closed form z(t/T) * x0
against the t literal 1×1 filters z(α_s), ending at the grey (channel-mean) image."""
import torch

from cold.degradations.desaturate import Desaturate

from degradation_contract import DegradationContract


class TestCifar10Desaturate(DegradationContract):
    preset = "cifar10-desaturate"


class TestCelebaDesaturate(DegradationContract):
    preset = "celeba-desaturate"


class TestDesaturateOneStepFourChannels(DegradationContract):
    channels = 4

    def make(self):
        return Desaturate(T=1)


def test_closed_form_equals_loop():
    D = Desaturate(T=50)
    x = torch.rand(2, 3, 8, 8, dtype=torch.float64) * 2 - 1
    for t in [1, 17, 50]:
        assert (D(x, t) - D.desaturate_loop(x, t)).abs().max() < 1e-12
    grey = D(x, 50)
    assert torch.allclose(grey, x.mean(1, keepdim=True).expand_as(x))
    sat = [float((D(x, t) - D(x, t).mean(1, keepdim=True)).abs().mean()) for t in range(0, 51, 10)]
    assert all(a > b for a, b in zip(sat, sat[1:]))
