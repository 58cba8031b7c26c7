"""Image grids as in the paper's figures: one column per stage (degraded | direct | TACoS | original)."""
from __future__ import annotations

from pathlib import Path

import torch

from .sampling import sample
from .utils import atomic_path

__all__ = ["save_grid", "sample_grid"]


def save_grid(rows: list[torch.Tensor], path: Path, pad: int = 1) -> None:
    """Save a grid atomically: one column per tensor in ``rows`` (each (N, C, H, W) in [-1, 1]), N rows."""
    import torchvision.utils as vutils

    cols = [r.detach().float().cpu().clamp(-1, 1) for r in rows]
    n = cols[0].shape[0]
    tiles = torch.stack(cols, dim=1).reshape(n * len(cols), *cols[0].shape[1:])
    with atomic_path(path, suffix=".png") as tmp:
        vutils.save_image((tiles + 1) / 2, tmp, nrow=len(cols), padding=pad, pad_value=1.0)


@torch.no_grad()
def sample_grid(R, D, x0: torch.Tensor, seed: int = 0, t: int | None = None):
    """The columns degraded D(x0, t) | direct R(x_t, t) | TACoS | original x0 (t defaults to T)."""
    t = D.T if t is None else t
    g = torch.Generator().manual_seed(seed)
    state = D.sample_state(x0, generator=g)
    x_t = D(x0, t, state)
    direct = sample(R, D, x_t, t, method="direct", state=state)
    tacos = sample(R, D, x_t, t, method="tacos", state=state)
    return [x_t, direct, tacos, x0]
