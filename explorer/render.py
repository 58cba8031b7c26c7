"""What the explorer shows, as text, captions and plots: rendering of :mod:`explorer.core`'s results.

:mod:`explorer.core` computes (tensors, numpy arrays, dataclasses); this module turns them into
what a view displays -- markdown (the model card, formulas with their current values, step
captions, notices), captioned galleries and matplotlib figures (the schedule of D, the distance
plot of view 2, the fitted GMM of view 3) -- and :mod:`explorer.app` places them on the page.
Nothing here imports gradio, so the rendering can be tested without it.
"""
from __future__ import annotations

import json
import math

import numpy as np

from . import formulas
from .core import AMPLIFY, MAX_PIXELS, Generation, ModelCard, SampleGrid, clean_readme, display

#: size (px, long side) of gallery thumbnails
THUMBNAIL = 128
#: colours of the samplers in plots
NAIVE_COLOR, TACOS_COLOR = "tab:red", "tab:blue"


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
def source_label(source: str, T: int | None = None) -> str:
    """How a degradation source is listed: ``model:NAME`` -> "NAME (shipped model, T = …)"."""
    from .core import MODEL_PREFIX

    if source.startswith(MODEL_PREFIX):
        return f"{source[len(MODEL_PREFIX):]} — model's D" + (f" (T = {T})" if T is not None else "")
    return f"{source} — paper preset" + (f" (T = {T})" if T is not None else "")


def forward_info(source: str, D, geometry: tuple[int, int], t: int) -> str:
    """The formula of D with its values at t, the size x_t is shown at, random or not."""
    C, S = geometry
    kind = "random (state drawn from the seed; try *New state*)" if D.random else "deterministic"
    what = (f"the D model `{source.split(':', 1)[1]}` was trained with" if source.startswith("model:")
            else f"preset `{source}` (the paper's configuration)")
    return (formulas.formula(D, t, S) +
            f"<br><small>D: {what}; x₀ shown at {C}×{S}×{S}; {kind}.</small>")


def preset_info(preset: str, D, geometry: tuple[int, int]) -> str:
    """One paragraph on a degradation preset: its formula, T, the size x_t is shown at."""
    return forward_info(preset, D, geometry, 0)


def gallery(frames, prefix: str = "s", size: int = THUMBNAIL) -> list[tuple[np.ndarray, str]]:
    """(step, image) pairs -- a filmstrip (t, x_t) or a trajectory (s, x_s) -- as captioned
    thumbnails ``"t=…"`` / ``"s=…"``."""
    return [(display(x, size), f"{prefix}={s}") for s, x in frames]


def schedule_plot(D, size: int | None = None, t: int | None = None):
    """The schedule of D against t (σ_t of blur, β_t of inpainting, ᾱ_t of noise …; see
    :func:`explorer.formulas.schedule`), with a marker at ``t``; a matplotlib ``Figure``."""
    from matplotlib.figure import Figure

    sc = formulas.schedule(D, size)
    fig = Figure(figsize=(6, 2.8), dpi=100)
    ax = fig.add_subplot()
    lines = []
    for (label, values), color in zip(sc.curves.items(), ("tab:blue", "tab:orange", "tab:green")):
        lines += ax.plot(sc.t, values, color=color, label=label, lw=1.8)
    ax.set_xlabel("t")
    ax.set_ylabel(sc.ylabel)
    if sc.curves2:
        ax2 = ax.twinx()
        for (label, values), color in zip(sc.curves2.items(), ("tab:purple", "tab:brown")):
            lines += ax2.plot(sc.t, values, color=color, label=label, lw=1.4, ls="--")
        ax2.set_ylabel(sc.ylabel2)
    if t is not None:
        ax.axvline(t, color="grey", lw=1, ls=":")
    ax.set_title("the schedule of D — " + sc.title, fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(lines, [ln.get_label() for ln in lines], loc="best", fontsize=7)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- view 2: compare
def look_for(kind: str, T: int, dist: dict | None = None) -> str:
    """One sentence under the comparison view: what to look for.  ``kind``: "generation" (x_T
    drawn from the prior; the yardstick is the TACoS sample's path) or "restoration" (x_T =
    D(x₀, T); the yardstick is x₀'s path; also a generation model given an x₀)."""
    if kind == "generation" and (dist is None or dist.get("reference", "") != "x₀"):
        return ("**What to look for:** both samplers start from the same solid colour x<sub>T</sub>; "
                "TACoS draws an image out of it, while Algorithm 1 ends in a blob or the same "
                "stroke whatever the colour (the paper's Figure 2) — and its RMSE to the TACoS "
                "path D(x̂, s) keeps growing as s goes to 0.")
    gap = ""
    if dist:
        a, b = dist["naive"][0], dist["tacos"][0]
        gap = (f" Here, at s = 0: Algorithm 1 {a:.3f}, TACoS {b:.3f}"
               + (" — a small gap: this blur is mild, so both samplers look alike." if abs(a - b) < 0.02 else "."))
    return ("**What to look for:** the RMSE between x<sub>s</sub> and the true path D(x₀, s): "
            "TACoS stays on it, Algorithm 1 drifts off as s goes to 0, and the amplified "
            "|x<sub>s</sub> − D(x₀, s)| images show where." + gap)


def step_caption(T: int, s: int, dist: dict, D=None, size: int | None = None) -> str:
    """The caption of step s: the RMSE of x_s to D(reference, s) for both samplers, and the
    update rules with s substituted (and D's schedule value at s when ``D`` is given)."""
    ref = "x₀" if dist.get("reference", "x₀") == "x₀" else "x̂"
    text = (f"**s = {s}** of T = {T} — rmse(x<sub>s</sub>, D({ref}, s)) in [0, 1] units: "
            f"Algorithm 1 **{dist['naive'][s]:.4f}**, TACoS **{dist['tacos'][s]:.4f}**")
    if s > 0:
        text += ("<br>" + formulas.update_rule("naive", s) + "<br>" + formulas.update_rule("tacos", s))
    else:
        text += "<br>s = 0: the results."
    if D is not None and s > 0:
        text += "<br><small>" + formulas.formula(D, s, size).split("<br>")[-1] + "</small>"
    return text


def distance_plot(dist: dict, s: int | None = None):
    """rmse(x_s, D(reference, s)) against s for both samplers (the argument of the paper's
    Figure 2), with a marker at step ``s``; a matplotlib ``Figure`` (no pyplot state)."""
    from matplotlib.figure import Figure

    ref = "x₀" if dist.get("reference", "x₀") == "x₀" else "x̂ (TACoS sample)"
    fig = Figure(figsize=(6, 3.2), dpi=100)
    ax = fig.add_subplot()
    ax.plot(dist["s"], dist["naive"], label="Algorithm 1", color=NAIVE_COLOR)
    ax.plot(dist["s"], dist["tacos"], label="TACoS (Algorithm 2)", color=TACOS_COLOR)
    if s is not None:
        ax.axvline(s, color="grey", lw=1, ls="--")
    ax.set_xlabel("step s")
    ax.set_ylabel(f"RMSE to D({ref}, s)")
    ax.invert_xaxis()  # sampling runs from s = T down to 0
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- view 3: generate
def generated_gallery(g: Generation, size: int = THUMBNAIL) -> list[tuple[np.ndarray, str]]:
    """The generated images as thumbnails captioned ``#0``, ``#1`` …"""
    return [(display(x, size), f"#{i}") for i, x in enumerate(g.images)]


def generation_info(prior, noise_std: float, method: str, D, size: int | None = None) -> str:
    """How view 3 generates: x_T from the prior, the two symmetries, the sampler's update rule
    and D."""
    return (formulas.generation_start(prior, noise_std) +
            f" Perfect symmetry uses noise 0, broken symmetry noise {noise_std:g}, from the same "
            f"colours.<br>" + formulas.update_rule(method) +
            "<br><small>" + formulas.formula(D, None, size) + "</small>")


def _gauss_pdf(x, mean, var):
    return np.exp(-(x - mean) ** 2 / (2 * var)) / math.sqrt(2 * math.pi * var)


def gmm_plot(pc, drawn=None):
    """The fitted GMM of mean colours (one panel per channel: the marginal density, against a
    histogram of ``pc.data``, the training set's mean colours when available), with the drawn
    colours ``drawn`` (n, C) in [-1, 1] marked; a matplotlib ``Figure``."""
    from matplotlib.figure import Figure

    import textwrap

    C = pc.means.shape[1]
    names = ["grey level"] if C == 1 else ["red", "green", "blue"][:C]
    fig = Figure(figsize=(6.4, 2.9 if C == 1 else 2.7), dpi=100)
    axes = fig.subplots(1, C, squeeze=False)[0]
    for c, ax in enumerate(axes):
        # the range that holds the GMM (±4 std), the data and the drawn colours, within [-1, 1]
        sd = np.sqrt(pc.covariances[:, c, c])
        lo, hi = float((pc.means[:, c] - 4 * sd).min()), float((pc.means[:, c] + 4 * sd).max())
        for v in (pc.data[:, c] if pc.data is not None and len(pc.data) else [],
                  np.asarray(drawn)[:, c] if drawn is not None else []):
            if len(v):
                lo, hi = min(lo, float(np.min(v))), max(hi, float(np.max(v)))
        lo, hi = max(-1.0, lo - 0.02), min(1.0, hi + 0.02)
        x = np.linspace(lo, hi, 400)
        if pc.data is not None and len(pc.data):
            ax.hist(pc.data[:, c], bins=60 if len(pc.data) > 200 else 12, range=(lo, hi), density=True,
                    color="0.8", label="data")
        pdf = sum(w * _gauss_pdf(x, m[c], cov[c, c]) for w, m, cov in zip(pc.weights, pc.means, pc.covariances))
        ax.plot(x, pdf, color="tab:blue", lw=1.6, label="fitted GMM")
        if drawn is not None:
            for v in np.asarray(drawn)[:, c]:
                ax.axvline(v, color="tab:red", lw=1, alpha=0.8)
            ax.plot([], [], color="tab:red", lw=1, label="drawn colours")
        ax.set_xlim(lo, hi)
        ax.set_xlabel(f"mean {names[c]} of the image (in [−1, 1])", fontsize=8)
        ax.set_yticks([])
        ax.tick_params(labelsize=7)
    axes[0].legend(fontsize=7, loc="upper left")
    fig.suptitle("\n".join(textwrap.wrap("The prior of x_T: the fitted GMM (blue); grey: " + pc.data_source, 95)),
                 fontsize=8)
    fig.tight_layout()
    return fig


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
    """The model card as markdown: the model's README.md when it ships one (its own table; image
    links to files beside it replaced, since the grid is shown next to the card), else a heading,
    the config table and the config's notes; then the grid's caption.  One table either way."""
    if card.readme is not None:
        md = clean_readme(card.readme).rstrip() + "\n"
        return md + f"\n*Sample grid (shown beside this card):* {sample_grid_caption(card.grid)}\n"
    else:
        table = "| property | value |\n|---|---|\n" + "\n".join(
            f"| {k} | {v} |" for k, v in model_card_rows(card))
        md = f"## {card.name}\n\n{table}\n"
        if card.config.get("notes"):
            md += f"\n*Notes:* {card.config['notes']}\n"
    return md + f"\n*Sample grid:* {sample_grid_caption(card.grid)}\n"


def amplified_label() -> str:
    """Label of the amplified difference images of view 2."""
    return f"|x_s − D(·, s)| × {AMPLIFY} (white ≥ {1 / AMPLIFY:g})"
