"""Gaussian blur, Section 4.1 (deblurring) and Section 5.2 (generation by deblurring).

The paper defines the forward process as the iterated convolution

    x_t = G_t * x_{t-1} = G_t * ... * G_1 * x_0 = Ḡ_t * x_0 = D(x_0, t),

with one Gaussian kernel G_s (size ``kernel_size``, standard deviation σ_s) per step.  The
authors' code computes this literally: t depthwise convolutions per call, T² work per TACoS run.

Here D(x0, t) costs the same for every t.  A padded 2-D convolution with a separable kernel
g ⊗ g is, along each image axis, a linear map of the n samples of that axis: an n×n matrix K_s
that includes the padding (circular, reflect or zeros alike).  The t-fold composition along an
axis is the matrix product A_t = K_t ··· K_1, precomputed once in float64 for every t = 0..T,
and

    D(x0, t) = A_t^(H) · x0 · (A_t^(W))ᵀ      (two small batched matmuls per image),

which equals the literal t-fold loop up to floating-point rounding (tested against it).

Generation variant (Section 5.2): with ``final_mean=True`` the fully degraded image
D(x0, T) is exactly the per-channel mean of x0 (a solid colour), the state that the
GMM prior of mean colours samples from.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .base import Degradation

SCHEDULES = ("constant", "linear", "exponential")
PADDINGS = ("circular", "reflect", "zeros")


def gaussian_kernel1d(size: int, sigma: float, dtype=torch.float64) -> torch.Tensor:
    """The normalised discrete Gaussian g of length ``size`` and standard deviation ``sigma``.

    G_s = g ⊗ g is the 2-D kernel of one blur step (the same discretisation as
    torchgeometry's ``get_gaussian_kernel2d`` used by the authors).
    """
    x = torch.arange(size, dtype=dtype) - size // 2
    if size % 2 == 0:
        x = x + 0.5
    g = torch.exp(-x ** 2 / (2.0 * float(sigma) ** 2))
    return g / g.sum()


def blur_sigma(schedule: str, t: int, sigma: float = 7.0, sigma_start: float | None = None,
               sigma_rate: float = 0.01) -> float:
    """σ_t of the step-t kernel G_t (t = 1..T).

    * ``constant``:    σ_t = sigma                                 (MNIST: 7)
    * ``linear``:      σ_t = sigma_start + sigma_rate·(t - 1)      (CIFAR-10: 0.35 + 0.01 (t - 1))
    * ``exponential``: σ_t = sigma_start · exp(sigma_rate·(t - 1)) (CelebA / generation: e^{0.01 (t - 1)})

    ``sigma_start`` is σ_1; ``None`` means 0.35 (linear) or 1 (exponential).  The first kernel
    uses the schedule's start value, as in the authors' code (``i/100 + 0.35`` and
    ``exp(0.01 i)`` for i = 0..T-1) and in Section 5.2 ("starting from σ = 1"); the paper's
    Appendix A.1 writes 0.01 t + 0.35, one step later (docs/fidelity.md).
    """
    if schedule == "constant":
        return float(sigma)
    if schedule == "linear":
        start = 0.35 if sigma_start is None else sigma_start
        return float(start + sigma_rate * (t - 1))
    if schedule == "exponential":
        start = 1.0 if sigma_start is None else sigma_start
        return float(start * math.exp(sigma_rate * (t - 1)))
    raise ValueError(f"blur: unknown sigma schedule {schedule!r}; choose one of {SCHEDULES}")


def conv_step_matrix(n: int, kernel: torch.Tensor, padding: str) -> torch.Tensor:
    """The n×n matrix K with K @ v == conv1d(pad(v), kernel) for a length-n signal v.

    Built by convolving the identity, so the padding mode is exactly PyTorch's.
    """
    k = kernel.numel()
    pad = (k - 1) // 2
    pad_r = k - 1 - pad
    eye = torch.eye(n, dtype=kernel.dtype).unsqueeze(1)  # (n, 1, n): row j is basis vector e_j
    mode = {"zeros": "constant", "circular": "circular", "reflect": "reflect"}[padding]
    if padding == "reflect" and max(pad, pad_r) >= n:
        raise ValueError(f"blur: reflect padding needs kernel_size//2 < image side, got "
                         f"kernel_size={k} for side {n}")
    if padding == "circular" and max(pad, pad_r) > n:
        raise ValueError(f"blur: circular padding needs kernel_size//2 <= image side, got "
                         f"kernel_size={k} for side {n}")
    padded = F.pad(eye, (pad, pad_r), mode=mode)
    # conv2d in PyTorch is cross-correlation; the Gaussian is symmetric so it does not matter,
    # but we flip to be exact for any kernel.
    out = F.conv1d(padded, kernel.flip(0).view(1, 1, -1).to(eye.dtype))  # (n, 1, n): response to e_j
    return out[:, 0, :].T.contiguous()  # column j = response to e_j


class Blur(Degradation):
    """D(x0, t) = Ḡ_t * x0, iterated Gaussian blur with a σ schedule (Sections 4.1, 5.2).

    Args:
        T: number of steps.
        kernel_size: side of each G_s (11 for MNIST/CIFAR-10, 15 CelebA, 27 generation).
        schedule: ``"constant"`` | ``"linear"`` | ``"exponential"`` (see :func:`blur_sigma`).
        sigma, sigma_start, sigma_rate: schedule parameters (``sigma_start`` is σ_1; ``None``
            picks 0.35 for the linear and 1 for the exponential schedule).
        padding: ``"circular"`` (the authors' MNIST and generation runs), ``"reflect"`` (their
            CIFAR-10 and CelebA deblurring runs) or ``"zeros"``.
        final_mean: generation variant -- D(x0, T) is the per-channel mean of x0.
    """

    name = "blur"
    random = False

    def __init__(self, T: int = 40, kernel_size: int = 11, schedule: str = "constant",
                 sigma: float = 7.0, sigma_start: float | None = None, sigma_rate: float = 0.01,
                 padding: str = "circular", final_mean: bool = False):
        super().__init__(T)
        if schedule not in SCHEDULES:
            raise ValueError(f"blur: unknown sigma schedule {schedule!r}; choose one of {SCHEDULES}")
        if padding not in PADDINGS:
            raise ValueError(f"blur: unknown padding {padding!r}; choose one of {PADDINGS}")
        if not isinstance(kernel_size, int) or kernel_size < 1:
            raise ValueError(f"blur: kernel_size must be a positive int, got {kernel_size!r}")
        self.kernel_size = kernel_size
        self.schedule = schedule
        self.sigma = float(sigma)
        if sigma_start is None:
            sigma_start = 1.0 if schedule == "exponential" else 0.35
        self.sigma_start = float(sigma_start)
        self.sigma_rate = float(sigma_rate)
        self.padding = padding
        self.final_mean = bool(final_mean)
        self.sigmas = [blur_sigma(schedule, s, self.sigma, self.sigma_start, self.sigma_rate)
                       for s in range(1, T + 1)]
        if min(self.sigmas) <= 0:
            raise ValueError("blur: every σ_t must be positive")
        self._operators: dict = {}  # (n, device, dtype) -> (T+1, n, n) tensor of A_t

    def kernel(self, t: int) -> torch.Tensor:
        """The 2-D kernel G_t (kernel_size × kernel_size, float64) of step t = 1..T."""
        g = gaussian_kernel1d(self.kernel_size, self.sigmas[t - 1])
        return torch.outer(g, g)

    def axis_operators(self, n: int, device=None, dtype=torch.float32) -> torch.Tensor:
        """A_t for t = 0..T along an axis of length n: a (T+1, n, n) tensor, A_0 = I.

        Computed once in float64 and cached per (n, device, dtype).
        """
        key = (n, str(torch.device(device) if device is not None else "cpu"), dtype)
        ops = self._operators.get(key)
        if ops is None:
            base = self._operators.get((n, "cpu", torch.float64))
            if base is None:
                mats = [torch.eye(n, dtype=torch.float64)]
                for s in range(1, self.T + 1):
                    K = conv_step_matrix(n, gaussian_kernel1d(self.kernel_size, self.sigmas[s - 1]),
                                         self.padding)
                    mats.append(K @ mats[-1])
                base = torch.stack(mats)
                self._operators[(n, "cpu", torch.float64)] = base
            ops = base.to(device=device, dtype=dtype)
            self._operators[key] = ops
        return ops

    def _apply(self, x0, t, state):
        B, C, H, W = x0.shape
        # float16/bfloat16 inputs are computed in float32 for accuracy, then cast back.
        cdtype = x0.dtype if x0.dtype in (torch.float32, torch.float64) else torch.float32
        x = x0.to(cdtype)
        t_lo, t_hi = int(t.min()), int(t.max())
        if t_lo == t_hi:  # one t for the whole batch (every sampler step): two plain matmuls
            out = self.axis_operators(H, x0.device, cdtype)[t_lo] @ (
                x @ self.axis_operators(W, x0.device, cdtype)[t_lo].T)
        else:
            Ah = self.axis_operators(H, x0.device, cdtype)[t]  # (B, H, H)
            Aw = self.axis_operators(W, x0.device, cdtype)[t]  # (B, W, W)
            out = Ah.unsqueeze(1) @ x @ Aw.transpose(-1, -2).unsqueeze(1)
        if self.final_mean and t_hi == self.T:
            final = (t == self.T).view(-1, 1, 1, 1)
            out = torch.where(final, x.mean(dim=(2, 3), keepdim=True).expand_as(out), out)
        return out

    def blur_loop(self, x0: torch.Tensor, t: int) -> torch.Tensor:
        """The literal definition: t successive 2-D depthwise convolutions G_t * ... * G_1 * x0.

        O(t) convolutions per call; used to test and benchmark the closed form.
        """
        C = x0.shape[1]
        x = x0
        mode = {"zeros": "constant", "circular": "circular", "reflect": "reflect"}[self.padding]
        k = self.kernel_size
        pad = ((k - 1) // 2, k - 1 - (k - 1) // 2)
        for s in range(1, t + 1):
            w = self.kernel(s).flip(0, 1).to(x0.dtype).to(x0.device)
            w = w.expand(C, 1, k, k)
            x = F.conv2d(F.pad(x, (pad[0], pad[1], pad[0], pad[1]), mode=mode), w, groups=C)
        if self.final_mean and t == self.T:
            x = x0.mean(dim=(2, 3), keepdim=True).expand_as(x0).clone()
        return x
