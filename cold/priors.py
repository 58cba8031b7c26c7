"""Priors over the fully degraded images x_T, used to start unconditional generation (Section 5).

Noise diffusion starts generation from x_T ~ N(0, I).  Cold degradations end in simpler but
data-dependent distributions, which these priors model:

* :class:`MeanColorGMM` -- blur (Section 5.2): every x_0 blurs to a constant image x_T whose value is
  the channel-wise mean of x_0.  A GMM (one component in the paper) is fitted to those C-vectors;
  a sample is expanded to a constant (C, H, W) image ("perfect symmetry", ``noise_std=0``) or given a
  little per-pixel Gaussian noise ("broken symmetry", ``noise_std=0.002``), which improves FID.
* :class:`LowResGaussian` -- super-resolution (Section 5.3): x_T is the image downsampled to 2x2
  (then nearest-upsampled); the C·h·w values are modelled by one full-covariance Gaussian.
* :class:`RandomColor` -- inpainting generation (Section 5.3): x_T is a random solid colour
  c ~ U[low, high]^C.

Common interface: images are float tensors (B, C, H, W) in [-1, 1] (or an iterable of such batches,
or of ``(batch, label)`` tuples, e.g. a DataLoader); ``fit(images)`` returns ``self``;
``fit_for(D, images)`` fits the prior for degradation D on clean training images x0 (what the
trainer calls); ``start(D, n, image_shape, ...)`` returns the start ``(x_T, state)`` of
generation with D, so samplers and the explorer never need to know which prior they hold;
``sample(n, image_shape, noise_std=0.0, clip=False, generator=None, device=None)`` returns a float32
tensor (n, C, H, W) with image_shape = (C, H, W), drawn with torch's (CPU) ``generator`` so a seed
reproduces samples; ``to_dict()`` / ``from_dict(d)`` round-trip through plain JSON (lists of
floats, never pickles); ``kind`` names the prior (see :func:`prior_from_dict`).
"""
from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from .utils import batches

__all__ = ["Prior", "MeanColorGMM", "LowResGaussian", "RandomColor", "GaussianNoise", "PartnerImages",
           "prior_from_dict", "prior_from_config", "generation_start", "PRIORS"]


def _batches(images) -> Iterable[torch.Tensor]:
    """Yield (B, C, H, W) float64 CPU batches from a tensor/array or an iterable of batches
    (:func:`cold.utils.batches`)."""
    for batch in batches(images, 4096):
        if batch.ndim != 4:
            raise ValueError(f"images must have shape (B, C, H, W), got a tensor of shape {tuple(batch.shape)}")
        yield batch.detach().to("cpu", torch.float64)


def _reduce(images, fn) -> torch.Tensor:
    """Concatenate ``fn(batch)`` over all batches (float64, rows = images)."""
    rows = [fn(b) for b in _batches(images)]
    if not rows or sum(r.shape[0] for r in rows) == 0:
        raise ValueError("fit: got no images")
    if len({r.shape[1:] for r in rows}) != 1:
        raise ValueError("fit: all batches must have the same number of channels")
    return torch.cat(rows)


class Prior:
    """Base class: a distribution over fully degraded images x_T."""

    kind: str = ""

    def fit(self, images) -> "Prior":  # pragma: no cover - overridden
        raise NotImplementedError

    def fit_for(self, D, images) -> "Prior":
        """Fit the prior of x_T = D(x0, T) from clean training images x0 (default: ``fit(images)``,
        for priors defined directly on x0 statistics such as the mean colour)."""
        return self.fit(images)

    def start(self, D, n: int, image_shape: Sequence[int], noise_std: float = 0.0,
              generator: torch.Generator | None = None, device=None, fixed_noise: bool = False):
        """The start (x_T, state) of unconditional generation with D: x_T drawn from this prior
        (plus ``noise_std`` per-pixel noise), and a state drawn for random degradations.

        ``fixed_noise`` only matters for :class:`GaussianNoise`."""
        x_T = self.sample(n, image_shape, noise_std=noise_std, generator=generator, device=device)
        state = D.sample_state(x_T, generator=generator) if D.random else None
        return x_T, state

    def to_dict(self) -> dict:  # pragma: no cover - overridden
        raise NotImplementedError

    @classmethod
    def from_dict(cls, d: dict) -> "Prior":  # pragma: no cover - overridden
        raise NotImplementedError

    def __repr__(self) -> str:
        args = {k: v for k, v in self.to_dict().items() if not isinstance(v, list) and k != "kind"}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in args.items())})"

    # ---- helpers shared by the subclasses ----
    @staticmethod
    def _check_sample_args(n: int, image_shape: Sequence[int], noise_std: float, channels: int | None):
        if int(n) < 0:
            raise ValueError(f"sample: n must be >= 0, got {n}")
        if len(image_shape) != 3 or any(int(s) < 1 for s in image_shape):
            raise ValueError(f"sample: image_shape must be (C, H, W) with positive sizes, got {tuple(image_shape)}")
        if channels is not None and int(image_shape[0]) != channels:
            raise ValueError(f"sample: image_shape has C={image_shape[0]} but the prior was fitted on {channels} channels")
        if noise_std < 0:
            raise ValueError(f"sample: noise_std must be >= 0, got {noise_std}")

    @staticmethod
    def _finish(x_T: torch.Tensor, noise_std: float, clip: bool, generator, device) -> torch.Tensor:
        """Optionally clamp to [-1, 1], add N(0, noise_std²) per pixel (broken symmetry), cast to float32."""
        if clip:
            x_T = x_T.clamp(-1.0, 1.0)
        if noise_std > 0:
            x_T = x_T + noise_std * torch.randn(x_T.shape, generator=generator, dtype=torch.float64)
        return x_T.to(device=device, dtype=torch.float32).contiguous()


def _gaussian_draw(mean: torch.Tensor, chol: torch.Tensor, comp: torch.Tensor, generator) -> torch.Tensor:
    """mean[comp] + chol[comp] @ z with z ~ N(0, I): rows of shape (n, D), float64."""
    z = torch.randn(comp.shape[0], mean.shape[-1], generator=generator, dtype=torch.float64)
    return mean[comp] + (chol[comp] @ z[:, :, None])[:, :, 0]


def _cholesky(cov: torch.Tensor) -> torch.Tensor:
    """Cholesky factor of (a batch of) covariance matrices, with a tiny jitter retry for PSD matrices."""
    L, info = torch.linalg.cholesky_ex(cov)
    if bool((info > 0).any()):
        eye = torch.eye(cov.shape[-1], dtype=cov.dtype)
        L = torch.linalg.cholesky(cov + 1e-9 * cov.diagonal(dim1=-2, dim2=-1).abs().max().clamp_min(1.0) * eye)
    return L


class MeanColorGMM(Prior):
    """Section 5.2: GMM over the channel-wise means of x_0, i.e. over the constant colours of blurred x_T.

    Args:
        n_components: mixture components (the paper uses 1).
        covariance_type: ``"full"``, ``"tied"``, ``"diag"`` or ``"spherical"`` (as in sklearn; the
            fitted covariances are always stored as full (K, C, C) matrices).
        seed: ``random_state`` of sklearn's EM initialisation (fitting only; sampling uses torch).
        reg_covar: ridge added to the covariance diagonals (sklearn's ``reg_covar``).

    After ``fit``: ``means`` (K, C), ``covariances`` (K, C, C), ``weights`` (K,) float64 tensors.
    ``sample(n, (C, H, W), noise_std)``: colour c ~ GMM, x_T = c broadcast to (C, H, W)
    + N(0, noise_std²) per pixel -- ``noise_std=0`` is the paper's "perfect symmetry",
    ``noise_std=0.002`` its "broken symmetry".
    """

    kind = "mean_color_gmm"

    def __init__(self, n_components: int = 1, covariance_type: str = "full", seed: int = 0, reg_covar: float = 1e-6):
        if int(n_components) < 1:
            raise ValueError(f"MeanColorGMM: n_components must be >= 1, got {n_components}")
        if covariance_type not in ("full", "tied", "diag", "spherical"):
            raise ValueError(f"MeanColorGMM: unknown covariance_type {covariance_type!r}")
        self.n_components, self.covariance_type = int(n_components), covariance_type
        self.seed, self.reg_covar = int(seed), float(reg_covar)
        self.means = self.covariances = self.weights = self._chol = None

    @property
    def fitted(self) -> bool:
        return self.means is not None

    @property
    def channels(self) -> int | None:
        return None if self.means is None else int(self.means.shape[1])

    def _set(self, means, covariances, weights):
        self.means = torch.as_tensor(means, dtype=torch.float64).reshape(self.n_components, -1)
        C = self.means.shape[1]
        self.covariances = torch.as_tensor(covariances, dtype=torch.float64).reshape(self.n_components, C, C)
        self.weights = torch.as_tensor(weights, dtype=torch.float64).reshape(self.n_components)
        self._chol = _cholesky(self.covariances)
        return self

    def fit(self, images) -> "MeanColorGMM":
        """Fit the GMM to the per-image channel means (B, C) of ``images`` (B, C, H, W)."""
        from sklearn.mixture import GaussianMixture

        colors = _reduce(images, lambda b: b.mean(dim=(2, 3))).numpy()
        if colors.shape[0] < self.n_components:
            raise ValueError(f"MeanColorGMM.fit: {colors.shape[0]} images < n_components={self.n_components}")
        gmm = GaussianMixture(self.n_components, covariance_type=self.covariance_type,
                              reg_covar=self.reg_covar, random_state=self.seed).fit(colors)
        K, C = self.n_components, colors.shape[1]
        cov = np.asarray(gmm.covariances_, dtype=np.float64)
        if self.covariance_type == "tied":
            cov = np.repeat(cov[None], K, axis=0)
        elif self.covariance_type == "diag":
            cov = np.stack([np.diag(c) for c in cov])
        elif self.covariance_type == "spherical":
            cov = cov[:, None, None] * np.eye(C)
        return self._set(gmm.means_, cov, gmm.weights_)

    def sample_colors(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n colours (n, C) float64: choose a component by ``weights``, then mean + chol(cov) @ z."""
        if not self.fitted:
            raise ValueError("MeanColorGMM: call fit() (or from_dict) before sampling")
        comp = torch.multinomial(self.weights, int(n), replacement=True, generator=generator) if n else \
            torch.zeros(0, dtype=torch.long)
        return _gaussian_draw(self.means, self._chol, comp, generator)

    def sample(self, n: int, image_shape: Sequence[int], noise_std: float = 0.0, clip: bool = False,
               generator: torch.Generator | None = None, device=None) -> torch.Tensor:
        """x_T (n, C, H, W) float32: a GMM colour per image, constant over pixels, + noise_std noise."""
        if not self.fitted:
            raise ValueError("MeanColorGMM: call fit() (or from_dict) before sampling")
        self._check_sample_args(n, image_shape, noise_std, self.channels)
        C, H, W = (int(s) for s in image_shape)
        x_T = self.sample_colors(n, generator)[:, :, None, None].expand(int(n), C, H, W)
        return self._finish(x_T, noise_std, clip, generator, device)

    def to_dict(self) -> dict:
        fitted = self.fitted
        return {
            "kind": self.kind, "n_components": self.n_components, "covariance_type": self.covariance_type,
            "seed": self.seed, "reg_covar": self.reg_covar,
            "means": self.means.tolist() if fitted else None,
            "covariances": self.covariances.tolist() if fitted else None,
            "weights": self.weights.tolist() if fitted else None,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "MeanColorGMM":
        _check_kind(cls, d)
        p = cls(d["n_components"], d["covariance_type"], d.get("seed", 0), d.get("reg_covar", 1e-6))
        return p._set(d["means"], d["covariances"], d["weights"]) if d.get("means") is not None else p


class LowResGaussian(Prior):
    """Section 5.3 (super-resolution generation): one Gaussian over the low-res x_T, flattened.

    Args:
        size: (h, w) of the low-resolution image (the paper uses 2x2); an int means (size, size).
        ridge: added to the covariance diagonal for a stable Cholesky factor.

    ``fit``: area-downsample each image to (h, w) (``adaptive_avg_pool2d``; for x_T that are already
    nearest-upsampled low-res images this recovers the low-res values exactly when h | H and w | W),
    flatten to C·h·w vectors, and store their ``mean`` and maximum-likelihood ``covariance``
    (+ ridge·I).  ``sample``: draw vectors, reshape to (n, C, h, w), nearest-upsample to (H, W).
    """

    kind = "low_res_gaussian"

    def __init__(self, size: int | Sequence[int] = (2, 2), ridge: float = 1e-6):
        size = (int(size), int(size)) if isinstance(size, int) else tuple(int(s) for s in size)
        if len(size) != 2 or min(size) < 1:
            raise ValueError(f"LowResGaussian: size must be (h, w) with positive entries, got {size}")
        if ridge < 0:
            raise ValueError(f"LowResGaussian: ridge must be >= 0, got {ridge}")
        self.size, self.ridge = size, float(ridge)
        self.channels: int | None = None
        self.mean = self.covariance = self._chol = None

    @property
    def fitted(self) -> bool:
        return self.mean is not None

    def _set(self, channels, mean, covariance):
        self.channels = int(channels)
        D = self.channels * self.size[0] * self.size[1]
        self.mean = torch.as_tensor(mean, dtype=torch.float64).reshape(D)
        self.covariance = torch.as_tensor(covariance, dtype=torch.float64).reshape(D, D)
        self._chol = _cholesky(self.covariance)
        return self

    def fit_for(self, D, images) -> "LowResGaussian":
        """Fit on x_T = D(x0, T) at the size D's last step leaves (``D.size_at(T, (H, W))``)."""
        rows = []
        for b in _batches(images):
            x = b.to(torch.float32)
            self.size = tuple(int(s) for s in D.size_at(D.T, x.shape[-2:]))
            rows.append(D(x, D.T).double())
        return self.fit(rows)

    def fit(self, images) -> "LowResGaussian":
        """Fit mean and covariance of the area-downsampled, flattened images."""
        low = _reduce(images, lambda b: F.adaptive_avg_pool2d(b, self.size).flatten(1))
        C = low.shape[1] // (self.size[0] * self.size[1])
        mean = low.mean(0)
        centred = low - mean
        cov = centred.T @ centred / low.shape[0] + self.ridge * torch.eye(low.shape[1], dtype=torch.float64)
        return self._set(C, mean, cov)

    def sample_lowres(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n low-resolution images (n, C, h, w) float64 drawn from the fitted Gaussian."""
        if not self.fitted:
            raise ValueError("LowResGaussian: call fit() (or from_dict) before sampling")
        v = _gaussian_draw(self.mean[None], self._chol[None], torch.zeros(int(n), dtype=torch.long), generator)
        return v.reshape(int(n), self.channels, *self.size)

    def sample(self, n: int, image_shape: Sequence[int], noise_std: float = 0.0, clip: bool = False,
               generator: torch.Generator | None = None, device=None) -> torch.Tensor:
        """x_T (n, C, H, W) float32: a low-res Gaussian sample, nearest-upsampled, + noise_std noise."""
        if not self.fitted:
            raise ValueError("LowResGaussian: call fit() (or from_dict) before sampling")
        self._check_sample_args(n, image_shape, noise_std, self.channels)
        C, H, W = (int(s) for s in image_shape)
        if H < self.size[0] or W < self.size[1]:
            raise ValueError(f"sample: image size {(H, W)} is smaller than the prior's low-res size {self.size}")
        x_T = F.interpolate(self.sample_lowres(n, generator), size=(H, W), mode="nearest")
        return self._finish(x_T, noise_std, clip, generator, device)

    def to_dict(self) -> dict:
        fitted = self.fitted
        return {
            "kind": self.kind, "size": list(self.size), "ridge": self.ridge, "channels": self.channels,
            "mean": self.mean.tolist() if fitted else None,
            "covariance": self.covariance.tolist() if fitted else None,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "LowResGaussian":
        _check_kind(cls, d)
        p = cls(tuple(d["size"]), d.get("ridge", 1e-6))
        return p._set(d["channels"], d["mean"], d["covariance"]) if d.get("mean") is not None else p


class RandomColor(Prior):
    """Section 5.3 (inpainting generation): x_T is a uniformly random solid colour c ~ U[low, high]^C.

    ``fit`` learns nothing (it only records the channel count, if given images); ``channels`` is
    optional and only used by :meth:`sample_colors` when no channel count is passed.
    """

    kind = "random_color"

    def __init__(self, low: float = -1.0, high: float = 1.0, channels: int | None = None):
        if not float(low) < float(high):
            raise ValueError(f"RandomColor: need low < high, got low={low}, high={high}")
        self.low, self.high = float(low), float(high)
        self.channels = None if channels is None else int(channels)

    def fit(self, images=None) -> "RandomColor":
        """No-op (records the channel count of ``images`` if given); returns self."""
        if images is not None:
            self.channels = int(next(iter(_batches(images))).shape[1])
        return self

    def start(self, D, n, image_shape, noise_std=0.0, generator=None, device=None, fixed_noise=False):
        """x_T a random solid colour c, and D's state with its fill colour set to that same c,
        so TACoS stays on the trajectory of c (Section 5.3)."""
        x_T, state = super().start(D, n, image_shape, noise_std, generator, device)
        if isinstance(state, dict) and "color" in state:
            state["color"] = x_T.mean(dim=(2, 3)).to(state["color"].dtype)
        return x_T, state

    def sample_colors(self, n: int, generator: torch.Generator | None = None, channels: int | None = None) -> torch.Tensor:
        """n colours (n, C) float64, uniform in [low, high); C = ``channels`` or the prior's (default 3)."""
        C = int(channels or self.channels or 3)
        return self.low + (self.high - self.low) * torch.rand(int(n), C, generator=generator, dtype=torch.float64)

    def sample(self, n: int, image_shape: Sequence[int], noise_std: float = 0.0, clip: bool = False,
               generator: torch.Generator | None = None, device=None) -> torch.Tensor:
        """x_T (n, C, H, W) float32: one uniform colour per image, constant over pixels, + noise_std noise."""
        self._check_sample_args(n, image_shape, noise_std, None)
        C, H, W = (int(s) for s in image_shape)
        x_T = self.sample_colors(n, generator, C)[:, :, None, None].expand(int(n), C, H, W)
        return self._finish(x_T, noise_std, clip, generator, device)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "low": self.low, "high": self.high, "channels": self.channels}

    @classmethod
    def from_dict(cls, d: dict) -> "RandomColor":
        _check_kind(cls, d)
        return cls(d["low"], d["high"], d.get("channels"))


class GaussianNoise(Prior):
    """Section 5.1 (noise degradation): x_T ~ N(0, I), the start of standard ("hot") diffusion.

    Nothing is fitted.  The sampled x_T doubles as the fixed noise state z (Table 5, "Fixed
    Noise"); sampling with ``state="estimate"`` instead gives "Estimated Noise" (DDIM).
    """

    kind = "gaussian_noise"

    def fit(self, images=None) -> "GaussianNoise":
        return self

    def start(self, D, n, image_shape, noise_std=0.0, generator=None, device=None, fixed_noise=False):
        """x_T = z ~ N(0, I); the state is ``"estimate"`` (Estimated Noise = DDIM) or, with
        ``fixed_noise=True``, z itself (Fixed Noise, Table 5)."""
        z = self.sample(n, image_shape, generator=generator, device=device)
        return z, (z if fixed_noise else "estimate")

    def sample(self, n: int, image_shape: Sequence[int], noise_std: float = 0.0, clip: bool = False,
               generator: torch.Generator | None = None, device=None) -> torch.Tensor:
        self._check_sample_args(n, image_shape, noise_std, None)
        x_T = torch.randn(int(n), *(int(s) for s in image_shape), generator=generator, dtype=torch.float64)
        return self._finish(x_T, 0.0, False, generator, device)

    def to_dict(self) -> dict:
        return {"kind": self.kind}

    @classmethod
    def from_dict(cls, d: dict) -> "GaussianNoise":
        _check_kind(cls, d)
        return cls()


class PartnerImages(Prior):
    """Section 5.3 (animorphosis): x_T is (almost exactly) a random image z of the partner
    dataset (e.g. an AFHQ animal), drawn by the degradation's own ``sample_state``.

    The prior only records which dataset the partners come from; the images themselves are
    set on the degradation with ``D.set_partners(...)``.
    """

    kind = "partners"

    def __init__(self, dataset: str | None = None):
        self.dataset = dataset

    def fit(self, images=None) -> "PartnerImages":
        return self

    def start(self, D, n, image_shape, noise_std=0.0, generator=None, device=None, fixed_noise=False):
        """The state z is a random partner image and x_T = D(0, T, z): the endpoint of the
        interpolation with the unknown x0 taken as 0 (its weight sqrt(ᾱ_T) vanishes)."""
        C, H, W = (int(s) for s in image_shape)
        zeros = torch.zeros(int(n), C, H, W)
        z = D.sample_state(zeros, generator=generator)
        return D(zeros, D.T, z).to(device), (z if device is None else z.to(device))

    def sample(self, n: int, image_shape: Sequence[int], noise_std: float = 0.0, clip: bool = False,
               generator: torch.Generator | None = None, device=None) -> torch.Tensor:
        raise ValueError("PartnerImages: x_T comes from the degradation's partner images; use "
                         "generation_start(D, prior, ...)")

    def to_dict(self) -> dict:
        return {"kind": self.kind, "dataset": self.dataset}

    @classmethod
    def from_dict(cls, d: dict) -> "PartnerImages":
        _check_kind(cls, d)
        return cls(d.get("dataset"))


PRIORS: dict[str, type[Prior]] = {c.kind: c for c in (MeanColorGMM, LowResGaussian, RandomColor,
                                                       GaussianNoise, PartnerImages)}


def generation_start(D, prior: Prior, n: int, image_shape: Sequence[int], noise_std: float = 0.0,
                     generator: torch.Generator | None = None, device=None, fixed_noise: bool = False):
    """The start (x_T, state) of unconditional generation with degradation D and its prior:
    ``prior.start(D, n, image_shape, ...)`` (each prior knows its own start).

    * blur + :class:`MeanColorGMM` (5.2): x_T a solid colour (+ ``noise_std`` noise), no state.
    * inpaint with ``fill="color"`` + :class:`RandomColor` (5.3): x_T a solid colour c and the
      state's fill colour is that same c, so TACoS stays on the trajectory of c.
    * super-resolution + :class:`LowResGaussian` (5.3): x_T a sampled low-resolution image.
    * noise + :class:`GaussianNoise` (5.1): x_T = z ~ N(0, I); the state is ``"estimate"``
      (Estimated Noise = DDIM) or, with ``fixed_noise=True``, z itself (Fixed Noise).
    * animorph + :class:`PartnerImages` (5.3): the state z is a random partner image and
      x_T = D(0, T, z), i.e. sqrt(1 - ᾱ_T)·z (the vanishing sqrt(ᾱ_T)·x0 term taken as 0).
    """
    return prior.start(D, n, image_shape, noise_std=noise_std, generator=generator, device=device,
                       fixed_noise=fixed_noise)


def _check_kind(cls, d: dict) -> None:
    if d.get("kind", cls.kind) != cls.kind:
        raise ValueError(f"{cls.__name__}.from_dict: dict is of kind {d.get('kind')!r}, expected {cls.kind!r}")


#: config ``prior.kind`` -> constructor keyword arguments read from the config
_CONFIG_ARGS = {"mean_color_gmm": ("n_components", "covariance_type"), "low_res_gaussian": (),
                "random_color": ("low", "high"), "gaussian_noise": (), "partners": ()}


def prior_from_config(p: dict | None) -> Prior | None:
    """The (unfitted) prior an experiment config's ``prior`` section describes, or ``None``.

    Keys other than the constructor's (``fit_n``, ``noise_std``) belong to the trainer and the
    samplers and are ignored here."""
    if not p:
        return None
    kind = p.get("kind")
    if kind not in PRIORS:
        raise ValueError(f"unknown prior kind {kind!r}; known: {sorted(PRIORS)}")
    kwargs = {k: p[k] for k in _CONFIG_ARGS[kind] if k in p}
    if kind == "partners":
        kwargs["dataset"] = p.get("dataset")
    return PRIORS[kind](**kwargs)


def prior_from_dict(d: dict) -> Prior:
    """Rebuild any prior from its ``to_dict()`` (dispatch on ``d["kind"]``)."""
    if d.get("kind") not in PRIORS:
        raise ValueError(f"unknown prior kind {d.get('kind')!r}; known: {sorted(PRIORS)}")
    return PRIORS[d["kind"]].from_dict(d)
