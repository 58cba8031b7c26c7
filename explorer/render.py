"""What the explorer shows, as text, captions and plots: rendering of :mod:`explorer.core`'s results.

:mod:`explorer.core` computes (tensors, numpy arrays, dataclasses); this module turns them into
what a view displays -- markdown (the model card, preset and step captions, notices), captioned
galleries and the distance plot of view 2 -- and :mod:`explorer.app` places them on the page.
Nothing here imports gradio, so the rendering can be tested without it.
"""
from __future__ import annotations

import json

import numpy as np

from .core import MAX_PIXELS, Generation, ModelCard, SampleGrid, display

#: size (px, long side) of gallery thumbnails
THUMBNAIL = 128


# ----------------------------------------------------------------------------- notices
def no_models(model_dir) -> str:
    """The notice shown in place of a view that needs models when the model directory has none."""
    return (f"**No models found in `{model_dir}`.** Train and export one "
            f"(`cold train mnist-blur`, then `cold.checkpoint.export`) or start with "
            f"`--model-dir DIR`.")


def upload_limits(max_upload_mb: float) -> str:
    """The upload rules of view 4 (what is accepted and how it is converted)."""
    return (f"Uploads: any format PIL reads, at most {max_upload_mb:g} MB and "
            f"{MAX_PIXELS / 1e6:g} Mpixel; converted to the model's channels and size "
            f"(centre square crop, resized).")


# ----------------------------------------------------------------------------- view 1: forward
def preset_info(preset: str, D, geometry: tuple[int, int]) -> str:
    """One line on a degradation preset: D, its T, the size x_t is shown at, random or not."""
    C, S = geometry
    kind = "random (state drawn from the seed; try *New state*)" if D.random else "deterministic"
    return f"`{preset}`: {D!r} — T = {D.T}, shown at {C}×{S}×{S}, {kind}."


def gallery(frames, prefix: str = "s", size: int = THUMBNAIL) -> list[tuple[np.ndarray, str]]:
    """(step, image) pairs -- a filmstrip (t, x_t) or a trajectory (s, x_s) -- as captioned
    thumbnails ``"t=…"`` / ``"s=…"``."""
    return [(display(x, size), f"{prefix}={s}") for s, x in frames]


# ----------------------------------------------------------------------------- view 2: compare
def step_caption(T: int, s: int, dist: dict) -> str:
    """The caption of step s: ‖x_s − D(x₀, s)‖ for Algorithm 1 and TACoS."""
    return (f"s = {s} of T = {T} — ‖x_s − D(x₀, s)‖: Algorithm 1 "
            f"{dist['naive'][s]:.3f}, TACoS {dist['tacos'][s]:.3f}")


def distance_plot(dist: dict, s: int | None = None):
    """‖x_s − D(x₀, s)‖₂ against s for both samplers (the argument of the paper's Figure 2), with
    a marker at step ``s``; a matplotlib ``Figure`` (no pyplot state)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 3.2), dpi=100)
    ax = fig.add_subplot()
    ax.plot(dist["s"], dist["naive"], label="Algorithm 1 (naive)", color="tab:red")
    ax.plot(dist["s"], dist["tacos"], label="TACoS (Algorithm 2)", color="tab:blue")
    if s is not None:
        ax.axvline(s, color="grey", lw=1, ls="--")
    ax.set_xlabel("step s")
    ax.set_ylabel("‖x_s − D(x₀, s)‖₂")
    ax.invert_xaxis()  # sampling runs from s = T down to 0
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- view 3: generate
def generated_gallery(g: Generation, size: int = THUMBNAIL) -> list[tuple[np.ndarray, str]]:
    """The generated images as thumbnails captioned ``#0``, ``#1`` …"""
    return [(display(x, size), f"#{i}") for i, x in enumerate(g.images)]


# ----------------------------------------------------------------------------- view 5: model card
def sample_grid_caption(grid: SampleGrid) -> str:
    """What a sample grid shows (a shipped PNG, or one computed now)."""
    if grid.source == "file":
        return f"`{grid.path}`"
    if grid.source == "generation":
        return (f"top row x_T (GMM colour + noise {grid.noise_std:g}), bottom row TACoS samples "
                f"(seed {grid.seed})")
    return "columns: degraded x_T | direct R(x_T, T) | TACoS | original (test images)"


def model_card_rows(card: ModelCard) -> list[tuple[str, object]]:
    """(property, value) rows summarising a model; rows the config does not fill are left out."""
    c = card.config
    meta = c.get("meta") or {}
    d = c["data"]
    rows = [("name", c.get("name", card.name)), ("section of the paper", c.get("section")),
            ("scale", c.get("scale")), ("training steps", c.get("step")),
            ("data", f"{d.get('dataset')} ({d.get('split')}), {d.get('channels')}x"
                     f"{d.get('image_size')}x{d.get('image_size')}"),
            ("degradation preset", c["degradation"]["preset"]),
            ("degradation", card.degradation), ("T", card.T),
            ("U-Net", json.dumps(c.get("model"))), ("parameters", f"{card.n_params:,}"),
            ("weights", ("EMA" if card.ema else "online") + f", stored as {c.get('weights_dtype', 'float32')}"),
            ("prior", card.prior or "none (restoration model)"),
            ("hardware", meta.get("hardware")), ("training wall time (s)", meta.get("wall_time_s")),
            ("final loss", meta.get("final_loss"))]
    return [(k, v) for k, v in rows if v is not None]


def model_card_markdown(card: ModelCard) -> str:
    """The model card as markdown: the model's README.md when it ships one, followed by the
    config table (else a heading, the table and the config's notes), and the grid's caption."""
    table = "| property | value |\n|---|---|\n" + "\n".join(
        f"| {k} | {v} |" for k, v in model_card_rows(card))
    if card.readme is not None:
        md = card.readme + "\n\n---\n\n### Config\n\n" + table + "\n"
    else:
        md = f"## {card.name}\n\n{table}\n"
        if card.config.get("notes"):
            md += f"\n*Notes:* {card.config['notes']}\n"
    return md + f"\n*Sample grid:* {sample_grid_caption(card.grid)}\n"
