"""The paper's degradations: D(x, 0) = x, closed forms against the literal definitions,
per-image t, determinism, loss of information with t, errors."""
import math

import pytest
import torch
from hypothesis import given, settings, strategies as st

import cold
from cold.degradations import DEGRADATION_PRESETS, index_state
from cold.degradations.blur import Blur, gaussian_kernel1d
from cold.degradations.desaturate import Desaturate
from cold.degradations.inpaint import Inpaint, round_significant
from cold.degradations.interpolation import Animorph, Noise, cosine_alpha_bar

from conftest import DEVICES, requires_cuda

# (channels, size) used for each preset's dataset in tests (small for speed)
PRESET_SHAPES = {"mnist": (1, 28), "cifar10": (3, 32), "celeba": (3, 32), "afhq": (3, 32)}


def preset_degradation(name, n=3, seed=0):
    C, S = PRESET_SHAPES[name.split("-")[0]]
    kw = {}
    if DEGRADATION_PRESETS[name][0] == "animorph":
        kw["partners"] = torch.rand(5, C, S, S, generator=torch.Generator().manual_seed(1)) * 2 - 1
    D = cold.degradation_preset(name, **kw)
    x = torch.rand(n, C, S, S, generator=torch.Generator().manual_seed(seed)) * 2 - 1
    return D, x


def test_registry_names():
    assert cold.DEGRADATIONS == ("blur", "inpaint", "super_resolution", "snow", "desaturate",
                                 "noise", "animorph")
    for name in ["mnist-blur", "cifar10-blur", "celeba-blur", "celeba-blur-generation",
                 "mnist-inpaint", "cifar10-inpaint", "celeba-inpaint", "celeba-inpaint-generation",
                 "mnist-super_resolution", "cifar10-super_resolution", "celeba-super_resolution",
                 "cifar10-snow", "celeba-snow", "cifar10-desaturate", "celeba-desaturate",
                 "celeba-noise", "celeba-animorph"]:
        assert name in cold.DEGRADATION_PRESETS


def test_unknown_names():
    with pytest.raises(ValueError, match="unknown degradation 'sharpen'"):
        cold.degradation("sharpen")
    with pytest.raises(ValueError, match="unknown degradation preset"):
        cold.degradation_preset("mnist-sharpen")
    with pytest.raises(ValueError, match="blur"):
        cold.degradation("blur", not_a_parameter=3)


@pytest.mark.parametrize("name", sorted(DEGRADATION_PRESETS))
def test_preset_contract(name):
    """D(x,0) == x exactly; shape/dtype kept; per-image t matches single images; config rebuilds."""
    D, x = preset_degradation(name)
    assert isinstance(D.T, int) and D.T >= 1
    assert torch.equal(D(x, 0), x)
    g = torch.Generator().manual_seed(3)
    state = D.sample_state(x, generator=g)
    t_vec = torch.tensor([0, D.T // 2, D.T])
    y = D(x, t_vec, state)
    assert y.shape == x.shape and y.dtype == x.dtype and y.device == x.device
    assert torch.equal(y[0], x[0])
    for i in range(3):
        yi = D(x[i:i + 1], int(t_vec[i]), index_state(state, slice(i, i + 1)))
        assert torch.allclose(y[i:i + 1], yi, atol=1e-6), f"row {i}"
    # the config rebuilds an identical degradation
    D2 = cold.degradation(DEGRADATION_PRESETS[name][0], **D.config())
    if DEGRADATION_PRESETS[name][0] == "animorph":
        D2.set_partners(D.partners)
    assert torch.allclose(D2(x, t_vec, state), y, atol=1e-6)
    # seeded states are reproducible
    s1 = D.sample_state(x, generator=torch.Generator().manual_seed(7))
    s2 = D.sample_state(x, generator=torch.Generator().manual_seed(7))
    assert torch.equal(D(x, D.T, s1), D(x, D.T, s2))
    # float64 and bfloat16 inputs keep their dtype
    assert D(x.double(), 1, state).dtype == torch.float64


@pytest.mark.parametrize("name", sorted(DEGRADATION_PRESETS))
def test_preset_bad_arguments(name):
    D, x = preset_degradation(name)
    with pytest.raises(ValueError, match="shape"):
        D(x[0], 1)
    with pytest.raises(ValueError, match="out of range"):
        D(x, D.T + 1)
    with pytest.raises(ValueError, match="out of range"):
        D(x, -1)
    with pytest.raises(ValueError, match=r"t values must lie in"):
        D(x, torch.tensor([0, 1, D.T + 1]))
    with pytest.raises(ValueError, match="batch"):
        D(x, torch.tensor([1, 2]))
    with pytest.raises(ValueError, match="integer"):
        D(x, torch.tensor([0.5, 1.0, 1.0]))


# ---------------------------------------------------------------------------------- blur
@pytest.mark.parametrize("padding", ["circular", "reflect", "zeros"])
@pytest.mark.parametrize("schedule", ["constant", "linear", "exponential"])
def test_blur_closed_form_equals_loop(padding, schedule):
    D = Blur(T=12, kernel_size=7, schedule=schedule, sigma=2.0, sigma_start=0.35,
             sigma_rate=0.1, padding=padding)
    x = torch.rand(2, 3, 20, 17, generator=torch.Generator().manual_seed(0)) * 2 - 1
    for t in [1, 2, 7, 12]:
        assert (D(x, t) - D.blur_loop(x, t)).abs().max() < 1e-5


@pytest.mark.parametrize("preset", ["mnist-blur", "cifar10-blur"])
def test_blur_presets_equal_loop(preset):
    D, x = preset_degradation(preset, n=2)
    for t in [1, D.T // 3, D.T]:
        assert (D(x, t) - D.blur_loop(x, t)).abs().max() < 1e-5


def test_blur_kernel_matches_paper():
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


def _high_freq_energy(x):
    return ((x[..., 1:, :] - x[..., :-1, :]) ** 2).mean() + ((x[..., 1:] - x[..., :-1]) ** 2).mean()


def test_blur_removes_high_frequencies_monotonically():
    D, x = preset_degradation("cifar10-blur", n=2)
    e = [float(_high_freq_energy(D(x, t))) for t in range(0, D.T + 1, 5)]
    assert all(a >= b - 1e-9 for a, b in zip(e, e[1:])) and e[-1] < 0.2 * e[0]


@pytest.mark.parametrize("padding", ["circular", "reflect"])
def test_blur_generation_ends_at_channel_mean(padding):
    D = cold.degradation_preset("celeba-blur-generation", padding=padding)
    x = torch.rand(3, 3, 32, 32, generator=torch.Generator().manual_seed(2)) * 2 - 1
    xT = D(x, D.T)
    assert torch.allclose(xT, x.mean(dim=(2, 3), keepdim=True).expand_as(x), atol=1e-6)
    assert xT.std(dim=(2, 3)).max() < 1e-6
    # well before T the image is already almost flat
    assert D(x, D.T - 1).std(dim=(2, 3)).max() < 0.05


def test_blur_reflect_needs_small_kernel():
    D = Blur(T=2, kernel_size=27, padding="reflect")
    with pytest.raises(ValueError, match="reflect"):
        D(torch.zeros(1, 1, 8, 8), 1)


# ---------------------------------------------------------------------------------- inpaint
@settings(max_examples=15, deadline=None)
@given(st.integers(4, 24), st.integers(4, 24), st.integers(1, 30), st.data())
def test_inpaint_table_equals_mask_product(H, W, t, data):
    D = Inpaint(T=30, beta_start=1.0, beta_step=0.1)
    cy, cx = data.draw(st.integers(0, H - 1)), data.draw(st.integers(0, W - 1))
    G = D.cumulative_mask(torch.tensor([t]), torch.tensor([[cy, cx]]), H, W, torch.float64)[0, 0]
    assert (G - D.mask_loop(t, (cy, cx), H, W)).abs().max() < 1e-12


def test_inpaint_definition_and_visible_pixels_decrease():
    D, x = preset_degradation("mnist-inpaint", n=2)
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


def test_inpaint_fixed_centre_and_generation_fill():
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


# ---------------------------------------------------------------------------------- desaturate
def test_desaturate_closed_form_equals_loop():
    D = Desaturate(T=50)
    x = torch.rand(2, 3, 8, 8, dtype=torch.float64) * 2 - 1
    for t in [1, 17, 50]:
        assert (D(x, t) - D.desaturate_loop(x, t)).abs().max() < 1e-12
    grey = D(x, 50)
    assert torch.allclose(grey, x.mean(1, keepdim=True).expand_as(x))
    sat = [float((D(x, t) - D(x, t).mean(1, keepdim=True)).abs().mean()) for t in range(0, 51, 10)]
    assert all(a > b for a, b in zip(sat, sat[1:]))


# ---------------------------------------------------------------------------------- noise, animorph
def test_cosine_schedule():
    a = cosine_alpha_bar(200)
    assert a[0] == 1.0 and a.shape == (201,)
    assert bool((a[1:] < a[:-1]).all()) and a[-1] < 1e-3


def test_noise_and_estimate_state_inverts():
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


def test_animorph_partners():
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


# ---------------------------------------------------------------------------------- devices
@requires_cuda
@pytest.mark.parametrize("name", sorted(DEGRADATION_PRESETS))
def test_cpu_cuda_agree(name):
    D, x = preset_degradation(name)
    state = D.sample_state(x, generator=torch.Generator().manual_seed(0))
    t = torch.tensor([1, D.T // 2, D.T])
    from cold.degradations import state_to
    y_cpu = D(x, t, state)
    y_gpu = D(x.cuda(), t.cuda(), state_to(state, "cuda"))
    assert y_gpu.device.type == "cuda"
    assert (y_gpu.cpu() - y_cpu).abs().max() < 1e-4
