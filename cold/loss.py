"""The training objective of cold diffusion (Section 3.1), as a callable the trainer just calls.

    min_θ  E_{x0, t} ‖ R_θ(D(x0, t), t) - x0 ‖_p ,      t ~ U{1, ..., T},

each image with its own severity t and its own degradation state (mask centre, snow pattern,
noise, partner image...).  :class:`ColdLoss` draws t and the state from the generator it is
given, builds x_t = D(x0, t) without gradients and returns the mean ℓ_p error of x̂0 = R(x_t, t).
The trainer (:func:`cold.training.train`) knows nothing about degradations: it hands each
micro-batch of clean images and a seeded generator to the loss and back-propagates the result,
so a different objective (another ℓ_p, a weighting over t, x_t noise augmentation...) is a
different callable with the same signature, ``loss(R, x0, generator) -> scalar tensor``.
"""
from __future__ import annotations

import torch

__all__ = ["ColdLoss"]


class ColdLoss:
    """``loss(R, x0, generator)`` = mean |R(D(x0, t), t) - x0|^p with t ~ U{1..T} per image.

    Args:
        D: the degradation (anything with ``T``, ``__call__(x0, t, state)``, ``sample_state``).
        p: 1 (the paper's ℓ1, the default) or 2.
        channels_last: feed x_t to R in ``channels_last`` memory format.

    The generator is a CPU ``torch.Generator``; t and the state are drawn from it in that order,
    so a seeded generator gives the same t, state and x_t on every device.
    """

    def __init__(self, D, p: int = 1, channels_last: bool = False):
        if p not in (1, 2):
            raise ValueError(f"ColdLoss: p must be 1 or 2, got {p!r}")
        self.D, self.p, self.channels_last = D, int(p), bool(channels_last)

    def degrade(self, x0: torch.Tensor, generator: torch.Generator | None = None):
        """(x_t, t) for a batch of clean images: t ~ U{1..T} per image, a fresh state per image."""
        D = self.D
        t = torch.randint(1, D.T + 1, (x0.shape[0],), generator=generator).to(x0.device)
        state = D.sample_state(x0, generator=generator)
        with torch.no_grad(), torch.autocast(x0.device.type, enabled=False):  # D in full precision
            x_t = D(x0, t, state)
        if self.channels_last:
            x_t = x_t.contiguous(memory_format=torch.channels_last)
        return x_t, t

    def __call__(self, R, x0: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        x_t, t = self.degrade(x0, generator)
        err = R(x_t, t).float() - x0.float()  # x̂0 - x0
        return err.abs().mean() if self.p == 1 else err.pow(2).mean()
