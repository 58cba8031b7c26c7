"""Tests of the x_T priors for generation (cold.priors, Sections 5.2 and 5.3)."""
import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from cold.priors import LowResGaussian, MeanColorGMM, RandomColor, prior_from_dict

FAST = settings(max_examples=15, deadline=None)


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def _images_with_colors(colors: torch.Tensor, hw=(6, 5), jitter=0.3, seed=0):
    """Images whose channel means are exactly ``colors`` (B, C): colour + zero-mean per-image texture."""
    g = _gen(seed)
    tex = torch.randn(colors.shape[0], colors.shape[1], *hw, generator=g, dtype=torch.float64) * jitter
    tex = tex - tex.mean(dim=(2, 3), keepdim=True)
    return (colors.double()[:, :, None, None] + tex).float()


KNOWN_MEAN = torch.tensor([0.3, -0.2, 0.1], dtype=torch.float64)
KNOWN_COV = torch.tensor([[0.04, 0.01, 0.0], [0.01, 0.03, -0.005], [0.0, -0.005, 0.02]], dtype=torch.float64)


def _mvn(mean, cov, n, seed):
    """n seeded draws from N(mean, cov), float64."""
    z = torch.randn(n, mean.shape[0], generator=_gen(seed), dtype=torch.float64)
    return mean + z @ torch.linalg.cholesky(cov).T


# ---------------------------------------------------------------- MeanColorGMM (Section 5.2)
def test_gmm_fit_matches_numpy_channel_mean_statistics():
    g = _gen(1)
    images = torch.rand(300, 3, 8, 8, generator=g) * 2 - 1
    images = images * torch.tensor([0.2, 0.5, 0.8]).view(1, 3, 1, 1) + torch.tensor([0.1, -0.3, 0.2]).view(1, 3, 1, 1)
    prior = MeanColorGMM().fit(images)
    colors = images.double().mean(dim=(2, 3)).numpy()
    np.testing.assert_allclose(prior.means[0].numpy(), np.mean(colors, axis=0), atol=1e-6)
    np.testing.assert_allclose(prior.covariances[0].numpy(), np.cov(colors.T, bias=True), atol=1e-5)
    assert prior.weights.tolist() == pytest.approx([1.0])
    assert prior.means.shape == (1, 3) and prior.covariances.shape == (1, 3, 3)


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_gmm_covariance_types_stored_full(covariance_type):
    images = torch.rand(60, 3, 4, 4, generator=_gen(2)) * 2 - 1
    prior = MeanColorGMM(n_components=2, covariance_type=covariance_type).fit(images)
    assert prior.covariances.shape == (2, 3, 3)
    assert torch.allclose(prior.covariances, prior.covariances.transpose(1, 2))
    assert prior.sample(4, (3, 5, 5), generator=_gen()).shape == (4, 3, 5, 5)


def test_gmm_samples_reproduce_known_moments():
    prior = MeanColorGMM().fit(_images_with_colors(_mvn(KNOWN_MEAN, KNOWN_COV, 20000, seed=2)))
    assert torch.allclose(prior.means[0], KNOWN_MEAN, atol=0.006)
    assert torch.allclose(prior.covariances[0], KNOWN_COV, atol=0.002)
    x_T = prior.sample(20000, (3, 2, 2), generator=_gen(3)).double()
    c = x_T[:, :, 0, 0]
    assert torch.allclose(c.mean(0), KNOWN_MEAN, atol=0.008)
    assert torch.allclose(torch.cov(c.T), KNOWN_COV, atol=0.003)
    sc = prior.sample_colors(20000, generator=_gen(4))
    assert sc.shape == (20000, 3) and torch.allclose(sc.mean(0), KNOWN_MEAN, atol=0.008)


def test_gmm_two_components_weights_respected():
    colors = torch.cat([torch.full((300, 1), -0.6), torch.full((100, 1), 0.6)]) + 0.01 * torch.randn(400, 1, generator=_gen(22))
    prior = MeanColorGMM(n_components=2).fit(_images_with_colors(colors, jitter=0.0))
    c = prior.sample_colors(20000, generator=_gen(5))[:, 0]
    assert (c > 0).double().mean().item() == pytest.approx(0.25, abs=0.015)


@FAST
@given(c=st.sampled_from([1, 3]), h=st.integers(1, 12), w=st.integers(1, 12), seed=st.integers(0, 2**16))
def test_perfect_symmetry_is_constant_per_channel(c, h, w, seed):
    prior = MeanColorGMM().fit(torch.rand(20, c, 4, 4, generator=_gen(seed)) * 2 - 1)
    x_T = prior.sample(5, (c, h, w), noise_std=0.0, generator=_gen(seed))
    assert x_T.shape == (5, c, h, w) and x_T.dtype == torch.float32
    assert torch.equal(x_T, x_T[:, :, :1, :1].expand_as(x_T))


def test_broken_symmetry_noise_std():
    prior = MeanColorGMM().fit(torch.rand(50, 3, 4, 4, generator=_gen(6)) * 2 - 1)
    for noise_std in (0.002, 0.1):
        x_T = prior.sample(64, (3, 32, 32), noise_std=noise_std, generator=_gen(7)).double()
        per_pixel = x_T - x_T.mean(dim=(2, 3), keepdim=True)
        assert per_pixel.std().item() == pytest.approx(noise_std, rel=0.03)


def test_gmm_clip():
    colors = torch.full((20, 3), 0.99) + 0.2 * torch.randn(20, 3, generator=_gen(8), dtype=torch.float64)
    prior = MeanColorGMM().fit(_images_with_colors(colors))
    assert prior.sample(500, (3, 2, 2), generator=_gen(9)).abs().max() > 1
    assert prior.sample(500, (3, 2, 2), clip=True, generator=_gen(9)).abs().max() <= 1


def test_gmm_seeded_reproducibility_and_round_trip():
    prior = MeanColorGMM(n_components=2).fit(torch.rand(40, 3, 4, 4, generator=_gen(10)) * 2 - 1)
    a = prior.sample(8, (3, 6, 6), noise_std=0.002, generator=_gen(11))
    b = prior.sample(8, (3, 6, 6), noise_std=0.002, generator=_gen(11))
    c = prior.sample(8, (3, 6, 6), noise_std=0.002, generator=_gen(12))
    assert torch.equal(a, b) and not torch.equal(a, c)
    d = json.loads(json.dumps(prior.to_dict()))
    for rebuilt in (MeanColorGMM.from_dict(d), prior_from_dict(d)):
        assert isinstance(rebuilt, MeanColorGMM) and rebuilt.kind == "mean_color_gmm"
        assert torch.equal(rebuilt.sample(8, (3, 6, 6), noise_std=0.002, generator=_gen(11)), a)


def test_gmm_fit_accepts_batches_from_a_loader():
    images = torch.rand(30, 3, 4, 4, generator=_gen(13)) * 2 - 1
    whole = MeanColorGMM().fit(images)
    batched = MeanColorGMM().fit([(images[:10], None), (images[10:], None)])
    assert torch.allclose(whole.means, batched.means) and torch.allclose(whole.covariances, batched.covariances)


def test_gmm_errors():
    prior = MeanColorGMM()
    with pytest.raises(ValueError, match="before sampling"):
        prior.sample(2, (3, 4, 4))
    with pytest.raises(ValueError, match=r"\(B, C, H, W\)"):
        prior.fit(torch.rand(3, 4, 4))
    prior.fit(torch.rand(10, 3, 4, 4))
    with pytest.raises(ValueError, match="fitted on 3 channels"):
        prior.sample(2, (1, 4, 4))
    with pytest.raises(ValueError, match=r"\(C, H, W\)"):
        prior.sample(2, (4, 4))
    with pytest.raises(ValueError, match="noise_std"):
        prior.sample(2, (3, 4, 4), noise_std=-1)
    with pytest.raises(ValueError, match="n_components"):
        MeanColorGMM(n_components=5).fit(torch.rand(3, 3, 4, 4))
    with pytest.raises(ValueError, match="kind"):
        MeanColorGMM.from_dict(RandomColor().to_dict())


# ---------------------------------------------------------------- LowResGaussian (Section 5.3)
@FAST
@given(c=st.sampled_from([1, 3]), h=st.integers(1, 4), w=st.integers(1, 4), fh=st.integers(1, 5),
       fw=st.integers(1, 5), seed=st.integers(0, 2**16))
def test_lowres_fit_recovers_blocky_images(c, h, w, fh, fw, seed):
    low = torch.rand(6, c, h, w, generator=_gen(seed), dtype=torch.float64) * 2 - 1
    x_T = F.interpolate(low, scale_factor=(fh, fw), mode="nearest")  # fully degraded super-res images
    prior = LowResGaussian(size=(h, w), ridge=0.0).fit(x_T)
    flat = low.flatten(1)
    assert torch.allclose(prior.mean, flat.mean(0), atol=1e-6)
    assert torch.allclose(prior.covariance, torch.from_numpy(np.cov(flat.numpy().T, bias=True)).reshape_as(prior.covariance), atol=1e-6)
    # a zero-variance prior (one image) reproduces that image blockwise, at any target size
    one = LowResGaussian(size=(h, w), ridge=0.0).fit(x_T[:1])
    one.covariance.zero_(), one._chol.zero_()
    s = one.sample(2, (c, h * fh, w * fw), generator=_gen(seed))
    assert torch.allclose(s.double(), x_T[:1].expand(2, -1, -1, -1), atol=1e-6)


def test_lowres_samples_reproduce_known_moments_and_are_blocky():
    D = 3 * 2 * 2
    A = torch.randn(D, D, generator=_gen(14), dtype=torch.float64) * 0.1
    cov, mean = A @ A.T + 0.01 * torch.eye(D, dtype=torch.float64), torch.linspace(-0.5, 0.5, D, dtype=torch.float64)
    low = _mvn(mean, cov, 20000, seed=21).reshape(-1, 3, 2, 2)
    prior = LowResGaussian((2, 2)).fit(F.interpolate(low, scale_factor=4, mode="nearest"))
    assert torch.allclose(prior.mean, mean, atol=0.012) and torch.allclose(prior.covariance, cov, atol=0.006)
    x_T = prior.sample(20000, (3, 8, 8), generator=_gen(15)).double()
    assert torch.equal(x_T, F.interpolate(x_T[:, :, ::4, ::4], scale_factor=4, mode="nearest"))
    v = F.adaptive_avg_pool2d(x_T, (2, 2)).flatten(1)
    assert torch.allclose(v.mean(0), mean, atol=0.015)
    assert torch.allclose(torch.cov(v.T), cov, atol=0.008)
    assert prior.sample_lowres(3, generator=_gen()).shape == (3, 3, 2, 2)


def test_lowres_noise_reproducibility_round_trip():
    prior = LowResGaussian(size=2).fit(torch.rand(30, 1, 8, 8, generator=_gen(16)) * 2 - 1)
    a = prior.sample(4, (1, 10, 10), noise_std=0.05, generator=_gen(17))
    assert a.shape == (4, 1, 10, 10) and a.dtype == torch.float32
    d = json.loads(json.dumps(prior.to_dict()))
    assert torch.equal(prior_from_dict(d).sample(4, (1, 10, 10), noise_std=0.05, generator=_gen(17)), a)
    assert torch.equal(prior.sample(4, (1, 10, 10), noise_std=0.05, generator=_gen(17)), a)
    assert not torch.equal(prior.sample(4, (1, 10, 10), noise_std=0.05, generator=_gen(18)), a)


def test_lowres_errors():
    prior = LowResGaussian()
    with pytest.raises(ValueError, match="before sampling"):
        prior.sample(2, (3, 8, 8))
    with pytest.raises(ValueError, match=r"\(B, C, H, W\)"):
        prior.fit(torch.rand(2, 3, 8))
    prior.fit(torch.rand(5, 3, 8, 8))
    with pytest.raises(ValueError, match="channels"):
        prior.sample(2, (1, 8, 8))
    with pytest.raises(ValueError, match="smaller"):
        LowResGaussian(size=4).fit(torch.rand(5, 3, 8, 8)).sample(1, (3, 2, 2))
    with pytest.raises(ValueError, match="size"):
        LowResGaussian(size=(0, 2))


# ---------------------------------------------------------------- RandomColor (Section 5.3)
@FAST
@given(low=st.floats(-1, 0.5), width=st.floats(0.01, 1.5), c=st.sampled_from([1, 3]), seed=st.integers(0, 2**16))
def test_random_color_range_and_constant(low, width, c, seed):
    prior = RandomColor(low, low + width)
    x_T = prior.sample(50, (c, 3, 4), generator=_gen(seed))
    assert x_T.shape == (50, c, 3, 4) and x_T.dtype == torch.float32
    assert torch.equal(x_T, x_T[:, :, :1, :1].expand_as(x_T))
    assert x_T.min() >= np.float32(low) - 1e-6 and x_T.max() <= np.float32(low + width) + 1e-6


def test_random_color_uniform_moments_and_round_trip():
    prior = RandomColor()
    assert prior.fit(torch.rand(2, 3, 4, 4)) is prior and prior.channels == 3
    cols = prior.sample_colors(20000, generator=_gen(19))
    assert cols.shape == (20000, 3)
    assert torch.allclose(cols.mean(0), torch.zeros(3, dtype=torch.float64), atol=0.02)
    assert torch.allclose(cols.var(0), torch.full((3,), 1 / 3, dtype=torch.float64), atol=0.01)
    a = prior.sample(5, (3, 4, 4), noise_std=0.002, generator=_gen(20))
    rebuilt = prior_from_dict(json.loads(json.dumps(prior.to_dict())))
    assert isinstance(rebuilt, RandomColor)
    assert torch.equal(rebuilt.sample(5, (3, 4, 4), noise_std=0.002, generator=_gen(20)), a)
    with pytest.raises(ValueError, match="low < high"):
        RandomColor(1.0, -1.0)
    with pytest.raises(ValueError, match="unknown prior kind"):
        prior_from_dict({"kind": "nope"})
