"""Snowification, Section 4.4 and Appendix A.5 of Cold Diffusion.

A torch port (CPU and CUDA, no numpy/cv2/scipy in the forward path) of the ImageNet-C snow
transform as the paper abstracts it, x_t = h(x0, S_A, c0(t), c1(t)):

1. state: a seed matrix S_A ~ N(mu, sigma) of shape (H, W) and a motion-blur direction
   (0 = horizontal, 1 = vertical) per image, drawn once per trajectory.
2. S_B: the upper-left ceil(H/zoom) x ceil(W/zoom) corner of S_A zoomed by ``zoom`` with bicubic
   interpolation (the stand-in for the spline zoom of ImageNet-C's ``clipped_zoom``) and cropped
   back to H x W from the top-left.  S_B does not depend on t.
3. S_C = S_B where S_B > c0(t), else 0, clipped to [0, 1].
4. S: S_C motion-blurred along the image's direction by a one-sided Gaussian line kernel of
   standard deviation c1(t) (ImageMagick style): weights exp(-i^2 / (2 c1^2)) for taps
   i = 0..r with r = min(ceil(3 c1), L - 1) (L the length of the blurred axis), normalised;
   taps that leave the image repeat the edge pixel (ImageMagick's default virtual pixel).
5. x_t = clip(x0' + S + rot180(S), 0, 1) on every channel, x0' = (x0 + 1) / 2, returned in [-1, 1].

c0(t), c1(t) are linear in t: t = 1 gives (c0_start, c1_start), t = T gives (c0_end, c1_end)
(with T = 1 the single step uses the end values).  Lowering the threshold c0 lets more snow
through and raising c1 makes it look windier.  The paper's settings (mu = 0.55, sigma = 0.3,
T = 200): CIFAR-10 c0 1.15 -> 0.7, c1 0.05 -> 16 (the defaults); CelebA c0 1.15 -> 0.55,
c1 0.05 -> 20.

Per-image t means per-image blur kernels.  Each kernel is built as a banded L x L matrix
(edge clamping folded into the last column) and applied with one batched matmul per axis, so
there is no loop over t or over the batch.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .base import Degradation, State


class Snow(Degradation):
    """x_t = h(x0, S_A, c0(t), c1(t)), Appendix A.5.

    Args:
        T: number of snow steps (200 in the paper).
        mu, sigma: mean and standard deviation of the seed matrix S_A.
        c0_start, c0_end: snow threshold c0(t) at t = 1 and t = T.
        c1_start, c1_end: motion-blur standard deviation c1(t) (pixels) at t = 1 and t = T.
        zoom: zoom factor of the upper-left corner of S_A (>= 1).  Default 3.0, the factor of
            ImageNet-C's lightest snow severity (its severities use 2 to 4.5); larger values
            give bigger flakes.
        radius_sigmas: the blur radius is ceil(radius_sigmas * c1(t)) taps, capped at L - 1.
    """

    name = "snow"
    random = True

    def __init__(self, T: int, mu: float = 0.55, sigma: float = 0.3,
                 c0_start: float = 1.15, c0_end: float = 0.7,
                 c1_start: float = 0.05, c1_end: float = 16.0,
                 zoom: float = 3.0, radius_sigmas: float = 3.0):
        super().__init__(T)
        vals = dict(mu=mu, sigma=sigma, c0_start=c0_start, c0_end=c0_end,
                    c1_start=c1_start, c1_end=c1_end, zoom=zoom, radius_sigmas=radius_sigmas)
        for k, v in vals.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ValueError(f"{self.name}: {k} must be a finite number, got {v!r}")
        if sigma < 0:
            raise ValueError(f"{self.name}: sigma must be >= 0, got {sigma}")
        if c1_start < 0 or c1_end < 0:
            raise ValueError(f"{self.name}: c1 (blur std) must be >= 0, got {c1_start}, {c1_end}")
        if zoom < 1:
            raise ValueError(f"{self.name}: zoom must be >= 1, got {zoom}")
        if radius_sigmas <= 0:
            raise ValueError(f"{self.name}: radius_sigmas must be > 0, got {radius_sigmas}")
        for k, v in vals.items():
            setattr(self, k, float(v))

    def config(self) -> dict:
        return {"T": self.T, "mu": self.mu, "sigma": self.sigma,
                "c0_start": self.c0_start, "c0_end": self.c0_end,
                "c1_start": self.c1_start, "c1_end": self.c1_end,
                "zoom": self.zoom, "radius_sigmas": self.radius_sigmas}

    # ------------------------------------------------------------------ state
    def sample_state(self, x0: torch.Tensor, generator: torch.Generator | None = None) -> State:
        """S_A ~ N(mu, sigma) (B, H, W) float32 and the blur direction (B,) long in {0, 1}.

        ``direction`` 0 blurs along W (horizontal); any other value blurs along H (vertical).

        Drawn on the CPU with ``generator`` (a CPU generator) and moved to ``x0.device``.
        """
        B, _, H, W = x0.shape
        seed = torch.randn((B, H, W), generator=generator) * self.sigma + self.mu
        direction = torch.randint(0, 2, (B,), generator=generator)
        return {"seed": seed.to(x0.device), "direction": direction.to(x0.device)}

    def _check_state(self, x0: torch.Tensor, state: State) -> tuple[torch.Tensor, torch.Tensor]:
        if not isinstance(state, dict) or "seed" not in state or "direction" not in state:
            raise ValueError(f"{self.name}: state must be a dict with 'seed' and 'direction'")
        seed, direction = state["seed"], state["direction"]
        B, _, H, W = x0.shape
        if not isinstance(seed, torch.Tensor) or tuple(seed.shape) != (B, H, W):
            raise ValueError(f"{self.name}: state['seed'] must have shape {(B, H, W)}, "
                             f"got {tuple(getattr(seed, 'shape', ()))}")
        if not isinstance(direction, torch.Tensor) or tuple(direction.shape) != (B,):
            raise ValueError(f"{self.name}: state['direction'] must have shape ({B},), "
                             f"got {tuple(getattr(direction, 'shape', ()))}")
        return seed, direction

    # ------------------------------------------------------------------ schedule
    def _lerp(self, start: float, end: float, t: torch.Tensor, dtype) -> torch.Tensor:
        if self.T == 1:
            return torch.full(t.shape, end, dtype=dtype, device=t.device)
        frac = (t.to(dtype) - 1).clamp_min(0) / (self.T - 1)
        return start + (end - start) * frac

    def c0(self, t: torch.Tensor, dtype=torch.float32) -> torch.Tensor:
        """Snow threshold c0(t), linear from c0_start (t = 1) to c0_end (t = T)."""
        return self._lerp(self.c0_start, self.c0_end, torch.as_tensor(t), dtype)

    def c1(self, t: torch.Tensor, dtype=torch.float32) -> torch.Tensor:
        """Motion-blur standard deviation c1(t), linear from c1_start (t = 1) to c1_end (t = T)."""
        return self._lerp(self.c1_start, self.c1_end, torch.as_tensor(t), dtype)

    # ------------------------------------------------------------------ pieces of h
    def zoomed_seed(self, seed: torch.Tensor) -> torch.Tensor:
        """S_B: the upper-left corner of S_A (B, H, W) zoomed by ``zoom`` back to H x W."""
        H, W = seed.shape[-2:]
        ch, cw = self._corner(H), self._corner(W)
        corner = seed[:, None, :ch, :cw]
        # scale factor ``zoom`` exactly (not H / ch); floor(ch * zoom) >= H so the crop is full.
        big = F.interpolate(corner, scale_factor=self.zoom, mode="bicubic", align_corners=False,
                            recompute_scale_factor=False)
        return big[:, 0, :H, :W]

    def _corner(self, n: int) -> int:
        """Smallest corner size c ~ ceil(n / zoom) whose zoomed size floor(c * zoom) covers n."""
        c = min(n, math.ceil(n / self.zoom))
        while math.floor(c * self.zoom) < n:
            c += 1
        return c

    def blur_matrix(self, sigma: torch.Tensor, L: int) -> torch.Tensor:
        """Banded (B, L, L) matrix M of the one-sided motion blur: (M v)[y] = sum_i w_i v[y+i].

        w_i = exp(-i^2 / (2 sigma^2)) for i = 0..r, r = min(ceil(radius_sigmas * sigma), L - 1),
        normalised; indices y + i >= L are clamped to L - 1 (edge pixel).
        """
        dtype, device = sigma.dtype, sigma.device
        i = torch.arange(L, device=device, dtype=dtype)  # taps 0..L-1 (the largest radius)
        s = sigma.clamp_min(1e-6)[:, None]
        radius = torch.ceil(self.radius_sigmas * sigma).clamp(max=L - 1)[:, None]
        w = torch.exp(-(i * i) / (2 * s * s)) * (i <= radius)
        w = w / w.sum(1, keepdim=True)  # (B, L); w[:, 0] = 1 before normalising
        tail = w.flip(1).cumsum(1).flip(1)  # tail[:, k] = sum_{i >= k} w_i
        y = torch.arange(L, device=device)
        d = y[None, :] - y[:, None]  # d[y, j] = j - y
        M = w[:, d.clamp(0, L - 1)] * (d >= 0)  # (B, L, L) band
        M[:, :, L - 1] = tail[:, L - 1 - y]  # edge clamping folded into the last column
        return M

    def snow_pattern(self, seed: torch.Tensor, direction: torch.Tensor, t: torch.Tensor,
                     dtype=torch.float32) -> torch.Tensor:
        """S (B, H, W): the motion-blurred thresholded snow of the state at severity t (B,)."""
        H, W = seed.shape[-2:]
        sb = self.zoomed_seed(seed.to(dtype))
        c0 = self.c0(t, dtype).view(-1, 1, 1)
        sc = torch.where(sb > c0, sb, torch.zeros_like(sb)).clamp(0.0, 1.0)
        c1 = self.c1(t, dtype)
        horiz = sc @ self.blur_matrix(c1, W).transpose(1, 2)  # blur along W
        vert = self.blur_matrix(c1, H) @ sc  # blur along H
        return torch.where((direction == 0).view(-1, 1, 1), horiz, vert)

    def _apply(self, x0: torch.Tensor, t: torch.Tensor, state: State) -> torch.Tensor:
        """x_t = 2 clip((x0 + 1)/2 + S + rot180(S), 0, 1) - 1."""
        seed, direction = self._check_state(x0, state)
        dtype = torch.float64 if x0.dtype == torch.float64 else torch.float32
        S = self.snow_pattern(seed, direction, t, dtype)
        snow = (S + S.flip(-1, -2))[:, None]  # S + S', broadcast over channels
        x = ((x0.to(dtype) + 1) / 2 + snow).clamp(0.0, 1.0)
        return (x * 2 - 1).to(x0.dtype)
