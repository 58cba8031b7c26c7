"""Desaturation (colorization task), Appendix A.4.

One step is the 1×1 convolution z(α) = α·M + (1 - α)·I, where M averages the channels
(every row of M is (1/C, ..., 1/C)).  Since M is idempotent, composing steps multiplies the
"keep" factors: z(a)·z(b) = z(1 - (1-a)(1-b)).  The appendix's schedule is chosen so that

    x_t = z(α_t) * ... * z(α_1) * x0 = z(t/T) * x0,

which the per-step ratios α_s = 1 / (T - s + 1) achieve.  D computes the closed form
z(t/T) * x0 directly; :meth:`Desaturate.desaturate_loop` applies the t single steps.
x_T is the grey image (every channel equal to the channel mean).
"""
from __future__ import annotations

import torch

from .base import Degradation


class Desaturate(Degradation):
    """D(x0, t) = z(t/T) * x0: blend each pixel towards its channel mean (Appendix A.4).

    Args:
        T: number of steps (50 for CIFAR-10, 20 for CelebA).
    """

    name = "desaturate"
    random = False

    def __init__(self, T: int = 50):
        super().__init__(T)

    def step_alpha(self, s: int) -> float:
        """The per-step ratio α_s = 1 / (T - s + 1) of the s-th 1×1 filter z(α_s)."""
        return 1.0 / (self.T - s + 1)

    @staticmethod
    def filter_matrix(alpha: float, C: int, dtype=torch.float64) -> torch.Tensor:
        """The C×C matrix of the 1×1 filters z(α): rows z^c(α) = α(1/C, ...) + (1-α) e_c."""
        return alpha * torch.full((C, C), 1.0 / C, dtype=dtype) + (1 - alpha) * torch.eye(C, dtype=dtype)

    def _apply(self, x0, t, state):
        a = (t.to(torch.float64) / self.T).to(x0.dtype).view(-1, 1, 1, 1)
        grey = x0.mean(dim=1, keepdim=True)
        return (1 - a) * x0 + a * grey

    def desaturate_loop(self, x0: torch.Tensor, t: int) -> torch.Tensor:
        """The literal definition: t successive 1×1 convolutions z(α_1), ..., z(α_t)."""
        x = x0
        C = x0.shape[1]
        for s in range(1, t + 1):
            w = self.filter_matrix(self.step_alpha(s), C).to(x0.dtype).to(x0.device)
            x = torch.nn.functional.conv2d(x, w.view(C, C, 1, 1))
        return x
