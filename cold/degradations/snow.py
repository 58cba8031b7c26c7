"""Snowification, Section 4.4 and Appendix A.5 of Cold Diffusion.

A torch port (CPU and CUDA, no numpy/cv2/scipy in the forward path) of the snow transform as
the authors apply it (their ImageNet-C port, ``snowification/diffusion/forward_process_impl.py``),
x_t = h(x0, S_A, c0(t), c1(t)):

1. state: a seed matrix S_A ~ N(mu, sigma) of shape (H, W) and a motion-blur direction
   (0 = horizontal, 1 = vertical) per image, drawn once per trajectory.
2. S_B: ImageNet-C's ``clipped_zoom``: the *centred* ceil(H/zoom) x ceil(W/zoom) crop of S_A
   zoomed by ``zoom`` = 2.5 with linear interpolation (``scipy.ndimage.zoom(order=1)``, i.e.
   bilinear with aligned corners, to round(c · zoom) pixels) and centre-trimmed back to H x W.
   S_B does not depend on t.
3. S_C = S_B where S_B >= c0(t), else 0, clipped to [0, 1].
4. S: S_C motion-blurred along the image's direction by a centred line kernel of
   ``kernel_size`` = 11 taps, w_i ∝ exp(-i² / (2 c1(t)²)) for i = -5..5, normalised, with zero
   padding (``conv2d(padding="same")``).
5. x_t = clip(x0' + S + rot180(S), 0, 1) on every channel, x0' = (x0 + 1) / 2, returned in
   [-1, 1] (the authors' ``--fix_brightness`` runs, which the paper reports).

c0(t), c1(t) are linear in t: t = 1 gives (c0_start, c1_start), t = T gives (c0_end, c1_end)
(with T = 1 the single step uses the end values), as ``torch.linspace`` in the authors' code.
Lowering the threshold c0 lets more snow through and raising c1 makes it look windier.  The
paper's settings (mu = 0.55, sigma = 0.3, T = 200): CIFAR-10 c0 1.15 -> 0.7, c1 0.05 -> 16
(the defaults, the authors' ``snow_level 3``); CelebA c0 1.15 -> 0.55, c1 0.05 -> 20
(``snow_level 4``).

Per-image t means per-image blur kernels.  Each kernel is built as a banded L x L matrix and
applied with one batched matmul per axis, so there is no loop over t or over the batch.
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
        zoom: zoom factor of the centred crop of S_A (>= 1); 2.5 as the authors' CIFAR-10 and
            CelebA settings.  Larger values give bigger flakes.
        kernel_size: taps of the centred motion-blur line kernel (odd; 11 as the authors).
    """

    name = "snow"
    random = True

    def __init__(self, T: int, mu: float = 0.55, sigma: float = 0.3,
                 c0_start: float = 1.15, c0_end: float = 0.7,
                 c1_start: float = 0.05, c1_end: float = 16.0,
                 zoom: float = 2.5, kernel_size: int = 11):
        super().__init__(T)
        if isinstance(kernel_size, bool) or not isinstance(kernel_size, int) or kernel_size < 1 \
                or kernel_size % 2 == 0:
            raise ValueError(f"{self.name}: kernel_size must be a positive odd int, got {kernel_size!r}")
        self.kernel_size = kernel_size
        vals = dict(mu=mu, sigma=sigma, c0_start=c0_start, c0_end=c0_end,
                    c1_start=c1_start, c1_end=c1_end, zoom=zoom)
        for k, v in vals.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ValueError(f"{self.name}: {k} must be a finite number, got {v!r}")
        if sigma < 0:
            raise ValueError(f"{self.name}: sigma must be >= 0, got {sigma}")
        if c1_start < 0 or c1_end < 0:
            raise ValueError(f"{self.name}: c1 (blur std) must be >= 0, got {c1_start}, {c1_end}")
        if zoom < 1:
            raise ValueError(f"{self.name}: zoom must be >= 1, got {zoom}")
        for k, v in vals.items():
            setattr(self, k, float(v))

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
        """S_B: ImageNet-C's ``clipped_zoom`` of S_A (B, H, W): centred crop, linear zoom, trim."""
        H, W = seed.shape[-2:]
        ch, cw = min(H, math.ceil(H / self.zoom)), min(W, math.ceil(W / self.zoom))
        top, left = (H - ch) // 2, (W - cw) // 2
        crop = seed[:, None, top:top + ch, left:left + cw]
        # scipy.ndimage.zoom(order=1) sizes its output round(c * zoom) (Python's round) and maps
        # output o to input o (c - 1) / (out - 1): bilinear with align_corners=True.
        oh, ow = max(H, round(ch * self.zoom)), max(W, round(cw * self.zoom))
        big = F.interpolate(crop, size=(oh, ow), mode="bilinear", align_corners=True)
        th, tw = (oh - H) // 2, (ow - W) // 2
        return big[:, 0, th:th + H, tw:tw + W]

    def blur_matrix(self, sigma: torch.Tensor, L: int) -> torch.Tensor:
        """Banded (B, L, L) matrix M of the centred motion blur: (M v)[y] = sum_i w_i v[y + i].

        w_i ∝ exp(-i^2 / (2 sigma^2)) for i = -k//2..k//2 (k = ``kernel_size``), normalised;
        taps outside the image read zeros (``padding="same"``).
        """
        dtype, device = sigma.dtype, sigma.device
        r = self.kernel_size // 2
        i = torch.arange(-r, r + 1, device=device, dtype=dtype)
        s = sigma.clamp_min(1e-6)[:, None]
        w = torch.exp(-(i * i) / (2 * s * s))
        w = w / w.sum(1, keepdim=True)  # (B, k)
        y = torch.arange(L, device=device)
        d = y[None, :] - y[:, None]  # d[y, j] = j - y
        M = w[:, (d + r).clamp(0, 2 * r)] * (d.abs() <= r)  # (B, L, L) band
        return M

    def snow_pattern(self, seed: torch.Tensor, direction: torch.Tensor, t: torch.Tensor,
                     dtype=torch.float32) -> torch.Tensor:
        """S (B, H, W): the motion-blurred thresholded snow of the state at severity t (B,)."""
        H, W = seed.shape[-2:]
        sb = self.zoomed_seed(seed.to(dtype))
        c0 = self.c0(t, dtype).view(-1, 1, 1)
        sc = torch.where(sb >= c0, sb, torch.zeros_like(sb)).clamp(0.0, 1.0)
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
