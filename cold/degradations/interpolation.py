"""Interpolation degradations x_t = sqrt(ᾱ_t)·x0 + sqrt(1 - ᾱ_t)·z.

* :class:`Noise` (Section 5.1): z ~ N(0, I), the degradation of standard ("hot") diffusion.
* :class:`Animorph` (Section 5.3, animorphosis): z is an image of a second dataset (e.g. an
  AFHQ animal face for CelebA), so faces turn into animals as t grows.

z is the state, drawn once per image and fixed over a trajectory ("Fixed Noise" in Table 5).
Both can re-estimate it from an iterate and a restoration,

    ẑ(x_t, t) = (x_t - sqrt(ᾱ_t)·x̂0) / sqrt(1 - ᾱ_t),

the paper's "Estimated Noise"; TACoS with the estimated state is deterministic DDIM
(Appendix A.6).  ᾱ_t follows the cosine schedule of Nichol & Dhariwal (2021), ᾱ_0 = 1.
"""
from __future__ import annotations

import math

import torch

from .base import Degradation


def cosine_alpha_bar(T: int, s: float = 0.008, max_beta: float = 0.999) -> torch.Tensor:
    """ᾱ_t for t = 0..T (float64, (T+1,)): f(t)/f(0) with f(t) = cos²(((t/T + s)/(1 + s))·π/2),
    per-step β_t = 1 - ᾱ_t/ᾱ_{t-1} clipped at ``max_beta`` as in Nichol & Dhariwal."""
    f = [math.cos(((t / T + s) / (1 + s)) * math.pi / 2) ** 2 for t in range(T + 1)]
    alpha_bar = [1.0]
    for t in range(1, T + 1):
        beta = min(1 - f[t] / f[t - 1], max_beta)
        alpha_bar.append(alpha_bar[-1] * (1 - beta))
    return torch.tensor(alpha_bar, dtype=torch.float64)


class _Interpolation(Degradation):
    random = True

    def __init__(self, T: int, cosine_s: float = 0.008):
        super().__init__(T)
        self.cosine_s = float(cosine_s)
        #: ᾱ_t for t = 0..T (the paper writes α_t)
        self.alpha_bar = cosine_alpha_bar(T, self.cosine_s)

    def _coefficients(self, t, device, dtype):
        a = self.alpha_bar.to(device)[t].view(-1, 1, 1, 1)
        return a.sqrt().to(dtype), (1 - a).sqrt().to(dtype)

    def _apply(self, x0, t, state):
        z = self._check_z(x0, state)
        ca, cz = self._coefficients(t, x0.device, torch.float64)
        return (ca * x0.double() + cz * z.double()).to(x0.dtype)

    def _check_z(self, x0, state) -> torch.Tensor:
        if not isinstance(state, torch.Tensor):
            raise ValueError(f"{self.name}: the state must be a tensor z of shape {tuple(x0.shape)}")
        if state.shape != x0.shape:
            raise ValueError(f"{self.name}: state z has shape {tuple(state.shape)}, expected {tuple(x0.shape)}")
        return state.to(device=x0.device)

    def estimate_state(self, x_t: torch.Tensor, x0_hat: torch.Tensor, t) -> torch.Tensor:
        """ẑ(x_t, t) = (x_t - sqrt(ᾱ_t)·x̂0) / sqrt(1 - ᾱ_t) (Section 5.1, "Estimated Noise")."""
        x_t = self.check_input(x_t)
        t = self.check_t(t, x_t)
        if x0_hat.shape != x_t.shape:
            raise ValueError(f"{self.name}: x0_hat has shape {tuple(x0_hat.shape)}, x_t has {tuple(x_t.shape)}")
        if bool((t == 0).any()):
            raise ValueError(f"{self.name}: the state cannot be estimated at t=0, where x_t == x0")
        ca, cz = self._coefficients(t, x_t.device, torch.float64)
        return ((x_t.double() - ca * x0_hat.double()) / cz).to(x_t.dtype)


class Noise(_Interpolation):
    """D(x0, t) = sqrt(ᾱ_t)·x0 + sqrt(1 - ᾱ_t)·z with z ~ N(0, I) (Section 5.1)."""

    name = "noise"

    def __init__(self, T: int = 200, cosine_s: float = 0.008):
        super().__init__(T, cosine_s)

    def sample_state(self, x0, generator=None):
        x0 = self.check_input(x0)
        z = torch.randn(x0.shape, generator=generator, dtype=torch.float32)
        return z.to(device=x0.device, dtype=x0.dtype)


class Animorph(_Interpolation):
    """D(x0, t) = sqrt(ᾱ_t)·x0 + sqrt(1 - ᾱ_t)·z with z an image of a second dataset (Section 5.3).

    Args:
        T: number of steps.
        partners: a tensor (N, C, H, W) in [-1, 1] of partner images (e.g. AFHQ animals) from
            which :meth:`sample_state` draws one z per image.  It can also be set later with
            :meth:`set_partners`; an explicit state (B, C, H, W) works without it.
        partners_name: a label of where the partners come from, kept in the config.
    """

    name = "animorph"
    #: the partner images are data, not configuration: :meth:`config` keeps only
    #: ``partners_name`` (where they come from), and a rebuilt D gets them from
    #: :meth:`set_partners` or an explicit state
    config_exclude = ("partners",)

    def __init__(self, T: int = 200, cosine_s: float = 0.008, partners: torch.Tensor | None = None,
                 partners_name: str | None = None):
        super().__init__(T, cosine_s)
        self.partners_name = partners_name
        self.partners = None
        if partners is not None:
            self.set_partners(partners)

    def set_partners(self, partners: torch.Tensor) -> "Animorph":
        if not isinstance(partners, torch.Tensor) or partners.dim() != 4 or partners.shape[0] < 1:
            raise ValueError("animorph: partners must be a non-empty tensor (N, C, H, W) of images in [-1, 1]")
        self.partners = partners
        return self

    def sample_state(self, x0, generator=None):
        x0 = self.check_input(x0)
        if self.partners is None:
            raise ValueError("animorph: no partner images; pass partners=Tensor(N, C, H, W) or "
                             "D.set_partners(...), or give the state z explicitly")
        if self.partners.shape[1:] != x0.shape[1:]:
            raise ValueError(f"animorph: partner images have shape {tuple(self.partners.shape[1:])}, "
                             f"x0 images have {tuple(x0.shape[1:])}")
        idx = torch.randint(0, self.partners.shape[0], (x0.shape[0],), generator=generator)
        return self.partners[idx].to(device=x0.device, dtype=x0.dtype)
