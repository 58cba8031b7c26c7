"""Gaussian-mask inpainting, Section 4.2 and Appendix A.2, and its generation variant
(Section 5.3): the contract for every inpaint preset and the other options, the precomputed
table G_t against the literal mask product, the 8-bit quantisation and significant-digit
rounding, the fixed centre, and x_T = the fill colour."""
import pytest
import torch
from hypothesis import given, settings, strategies as st

import cold
from cold.degradations.inpaint import Inpaint, quantize, round_significant

from degradation_contract import DegradationContract


class TestMnistInpaint(DegradationContract):
    preset, channels, size = "mnist-inpaint", 1, 28


class TestCifar10Inpaint(DegradationContract):
    preset = "cifar10-inpaint"


class TestCelebaInpaint(DegradationContract):
    preset = "celeba-inpaint"


class TestCelebaInpaintGeneration(DegradationContract):
    preset = "celeba-inpaint-generation"


class TestInpaintVarianceRoundDigits(DegradationContract):
    """The literal reading of the text: β is a variance, values rounded to 8 digits."""
    size = (24, 19)

    def make(self):
        return Inpaint(T=12, beta_start=1.0, beta_step=0.5, beta_is="variance", round_digits=8)


class TestInpaintColorFillRandomCentre(DegradationContract):
    channels = 2

    def make(self):
        return Inpaint(T=10, beta_start=1.0, beta_schedule="geometric", beta_end=100.0,
                       center="random", fill="color", quantize_bits=6)


@settings(max_examples=15, deadline=None)
@given(st.integers(4, 24), st.integers(4, 24), st.integers(1, 30), st.data())
def test_table_equals_mask_product(H, W, t, data):
    D = Inpaint(T=30, beta_start=1.0, beta_step=0.1)
    cy, cx = data.draw(st.integers(0, H - 1)), data.draw(st.integers(0, W - 1))
    G = D.cumulative_mask(torch.tensor([t]), torch.tensor([[cy, cx]]), H, W, torch.float64)[0, 0]
    assert (G - D.mask_loop(t, (cy, cx), H, W)).abs().max() < 1e-12


def test_definition_and_visible_pixels_decrease():
    D = cold.degradation_preset("mnist-inpaint")
    x = torch.rand(2, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1
    state = D.sample_state(x, generator=torch.Generator().manual_seed(0))
    c = state["center"][0]
    H, W = x.shape[-2:]
    mask1 = D.mask(D.betas[0], H, W, float(c[0]), float(c[1]))
    # one step: the first mask, then the 8-bit quantisation (at most one level down)
    diff = (x[0, 0].double() * mask1).float() - D(x, 1, state)[0, 0]
    assert diff.min() >= -1e-6 and diff.max() <= 2 / 255 + 1e-6
    # the masked centre is grey (0, quantised down to 127/255 of the [0, 1] range); the visible
    # fraction decreases with t
    assert D(x, D.T, state)[0, 0, c[0], c[1]] == torch.tensor(127 / 255 * 2 - 1)
    vis = [float((D(torch.ones_like(x), t, state) > 0.5).float().mean()) for t in range(0, 51, 10)]
    assert all(a >= b for a, b in zip(vis, vis[1:])) and vis[-1] < vis[0]


def test_fixed_centre_and_generation_fill():
    D = cold.degradation_preset("celeba-inpaint")
    x = torch.ones(2, 3, 32, 32)
    y = D(x, 50)
    assert D.sample_state(x) is None and y[:, :, 16, 16].abs().max() == 0
    G = cold.degradation_preset("celeba-inpaint-generation")
    state = G.sample_state(x, generator=torch.Generator().manual_seed(0))
    xT = G(x, G.T, state)
    assert torch.equal(xT, state["color"].view(2, 3, 1, 1).expand_as(x))
    assert torch.equal(G(x, 0, state), x)


def test_round_significant():
    x = torch.tensor([1.234567891, -0.000123456789, 0.0, 98765.4321], dtype=torch.float64)
    r = round_significant(x, 8)
    assert torch.allclose(r, torch.tensor([1.2345679, -0.00012345679, 0.0, 98765.432], dtype=torch.float64))
    D = Inpaint(T=5, round_digits=3)
    y = D(torch.full((1, 1, 6, 6), 0.123456), 5, {"center": torch.tensor([[3, 3]])})
    assert torch.equal(y, round_significant(y, 3))


def test_quantize_is_idempotent_and_on_levels():
    x = torch.rand(1000, generator=torch.Generator().manual_seed(0)) * 2 - 1
    q = quantize(x, 8)
    assert torch.equal(quantize(q, 8), q)
    levels = (q.double() + 1) / 2 * 255
    assert (levels - levels.round()).abs().max() < 1e-4 and bool((q <= x + 1e-6).all())


def test_missing_state_raises():
    D = Inpaint(T=5)
    x = torch.zeros(2, 1, 8, 8)
    with pytest.raises(ValueError, match="center"):
        D(x, 1, {"color": torch.zeros(2, 1)})
    with pytest.raises(ValueError, match="shape"):
        D(x, 1, {"center": torch.zeros(2, 3, dtype=torch.long)})
    with pytest.raises(ValueError, match="color"):
        Inpaint(T=5, fill="color")(x, 1, {"center": torch.zeros(2, 2, dtype=torch.long)})
