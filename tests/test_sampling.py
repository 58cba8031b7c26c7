"""Samplers: Section 3.3 (TACoS is exact for linear degradations with any R, Algorithm 1 is not),
Appendix A.6 (TACoS with estimated noise is deterministic DDIM), per-image t, callbacks."""
import pytest
import torch
from hypothesis import given, settings, strategies as st

import cold
from cold.degradations.interpolation import Noise


class LinearDegradation:
    """The model problem of Section 3.3: D(x, s) = x + s·e for a constant vector e."""

    def __init__(self, T, e):
        self.T, self.e = T, e

    def __call__(self, x0, s, state=None):
        s = torch.as_tensor(s, dtype=x0.dtype).reshape(-1, 1, 1, 1)
        return x0 + s * self.e


def random_restoration(seed, C):
    """An arbitrary (far from perfect) restoration operator R(x, s)."""
    g = torch.Generator().manual_seed(seed)
    W = torch.randn(C, C, 3, 3, generator=g, dtype=torch.float64) * 0.3
    def R(x, s):
        y = torch.nn.functional.conv2d(x, W.to(x.dtype), padding=1)
        return torch.tanh(y) + 0.01 * s.to(x.dtype).view(-1, 1, 1, 1)
    return R


@settings(max_examples=25, deadline=None)
@given(C=st.integers(1, 3), H=st.integers(2, 9), W=st.integers(2, 9), T=st.integers(1, 12),
       seed=st.integers(0, 10_000))
def test_tacos_is_exact_for_linear_degradations(C, H, W, T, seed):
    g = torch.Generator().manual_seed(seed)
    x0 = torch.rand(2, C, H, W, generator=g, dtype=torch.float64) * 2 - 1
    e = torch.randn(1, C, H, W, generator=g, dtype=torch.float64)
    D = LinearDegradation(T, e)
    R = random_restoration(seed, C)
    seen = []
    out = cold.sample(R, D, D(x0, T), T, method="tacos",
                      callback=lambda s, x_s, x0_hat: seen.append((s, x_s.clone())))
    assert [s for s, _ in seen] == list(range(T, 0, -1))
    for s, x_s in seen:  # x_s = D(x0, s) at every step, regardless of R
        assert torch.allclose(x_s, D(x0, s), atol=1e-10)
    assert torch.allclose(out, x0, atol=1e-10)
    # Algorithm 1 with the same R does not recover x0 (its last step returns R(x_1, 1))
    naive = cold.sample(R, D, D(x0, T), T, method="naive")
    assert (naive - x0).abs().max() > 1e-3


def test_tacos_exact_with_untrained_unet():
    R = cold.UNet(channels=1, dim=8, dim_mults=(1, 2)).double().eval()
    g = torch.Generator().manual_seed(0)
    x0 = torch.rand(2, 1, 12, 12, generator=g, dtype=torch.float64) * 2 - 1
    D = LinearDegradation(6, torch.randn(1, 1, 12, 12, generator=g, dtype=torch.float64))
    assert torch.allclose(cold.sample(R, D, D(x0, 6), 6), x0, atol=1e-10)
    assert (cold.sample(R, D, D(x0, 6), 6, method="naive") - x0).abs().max() > 1e-3


def test_perfect_restoration_gives_exact_iterates_for_both():
    """With R a perfect inverse, Algorithms 1 and 2 both pass through D(x0, s) (Section 3.3)."""
    D = cold.degradation_preset("cifar10-blur")
    x0 = torch.rand(2, 3, 16, 16, dtype=torch.float64) * 2 - 1
    R = lambda x, s: x0
    for method in ["naive", "tacos"]:
        seen = []
        out = cold.sample(R, D, D(x0, 30), 30, method=method,
                          callback=lambda s, x_s, xh: seen.append((s, x_s.clone())))
        assert torch.allclose(out, x0, atol=1e-10)
        for s, x_s in seen:
            assert torch.allclose(x_s, D(x0, s), atol=1e-10)


def ddim_reference(eps_model, alpha_bar, x_T, T):
    """Deterministic DDIM (Song et al. 2021, eq. 12 with σ_t = 0), written from the ε-parametrisation."""
    x = x_T
    for t in range(T, 0, -1):
        eps = eps_model(x, t)
        a_t, a_prev = alpha_bar[t], alpha_bar[t - 1]
        pred_x0 = (x - (1 - a_t).sqrt() * eps) / a_t.sqrt()
        x = a_prev.sqrt() * pred_x0 + (1 - a_prev).sqrt() * eps
    return x


def ddim_setup(seed: int):
    """The noise degradation (T = 25), a fixed ε-model, the R (x̂0 prediction) it implies and an
    x_T: what the DDIM-equivalence tests share.  Returns (T, D, alpha_bar, eps_model, R, x_T, g),
    g the generator that drew them (for further draws)."""
    T = 25
    D = Noise(T=T)
    ab = D.alpha_bar
    g = torch.Generator().manual_seed(seed)
    W = torch.randn(3, 3, 3, 3, generator=g, dtype=torch.float64) * 0.2

    def eps_model(x, t):
        return torch.tanh(torch.nn.functional.conv2d(x, W, padding=1)) + 0.001 * t

    def R(x, s):  # the x̂0 that corresponds to the ε-prediction
        t = int(s[0])
        return (x - (1 - ab[t]).sqrt() * eps_model(x, t)) / ab[t].sqrt()

    x_T = torch.randn(2, 3, 8, 8, generator=g, dtype=torch.float64)
    return T, D, ab, eps_model, R, x_T, g


def test_tacos_with_estimated_noise_is_ddim():
    T, D, ab, eps_model, R, x_T, g = ddim_setup(0)
    ours = cold.sample(R, D, x_T, T, method="tacos", state="estimate")
    ref = ddim_reference(eps_model, ab, x_T, T)
    assert torch.allclose(ours, ref, atol=1e-8)
    # fixed noise is a different sampler
    z = D.sample_state(x_T, generator=g)
    assert (cold.sample(R, D, x_T, T, method="tacos", state=z) - ref).abs().max() > 1e-3


def test_per_image_t_matches_single_runs():
    D = cold.degradation_preset("mnist-inpaint")
    R = cold.UNet(channels=1, dim=8, dim_mults=(1, 2)).double().eval()
    x0 = torch.rand(3, 1, 16, 16, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 2 - 1
    state = D.sample_state(x0, generator=torch.Generator().manual_seed(1))
    t = torch.tensor([5, 0, 12])
    x_t = D(x0, t, state)
    for method in cold.METHODS:
        batch = cold.sample(R, D, x_t, t, method=method, state=state)
        assert torch.equal(batch[1], x_t[1])  # t = 0: nothing to restore
        for i in range(3):
            single = cold.sample(R, D, x_t[i:i + 1], int(t[i]), method=method,
                                 state=cold.degradations.index_state(state, slice(i, i + 1)))
            assert torch.allclose(batch[i:i + 1], single, atol=1e-9), (method, i)


def test_direct_and_errors():
    D = cold.degradation_preset("mnist-blur")
    calls = []
    R = lambda x, s: (calls.append(s.clone()), x * 0)[1]
    x = torch.rand(2, 1, 8, 8)
    assert torch.equal(cold.sample(R, D, x, 7, method="direct"), torch.zeros_like(x))
    assert len(calls) == 1 and calls[0].tolist() == [7, 7]
    with pytest.raises(ValueError, match="unknown method"):
        cold.sample(R, D, x, 3, method="ddpm")
    with pytest.raises(ValueError, match="out of range"):
        cold.sample(R, D, x, 41)
    with pytest.raises(ValueError, match="estimate_state"):
        cold.sample(R, D, x, 3, state="estimate")
    with pytest.raises(ValueError, match="returned shape"):
        cold.sample(lambda x, s: x[:, :, :4], D, x, 3)
