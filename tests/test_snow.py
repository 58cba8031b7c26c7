"""Tests of the snowification degradation (Section 4.4, Appendix A.5): the contract for both
presets and a non-default zoom/kernel, and the pieces of h(x0, S_A, c0(t), c1(t)): the seed
matrix S_A, the centred zoom S_B, the threshold c0(t), the motion blur c1(t), and x_t's range."""
import math

import pytest
import torch

from cold.degradations.snow import Snow

from degradation_contract import DegradationContract


class TestCifar10Snow(DegradationContract):
    preset = "cifar10-snow"


class TestCelebaSnow(DegradationContract):
    preset = "celeba-snow"


class TestSnowZoomKernelRectangular(DegradationContract):
    channels, size = 1, (32, 24)

    def make(self):
        return Snow(200, c0_end=0.55, c1_end=20.0, zoom=3.0, kernel_size=7)


def images(B=4, C=3, H=32, W=32, seed=0, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(B, C, H, W, generator=g, dtype=dtype) * 2 - 1


def state(D, x, seed=0):
    return D.sample_state(x, torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("hw", [(32, 32), (32, 24)])
def test_shape_dtype_device_range(dtype, hw):
    x = images(B=3, H=hw[0], W=hw[1], dtype=dtype)
    D = Snow(10)
    st = state(D, x)
    assert st["seed"].shape == (3, *hw) and st["direction"].shape == (3,)
    assert st["direction"].dtype == torch.long
    for t in (1, 5, 10):
        y = D(x, t, st)
        assert y.shape == x.shape and y.dtype == dtype and y.device == x.device
        assert y.min() >= -1 and y.max() <= 1
    for v in (-1.0, 1.0):  # extreme images stay in range
        y = D(torch.full_like(x, v), 10, st)
        assert y.min() >= -1 and y.max() <= 1


def test_snow_only_brightens():
    x = images()
    D = Snow(50)
    y = D(x, 50, state(D, x))
    assert (y >= x - 1e-6).all()
    # the same snow is added to every channel (before clipping)
    z = D(torch.zeros(2, 3, 32, 32), 50, state(D, torch.zeros(2, 3, 32, 32)))
    assert torch.equal(z[:, 0], z[:, 1]) and torch.equal(z[:, 0], z[:, 2])


def test_seeded_state_is_deterministic():
    D = Snow(200)
    x = images()
    a, b, c = state(D, x, 1), state(D, x, 1), state(D, x, 2)
    assert torch.equal(a["seed"], b["seed"]) and torch.equal(a["direction"], b["direction"])
    assert not torch.equal(a["seed"], c["seed"])
    assert torch.equal(D(x, 150, a), D(x, 150, b))
    assert not torch.equal(D(x, 150, a), D(x, 150, c))
    # the seed matrix follows N(mu, sigma)
    big = D.sample_state(images(B=16), torch.Generator().manual_seed(3))["seed"]
    assert abs(big.mean().item() - 0.55) < 0.02 and abs(big.std().item() - 0.3) < 0.02


def test_per_image_t_with_fixed_state():
    D = Snow(200)
    x = images(B=5)
    st = state(D, x)
    st["direction"] = torch.tensor([0, 1, 0, 1, 1])
    t = torch.tensor([200, 1, 73, 0, 140])
    y = D(x, t, st)
    for i in range(5):
        one = {k: v[i:i + 1] for k, v in st.items()}
        torch.testing.assert_close(y[i:i + 1], D(x[i:i + 1], int(t[i]), one), atol=1e-6, rtol=0)


def test_snow_grows_with_t():
    D = Snow(200)
    x = images(B=8)
    st = state(D, x)
    ts = [0, 1, 25, 50, 100, 150, 200]
    mean = [D(x, t, st).mean().item() for t in ts]
    brighter = [(D(x, t, st) > x + 1e-4).float().mean().item() for t in ts]
    assert all(b >= a - 1e-6 for a, b in zip(mean, mean[1:])), mean
    assert all(b >= a - 1e-6 for a, b in zip(brighter, brighter[1:])), brighter
    assert mean[-1] - mean[0] > 0.2  # visible snow at t = T
    # CelebA's preset (lower threshold, windier) is heavier than CIFAR-10's at t = T
    celeba = Snow(200, c0_end=0.55, c1_end=20.0)
    assert celeba(x, 200, st).mean() > D(x, 200, st).mean()


def test_schedule_endpoints():
    D = Snow(200)
    t = torch.tensor([1, 200, 100])
    c0, c1 = D.c0(t), D.c1(t)
    assert math.isclose(c0[0].item(), 1.15, rel_tol=1e-6) and math.isclose(c0[1].item(), 0.7, rel_tol=1e-6)
    assert math.isclose(c1[0].item(), 0.05, rel_tol=1e-6) and math.isclose(c1[1].item(), 16.0, rel_tol=1e-6)
    assert math.isclose(c1[2].item(), 0.05 + (16 - 0.05) * 99 / 199, rel_tol=1e-6)
    assert Snow(1).c0(torch.tensor([1])).item() == pytest.approx(0.7)


def reference_motion_blur(v, sigma, k=11):
    """The authors' centred k-tap line kernel (tgm ``get_gaussian_kernel``), zero padding."""
    r = k // 2
    w = [math.exp(-i * i / (2 * sigma * sigma)) for i in range(-r, r + 1)]
    s = sum(w)
    L = len(v)
    return torch.tensor([sum(w[i + r] / s * float(v[y + i]) for i in range(-r, r + 1) if 0 <= y + i < L)
                         for y in range(L)], dtype=torch.float64)


def test_blur_matrix_matches_literal_kernel():
    D = Snow(10)
    L = 20
    sig = torch.tensor([0.05, 1.5, 4.0, 16.0], dtype=torch.float64)
    M = D.blur_matrix(sig, L)
    assert M.shape == (4, L, L)
    assert torch.equal(torch.triu(M, 6), torch.zeros_like(M))  # 11 taps, centred
    assert torch.equal(torch.tril(M, -6), torch.zeros_like(M))
    v = torch.rand(L, dtype=torch.float64)
    for b, s in enumerate(sig.tolist()):
        torch.testing.assert_close(M[b] @ v, reference_motion_blur(v, s))
    torch.testing.assert_close(M[0], torch.eye(L, dtype=torch.float64), atol=1e-12, rtol=0)


def test_direction_selects_blur_axis():
    D = Snow(10, c0_start=0.9, c0_end=0.9, c1_start=3.0, c1_end=3.0)
    x = -torch.ones(2, 1, 32, 24)  # black: x0' = 0
    st = state(D, x)
    st["direction"] = torch.tensor([0, 1])
    S = D.snow_pattern(st["seed"], st["direction"], torch.tensor([5, 5]))
    sb = D.zoomed_seed(st["seed"])
    sc = torch.where(sb >= 0.9, sb, torch.zeros_like(sb)).clamp(0, 1)
    torch.testing.assert_close(S[0], sc[0] @ D.blur_matrix(torch.tensor([3.0]), 24)[0].T)
    torch.testing.assert_close(S[1], D.blur_matrix(torch.tensor([3.0]), 32)[0] @ sc[1])
    y = D(x, 5, st)
    expect = (S + S.flip(-1, -2)).clamp(0, 1)[:, None] * 2 - 1
    torch.testing.assert_close(y, expect)


def test_zoomed_seed_uses_centred_crop():
    D = Snow(10, zoom=2.0)
    seed = torch.randn(1, 32, 32)
    sb = D.zoomed_seed(seed)
    assert sb.shape == (1, 32, 32)
    seed2 = seed.clone()
    seed2[:, :8, :] = 5.0
    seed2[:, 24:, :] = 5.0
    seed2[:, :, :8] = 5.0
    seed2[:, :, 24:] = 5.0  # outside the centred 16x16 crop (linear zoom reads nothing else)
    assert torch.equal(D.zoomed_seed(seed2), sb)
    for z in (2.3, 4.5, 1.0):
        assert Snow(3, zoom=z).zoomed_seed(torch.randn(2, 31, 17)).shape == (2, 31, 17)


def test_bad_state_and_arguments_raise():
    D = Snow(10)
    x = images(B=4)
    st = state(D, images(B=3))
    with pytest.raises(ValueError):
        D(x, 5, st)  # batch mismatch
    with pytest.raises(ValueError):
        D(x, 5, state(D, images(B=4, H=16, W=16)))  # wrong H, W
    with pytest.raises(ValueError):
        D(x, 5, {"seed": state(D, x)["seed"]})  # no direction
    for bad in (dict(zoom=0.5), dict(sigma=-1.0), dict(c1_end=-2.0), dict(mu=float("nan")),
                dict(kernel_size=4), dict(kernel_size=0)):
        with pytest.raises(ValueError):
            Snow(10, **bad)
