"""The paper's Degraded columns, reproduced: D(x0, T) against x0 with no network at all.

Every restoration table of the paper (Tables 1-4 and 6) has a **Degraded** column: SSIM and
RMSE of x_T = D(x0, T) against the clean test image x0.  It depends on the degradation D alone,
so it is the one number any implementation can match exactly, with no training; this module
measures it for every preset whose dataset is on disk and puts it beside the paper's.

Metrics are computed as the authors' test code does (and as :mod:`cold.metrics` does
everywhere in this project): images in [0, 1] (x_T clipped), **RMSE over the whole set**
(the square root of the mean squared difference over all pixels, channels and images), SSIM
with an 11x11 Gaussian window (σ 1.5) averaged over images.  The mean of per-image RMSEs is
reported as well; it is smaller (Jensen) and the paper does not use it.

The test images are the whole test split, as in the paper (10,000 images for MNIST and CIFAR-10;
all eight presets take about 20 s on 2 CPU cores), or ``n`` images evenly spaced over it, the
subset ``cold evaluate`` scores (:func:`cold.build.test_indices`; the CIFAR-10 test split is sorted by
class, so its first images would all be airplanes); random degradations draw their
state from one seeded generator.  ``cold fidelity`` prints the table and writes it to
``reports/fidelity/``.  See docs/fidelity.md for every point where the paper's text, the
authors' code and this project differ.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch

#: preset -> (paper table, paper's Degraded SSIM, paper's Degraded RMSE).  MNIST blur's SSIM is
#: printed as 0.287 in Table 1, the same digits as its RMSE: a typo (any blur to a flat image
#: has SSIM near 0); it is kept here as printed and not compared.
PAPER_DEGRADED: dict[str, tuple[str, float, float]] = {
    "mnist-blur": ("Table 1", 0.287, 0.287),
    "cifar10-blur": ("Table 1", 0.315, 0.136),
    "mnist-inpaint": ("Table 2", 0.490, 0.262),
    "cifar10-inpaint": ("Table 2", 0.615, 0.143),
    "mnist-super_resolution": ("Table 3", 0.178, 0.231),
    "cifar10-super_resolution": ("Table 3", 0.279, 0.146),
    "cifar10-snow": ("Table 4", 0.419, 0.327),
    "cifar10-desaturate": ("Table 6", 0.937, 0.078),
}

#: presets whose printed SSIM is not comparable (see :data:`PAPER_DEGRADED`)
SSIM_TYPO = {"mnist-blur"}

#: relative tolerance on the RMSE that the fidelity tests and the table's verdict use
RMSE_TOLERANCE = 0.10


@dataclass
class DegradedRow:
    """One row of the fidelity table."""

    preset: str
    table: str
    dataset: str
    image_size: int
    T: int
    n: int
    ssim: float
    rmse: float
    rmse_per_image: float
    paper_ssim: float
    paper_rmse: float

    @property
    def rmse_rel_error(self) -> float:
        return abs(self.rmse - self.paper_rmse) / self.paper_rmse

    @property
    def within_tolerance(self) -> bool:
        return self.rmse_rel_error <= RMSE_TOLERANCE

    def to_dict(self) -> dict:
        d = asdict(self)
        d.update(rmse_rel_error=self.rmse_rel_error, within_tolerance=self.within_tolerance)
        return d


def test_images(preset: str, n: int | None = None) -> torch.Tensor:
    """The test split of the training preset's dataset at its size, in [-1, 1]: all of it
    (``n=None``, the paper's protocol), or ``n`` images evenly spaced over it (the evaluation
    subset of :func:`cold.build.test_images`)."""
    import sys

    from .build import test_images as held_out_images
    from .presets import preset_config

    return held_out_images(preset_config(preset, "paper"), sys.maxsize if n is None else n)


def degraded_metrics(preset: str, x0: torch.Tensor, seed: int = 0) -> dict:
    """SSIM, set RMSE and mean per-image RMSE of D(x0, T) against x0 for degradation ``preset``."""
    from . import metrics
    from .degradations import degradation_preset

    D = degradation_preset(preset)
    state = D.sample_state(x0, torch.Generator().manual_seed(seed))
    x_T = D(x0, D.T, state)
    a = ((x0.double() + 1) / 2).clamp(0, 1)
    b = ((x_T.double() + 1) / 2).clamp(0, 1)
    per_image = ((a - b) ** 2).mean(dim=(1, 2, 3)).sqrt().mean()
    return dict(ssim=float(metrics.ssim(a, b)), rmse=float(metrics.rmse(a, b)),
                rmse_per_image=float(per_image), T=int(D.T))


def degraded_row(preset: str, n: int | None = None, seed: int = 0) -> DegradedRow:
    """The fidelity row of ``preset`` on its whole test split, or ``n`` images of it (raises if
    its dataset is missing)."""
    from .presets import preset_config

    if preset not in PAPER_DEGRADED:
        raise ValueError(f"no Degraded column in the paper for {preset!r}; choose one of "
                         f"{', '.join(PAPER_DEGRADED)}")
    table, p_ssim, p_rmse = PAPER_DEGRADED[preset]
    d = preset_config(preset, "paper")["data"]
    x0 = test_images(preset, n)
    m = degraded_metrics(preset, x0, seed)
    return DegradedRow(preset=preset, table=table, dataset=d["dataset"], image_size=int(d["image_size"]),
                       T=m["T"], n=int(x0.shape[0]), ssim=m["ssim"], rmse=m["rmse"],
                       rmse_per_image=m["rmse_per_image"], paper_ssim=p_ssim, paper_rmse=p_rmse)


def fidelity_table(n: int | None = None, seed: int = 0, presets=None, progress=None):
    """Rows for every preset (default: all of :data:`PAPER_DEGRADED`) whose dataset is available.

    Returns ``(rows, skipped)`` with ``skipped`` a dict preset -> reason (dataset missing).
    """
    rows, skipped = [], {}
    for preset in presets or PAPER_DEGRADED:
        try:
            rows.append(degraded_row(preset, n, seed))
        except FileNotFoundError as e:
            skipped[preset] = str(e)
        if progress:
            progress(preset)
    return rows, skipped


def _fmt(x: float) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3f}"


def table_markdown(rows: list[DegradedRow], skipped: dict | None = None) -> str:
    """The fidelity table as markdown: ours beside the paper's, with the RMSE gap."""
    lines = [
        "| preset | paper | data | T | N | SSIM (ours) | SSIM (paper) | RMSE (ours) | RMSE (paper) "
        "| RMSE gap | within 10% | mean per-image RMSE |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in rows:
        paper_ssim = f"{r.paper_ssim:.3f}" + (" (typo)" if r.preset in SSIM_TYPO else "")
        lines.append(
            f"| `{r.preset}` | {r.table} | {r.dataset} {r.image_size} px | {r.T} | {r.n} "
            f"| {_fmt(r.ssim)} | {paper_ssim} | {_fmt(r.rmse)} | {r.paper_rmse:.3f} "
            f"| {100 * (r.rmse - r.paper_rmse) / r.paper_rmse:+.1f}% | {'yes' if r.within_tolerance else '**no**'} "
            f"| {_fmt(r.rmse_per_image)} |")
    for preset, why in (skipped or {}).items():
        table, p_ssim, p_rmse = PAPER_DEGRADED[preset]
        lines.append(f"| `{preset}` | {table} | not on disk | | | | {p_ssim:.3f} | | {p_rmse:.3f} | | skipped | |")
    return "\n".join(lines) + "\n"
