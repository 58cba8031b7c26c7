"""Super-resolution degradation, Section 4.3 and Appendix A.3 of Cold Diffusion.

D(x0, t) halves the resolution of x0 t times and shows the low-resolution image at the full
size H x W with nearest-neighbour upsampling:

    x_t = up_nearest( down^t(x0) ),        n_t = ceil(n_{t-1} / 2) per axis, n_0 = H (or W).

Because ceil(ceil(n/2)/2) = ceil(n/4), the size after t halvings is n_t = ceil(n / 2^t); it
saturates at 1, so a T larger than log2(max(H, W)) is allowed and the extra steps leave the
(1 x 1, i.e. per-channel mean) image unchanged.  The paper uses T = 3 for MNIST and CIFAR-10 (32 -> 16 -> 8 -> 4;
the authors resize MNIST to 32 px, which is why x_T is 4 x 4) and T = 6 for CelebA (128 -> 2).

Two downsampling filters:

* ``"bicubic"`` -- the authors' routine (``Incremental_factor_2``), used by the presets: step s
  resizes the *full-size* x_{s-1} to n_s with bicubic interpolation without antialiasing and
  shows it at full size again with nearest neighbour (``nearest-exact``, as the authors),

      x_s = up_nearest( bicubic(x_{s-1}, n_s) ),

  clamped to [-1, 1] (bicubic overshoots; the authors leave the overshoot, which changes
  nothing measurable, see docs/fidelity.md).  No closed form: always iterated (T <= ~7).
* ``"area"``    -- average pooling of the low-resolution image.  When both sizes are divisible
  by 2^k, k halvings equal one ``avg_pool2d`` with kernel 2^k (closed form); the remaining
  halvings of an odd size use adaptive (area) pooling, whose windows overlap by one pixel,
  e.g. 7 -> 4 averages rows {0,1}, {1,2,3}, {3,4,5}, {5,6}.

Either way at most ~log2(N) cheap ops are needed.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .base import Degradation, State

_MODES = ("area", "bicubic")


def _ceil_div(n: int, d: int) -> int:
    return -(-n // d)


class SuperResolution(Degradation):
    """x_t = D(x0, t): t halvings of the resolution, shown at full size (nearest neighbour).

    Args:
        T: number of halvings at maximal severity (3 for 28x28 / 32x32, 6 for 128x128).
        mode: ``"area"`` (average pooling) or ``"bicubic"`` (the authors': bicubic without
            antialiasing on the full-size image, clamped).
        image_size: optional ``int`` or ``(H, W)``; when given, inputs of another size raise
            ``ValueError``.  Sizes never drop below 1 x 1, so any T is accepted.
    """

    name = "super_resolution"
    random = False

    def __init__(self, T: int, mode: str = "area", image_size=None):
        super().__init__(T)
        if mode not in _MODES:
            raise ValueError(f"{self.name}: mode must be one of {_MODES}, got {mode!r}")
        self.mode = mode
        self.image_size = self._parse_size(image_size)

    # ------------------------------------------------------------------ configuration
    def _parse_size(self, size):
        if size is None:
            return None
        if isinstance(size, int) and not isinstance(size, bool):
            size = (size, size)
        if (isinstance(size, (tuple, list)) and len(size) == 2
                and all(isinstance(s, int) and not isinstance(s, bool) and s >= 1 for s in size)):
            return (int(size[0]), int(size[1]))
        raise ValueError(f"{self.name}: image_size must be a positive int or (H, W), got {size!r}")

    def config(self) -> dict:
        """The derived config, with ``image_size`` written back as given to the constructor.

        ``self.image_size`` is normalised to a tuple (H, W) for the size checks; a square size is
        written as one int (as in existing checkpoints' configs) and a rectangular one as [H, W].
        """
        cfg = super().config()
        size = self.image_size
        if size is not None:
            cfg["image_size"] = size[0] if size[0] == size[1] else list(size)
        return cfg

    # ------------------------------------------------------------------ sizes
    @staticmethod
    def size_at(t: int, hw) -> tuple[int, int]:
        """(n_t, n_t') = (ceil(H / 2^t), ceil(W / 2^t)): the low-resolution size of x_t."""
        t = int(t)
        if t < 0:
            raise ValueError(f"size_at: t must be >= 0, got {t}")
        H, W = int(hw[0]), int(hw[1])
        return _ceil_div(H, 2 ** t), _ceil_div(W, 2 ** t)

    def _check_size(self, x0: torch.Tensor) -> None:
        hw = tuple(x0.shape[-2:])
        if self.image_size is not None and hw != self.image_size:
            raise ValueError(
                f"{self.name}: configured for images of size {self.image_size}, got {hw}")
        if min(hw) < 1:
            raise ValueError(f"{self.name}: empty image of size {hw}")

    # ------------------------------------------------------------------ operators
    def _halve(self, x: torch.Tensor) -> torch.Tensor:
        """One area step of the iterated definition: (n, n') -> (ceil(n/2), ceil(n'/2))."""
        return F.adaptive_avg_pool2d(x, self.size_at(1, x.shape[-2:]))

    def _bicubic_full(self, x0: torch.Tensor, t: int) -> torch.Tensor:
        """x_t of the bicubic mode: t full-size steps x_s = up_nearest(bicubic(x_{s-1}, n_s))."""
        x = _work_dtype(x0)
        hw = x.shape[-2:]
        for s in range(1, t + 1):
            low = F.interpolate(x, size=self.size_at(s, hw), mode="bicubic", align_corners=False,
                                antialias=False)
            x = F.interpolate(low, size=tuple(int(v) for v in hw), mode="nearest-exact").clamp(-1.0, 1.0)
        return x.to(x0.dtype)

    def low_res(self, x0: torch.Tensor, t) -> torch.Tensor:
        """The low-resolution image down^t(x0) of shape (B, C, n_t, n_t').

        ``t`` is an int or a tensor whose entries are all equal (sizes differ across t).
        Area mode uses one ``avg_pool2d`` with kernel 2^k for the largest k <= t dividing both
        sizes, then iterates the remaining halvings; bicubic mode runs the full-size steps and
        returns the low-resolution grid that x_t shows.
        """
        x0 = self.check_input(x0)
        if isinstance(t, torch.Tensor) and t.dim() == 1:
            t = self.check_t(t, x0)
            if t.numel() and bool((t != t[0]).any()):
                raise ValueError(f"{self.name}: low_res needs one t for the whole batch, "
                                 f"got {t.tolist()}")
            t = int(t[0]) if t.numel() else 0
        else:
            self.check_t(t, x0)  # validates the type and the range 0..T
            t = int(t)
        self._check_size(x0)
        return self._low_res(x0, t)

    def _low_res(self, x0: torch.Tensor, t: int) -> torch.Tensor:
        """down^t(x0) for a validated int t (closed form for the divisible part in area mode)."""
        x = _work_dtype(x0)
        H, W = x.shape[-2:]
        if self.mode == "bicubic":
            if t == 0:
                return x0
            low = F.interpolate(self._bicubic_full(x, t - 1), size=self.size_at(t, (H, W)),
                                mode="bicubic", align_corners=False, antialias=False)
            return low.clamp(-1.0, 1.0).to(x0.dtype)
        k = 0
        while k < t and H % 2 ** (k + 1) == 0 and W % 2 ** (k + 1) == 0:
            k += 1
        if k > 0:
            x = F.avg_pool2d(x, 2 ** k)
        for _ in range(t - k):
            x = self._halve(x)
        return x.to(x0.dtype)

    def upsample(self, low: torch.Tensor, hw) -> torch.Tensor:
        """Nearest-neighbour resize of a low-resolution image back to the full size ``hw``."""
        return F.interpolate(low, size=tuple(int(s) for s in hw), mode="nearest")

    def _apply(self, x0: torch.Tensor, t: torch.Tensor, state: State) -> torch.Tensor:
        """x_t = up_nearest(down^t(x0)) per image; images sharing a t are processed together."""
        self._check_size(x0)
        hw = x0.shape[-2:]
        out = x0.clone()
        for k in torch.unique(t).tolist():  # at most T distinct values (T ~ log2 N)
            if k == 0:
                continue
            idx = (t == k).nonzero().squeeze(1)
            if self.mode == "bicubic":
                out[idx] = self._bicubic_full(x0[idx], k)
            else:
                out[idx] = self.upsample(self._low_res(x0[idx], k), hw)
        return out


def _work_dtype(x: torch.Tensor) -> torch.Tensor:
    """Half-precision inputs are filtered in float32 (bicubic/antialias kernels need it)."""
    return x.float() if x.dtype in (torch.float16, torch.bfloat16) else x
