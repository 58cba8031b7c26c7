"""D(x0, t) and the samplers' update rules in the paper's notation, with their current values.

Every view of the explorer shows, beside its controls, the formula of the degradation D it
uses and the value of its schedule at the chosen t (:func:`formula`), the update rule of the
chosen sampler at the chosen step s (:func:`update_rule`), and the forward view plots the
schedule against t (:func:`schedule`, drawn by :func:`explorer.render.schedule_plot`).

The formulas are read off the degradation objects of ``cold.degradations`` (their public
attributes: ``sigmas`` of Blur, ``betas`` of Inpaint, ``c0``/``c1`` of Snow, ``alpha_bar`` of
the interpolations, ``size_at`` of SuperResolution), never re-derived from the preset tables,
so a model whose config overrides its preset (a shorter T, another σ schedule) is described as
it was trained.  Nothing here imports gradio; the text is markdown with HTML sub/superscripts.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

#: the samplers (``cold.sampling.METHODS``) as the paper names them
METHOD_NAMES = {"tacos": "TACoS (Algorithm 2)", "naive": "Algorithm 1", "direct": "direct R(x_T, T)"}


def sub(v) -> str:
    """``v`` as an HTML subscript (markdown of gradio renders it)."""
    return f"<sub>{v}</sub>"


def _g(v: float, digits: int = 3) -> str:
    """A number with ``digits`` significant digits, without trailing zeros."""
    return f"{float(v):.{digits}g}"


# ----------------------------------------------------------------------------- schedules
@dataclass
class Schedule:
    """A degradation's schedule against t: ``curves`` {label: values at ``t``}; a second group
    ``curves2`` (another unit) is drawn on a second y axis."""

    title: str
    t: list
    curves: dict
    ylabel: str
    curves2: dict = field(default_factory=dict)
    ylabel2: str = ""


def _kind(D) -> str:
    return getattr(D, "name", type(D).__name__.lower())


def _blur_rule(D) -> str:
    if D.schedule == "constant":
        return f"σ{sub('s')} = {_g(D.sigma)}"
    if D.schedule == "linear":
        return f"σ{sub('s')} = {_g(D.sigma_start, 4)} + {_g(D.sigma_rate)}·(s − 1)"
    return f"σ{sub('s')} = {_g(D.sigma_start, 4)}·e<sup>{_g(D.sigma_rate)}·(s − 1)</sup>"


def _blur_total(D) -> list[float]:
    """σ̄_t = √(Σ_{s≤t} σ_s²) for t = 0..T: the standard deviation of the combined kernel Ḡ_t of
    t Gaussian blurs (before truncation to the kernel size)."""
    return [0.0] + [math.sqrt(v) for v in np.cumsum(np.square(D.sigmas)).tolist()]


def _mask_fraction(D, size: int) -> list[float] | None:
    """Mean of 1 − G_t over a size×size image with a centred mask, t = 0..T (how much of the
    image the inpainting masks have taken)."""
    try:
        import torch

        T = D.T
        t = torch.arange(T + 1)
        c = torch.tensor([[size // 2, size // 2]]).expand(T + 1, 2)
        G = D.cumulative_mask(t, c, size, size, dtype=torch.float64)
        return (1 - G).flatten(1).mean(1).tolist()
    except Exception:  # an Inpaint of another version: the plot shows β_t alone
        return None


def schedule(D, size: int | None = None) -> Schedule:
    """The schedule of ``D`` against t (``size``: image side, for sizes and mask fractions)."""
    kind, T = _kind(D), int(D.T)
    ts = list(range(T + 1))
    if kind == "blur":
        return Schedule(f"blur: σ_t of the step-t kernel G_t ({D.schedule})", list(range(1, T + 1)),
                        {"σ_t (step t)": list(D.sigmas)}, "σ (px)",
                        {"σ̄_t = √(Σ σ_s²) (all t steps)": _blur_total(D)[1:]}, "σ̄ (px)")
    if kind == "inpaint":
        s = Schedule(f"inpaint: mask width β_t ({D.beta_schedule})", list(range(1, T + 1)),
                     {"β_t": list(D.betas)}, "β")
        frac = _mask_fraction(D, size or 32)
        if frac is not None:
            s.curves2 = {"masked fraction of the image": frac[1:]}
            s.ylabel2 = "fraction"
        return s
    if kind == "super_resolution":
        n = size or 32
        return Schedule("super-resolution: side n_t of the low-resolution image", ts,
                        {"n_t = ⌈n / 2^t⌉": [D.size_at(t, (n, n))[0] for t in ts]}, "px")
    if kind == "snow":
        import torch

        tt = torch.arange(1, T + 1)
        return Schedule("snow: threshold c0(t) and motion blur c1(t)", list(range(1, T + 1)),
                        {"c0(t) (threshold)": D.c0(tt, torch.float64).tolist()}, "c0",
                        {"c1(t) (blur std)": D.c1(tt, torch.float64).tolist()}, "c1 (px)")
    if kind == "desaturate":
        return Schedule("desaturation: weight of the grey image", ts,
                        {"t / T": [t / T for t in ts]}, "weight")
    if kind in ("noise", "animorph"):
        ab = D.alpha_bar.tolist()
        return Schedule(f"{kind}: cosine schedule ᾱ_t", ts,
                        {"√ᾱ_t (weight of x₀)": [math.sqrt(a) for a in ab],
                         "√(1 − ᾱ_t) (weight of z)": [math.sqrt(max(0.0, 1 - a)) for a in ab]}, "weight")
    return Schedule(f"{type(D).__name__}: severity t", ts, {"t": ts}, "t")


# ----------------------------------------------------------------------------- D(x0, t)
def formula(D, t: int | None = None, size: int | None = None) -> str:
    """Markdown: what D(x₀, t) is, in the paper's notation, and its schedule's values at ``t``."""
    kind, T = _kind(D), int(D.T)
    if kind == "blur":
        text = (f"**D(x₀, t) = G{sub('t')} ∗ ⋯ ∗ G{sub(1)} ∗ x₀** (Section 4.1): t Gaussian blurs, "
                f"each a {D.kernel_size}×{D.kernel_size} kernel G{sub('s')} with {_blur_rule(D)}, "
                f"{D.padding} padding; T = {T}.")
        if D.final_mean:
            text += (" At t = T the image is replaced by its per-channel mean: **x<sub>T</sub> is a solid "
                     "colour** (Section 5.2).")
        if t is not None:
            if t == 0:
                text += "<br>At **t = 0**: D(x₀, 0) = x₀."
            else:
                total = _g(_blur_total(D)[t], 4)
                text += (f"<br>At **t = {t}**: σ{sub(t)} = {_g(D.sigmas[t - 1], 4)} px; the {t} blurs "
                         f"together are one blur of σ̄{sub(t)} = √(Σ σ{sub('s')}²) = {total} px")
                text += " — and the mean colour replaces the image." if (D.final_mean and t == T) else "."
        return text
    if kind == "inpaint":
        var = "σ(β) = β" if D.beta_is == "std" else "σ(β)² = β"
        rule = (f"β{sub('i')} = {_g(D.beta_start)} + {_g(D.beta_step)}·(i − 1)" if D.beta_schedule == "linear"
                else f"β{sub('i')} geometric from {_g(D.betas[0])} to {_g(D.betas[-1])}")
        fill = (f"x{sub('t')} = G{sub('t')}·x₀ + (1 − G{sub('t')})·c with c a random colour"
                if D.fill == "color" else f"D(x₀, t) = x₀ · G{sub('t')}")
        text = (f"**{fill}**, G{sub('t')} = ∏{sub('i≤t')} z{sub('β_i')} (Section 4.2): Gaussian masks "
                f"z{sub('β')}(p) = 1 − exp(−‖p − p{sub('c')}‖² / 2σ(β)²) with {var}, {rule}, centre "
                f"p{sub('c')} {'random (the state)' if D.center == 'random' else 'fixed'}; T = {T}.")
        if getattr(D, "quantize_bits", None):
            text += f" x{sub('t')} is quantised to {D.quantize_bits} bits."
        if t is not None and t > 0:
            frac = _mask_fraction(D, size or 32)
            text += f"<br>At **t = {t}**: β{sub(t)} = {_g(D.betas[t - 1], 4)}"
            text += (f"; the masks have taken {100 * frac[t]:.0f}% of a centred {size or 32}-px image."
                     if frac is not None else ".")
        return text
    if kind == "super_resolution":
        n = size or 32
        text = (f"**D(x₀, t) = up(down<sup>t</sup>(x₀))** (Section 4.3): t halvings of the resolution "
                f"({D.mode}), shown at full size by nearest-neighbour upsampling; T = {T}.")
        if t is not None:
            m = D.size_at(t, (n, n))[0]
            text += f"<br>At **t = {t}**: n{sub(t)} = ⌈{n} / 2<sup>{t}</sup>⌉ = {m} px."
        return text
    if kind == "snow":
        import torch

        text = (f"**x{sub('t')} = 2·clip((x₀ + 1)/2 + S{sub('t')} + rot180(S{sub('t')}), 0, 1) − 1** "
                f"(Appendix A.5): S{sub('t')} is the seed S{sub('A')} ~ N({_g(D.mu)}, {_g(D.sigma)}²) "
                f"thresholded at c0(t) and motion-blurred with std c1(t); c0 runs linearly from "
                f"{_g(D.c0_start)} to {_g(D.c0_end)}, c1 from {_g(D.c1_start)} to {_g(D.c1_end)}; T = {T}.")
        if t is not None and t > 0:
            tt = torch.tensor([t])
            text += (f"<br>At **t = {t}**: c0 = {_g(float(D.c0(tt, torch.float64)[0]), 4)}, "
                     f"c1 = {_g(float(D.c1(tt, torch.float64)[0]), 4)} px.")
        return text
    if kind == "desaturate":
        text = (f"**D(x₀, t) = (1 − t/T)·x₀ + (t/T)·grey(x₀)** (Appendix A.4), grey(x₀) the "
                f"per-pixel channel mean; T = {T}.")
        if t is not None:
            text += f"<br>At **t = {t}**: t/T = {_g(t / T, 3)}."
        return text
    if kind in ("noise", "animorph"):
        z = ("z ~ N(0, I)" if kind == "noise"
             else f"z an image of the partner dataset ({getattr(D, 'partners_name', None) or 'partners'})")
        text = (f"**D(x₀, t) = √ᾱ{sub('t')}·x₀ + √(1 − ᾱ{sub('t')})·z**, {z}, cosine schedule "
                f"ᾱ{sub('t')} "
                f"(Section {'5.1' if kind == 'noise' else '5.3'}); T = {T}.")
        if t is not None:
            a = float(D.alpha_bar[t])
            text += f"<br>At **t = {t}**: ᾱ{sub(t)} = {_g(a, 4)}, √ᾱ{sub(t)} = {_g(math.sqrt(a), 4)}."
        return text
    return f"**D(x₀, t)** = {D!r}; T = {T}." + (f" t = {t}." if t is not None else "")


# ----------------------------------------------------------------------------- samplers
def update_rule(method: str, s: int | None = None) -> str:
    """Markdown: the update rule of ``method`` (``"tacos"``, ``"naive"``, ``"direct"``), with the
    step number substituted when ``s`` is given (the step from x_s to x_{s−1})."""
    if s is None or s < 1:
        a, b = "s", "s−1"
    else:
        a, b = str(s), str(s - 1)
    if method == "direct":
        return f"**direct**: x̂₀ = R(x{sub('t')}, t) — one call, no iteration."
    if method == "naive":
        return f"**Algorithm 1**: x̂₀ = R(x{sub(a)}, {a}); x{sub(b)} = D(x̂₀, {b})"
    if method == "tacos":
        return (f"**TACoS**: x̂₀ = R(x{sub(a)}, {a}); "
                f"x{sub(b)} = x{sub(a)} − D(x̂₀, {a}) + D(x̂₀, {b})")
    raise ValueError(f"unknown method {method!r}")


def generation_start(prior, noise_std: float) -> str:
    """Markdown: how x_T is drawn (the prior of Section 5.2) and the symmetry it has."""
    name = type(prior).__name__
    if name == "MeanColorGMM":
        k = prior.n_components
        what = (f"c ~ GMM with {k} component{'s' if k > 1 else ''} fitted to the mean colours of the "
                f"training images")
        start = f"x{sub('T')} = c (every pixel) + {_g(noise_std)}·ε, ε ~ N(0, I)"
    else:
        what = f"drawn from the fitted prior {name}"
        start = f"x{sub('T')} {what} + {_g(noise_std)}·ε"
        what = ""
    sym = ("perfect symmetry (every pixel equal)" if noise_std == 0
           else f"broken symmetry (noise std {_g(noise_std)})")
    return f"**{start}**" + (f", {what}" if what else "") + f" — {sym}."
