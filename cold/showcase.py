"""What a shipped generation model shows: Figure 2 of the paper, measured.

``cold showcase MODEL [--n 1000]`` samples N images with direct reconstruction,
Algorithm 1 and TACoS from the *same* N starting points x_T (the model's prior, its
``noise_std``), and writes into the model's folder (``models/MODEL/``):

* ``showcase.json`` -- every number below, with N, seed, steps, hardware and wall time;
* ``showcase.md``   -- the table, inserted into the model card (README.md) between markers:
  FID / KID at N against N test images (:func:`cold.evaluate.evaluate_generation`), the
  fraction of ink pixels, the centred-cosine similarity to the nearest training image and, for
  digits, the recognisability by a small MNIST classifier (:mod:`cold.judges`) -- each next to
  the same measure on N real test images;
* ``figure2.png``   -- the trajectories x_s of Algorithm 1 and TACoS from the same x_T (the
  paper's Figure 2): rows alternate Algorithm 1 / TACoS, columns go from s = T to the result;
* ``nearest.png``   -- each TACoS sample above its nearest training image (centred cosine);
* ``diversity.png`` -- TACoS samples from the same grey levels with more per-pixel noise in x_T
  (the "broken symmetry" of Section 5.2), one column per noise level (:data:`DIVERSITY_NOISE`
  and the model's own).

It reads the training and test images from the data directory (``COLD_DATA_DIR``).
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import torch

from . import judges
from .build import build_datasets, images_at
from .checkpoint import load
from .degradations.base import index_state
from .evaluate import evaluate_generation, test_images
from .grids import save_grid
from .sampling import sample
from .utils import atomic_write_text, hardware

__all__ = ["showcase", "trajectories", "DIVERSITY_NOISE"]

BEGIN, END = "<!-- showcase: begin -->", "<!-- showcase: end -->"
#: per-pixel noise added to x_T in the diversity figure (0.002 is the paper's broken symmetry)
DIVERSITY_NOISE = (0.0, 0.002, 0.01, 0.03)
#: images per sampler for the perfect-symmetry rows (measures only, no FID)
PERFECT_N = 250
NAMES = {"direct": "Direct R(x_T, T)", "naive": "Algorithm 1", "tacos": "TACoS"}


@torch.no_grad()
def trajectories(m, x_T: torch.Tensor, method: str, stops: list[int], state=None) -> list[torch.Tensor]:
    """x_s at each s of ``stops`` (descending, s = T is x_T) and the final sample, for one sampler."""
    seen = {}

    def keep(s, x_s, x0_hat):
        if s in stops:
            seen[s] = x_s.clone()

    out = sample(m.model, m.degradation, x_T, m.degradation.T, method=method, state=state, callback=keep)
    return [seen[s] for s in stops] + [out]


def _training_images(m) -> torch.Tensor:
    ds, _ = build_datasets(dict(m.config, data=dict(m.config["data"], augment=False)))
    return images_at(ds, range(len(ds)))


def _measures(x: torch.Tensor, train: torch.Tensor, digits: bool, net) -> dict:
    sim, idx = judges.nearest_centred_cosine(x, train)
    out = dict(ink_fraction=float(judges.ink_fraction(x).mean()),
               nearest_cosine=float(sim.mean()),
               distinct_nearest=int(idx.unique().numel()))
    if digits:
        out["recognisability"] = judges.recognisability(x, net)[0]
    return out


def _fmt(v, digits=3):
    return "—" if v is None else (f"{v:.{digits}f}" if isinstance(v, float) else str(v))


def showcase(model: str, n: int = 1000, seed: int = 0, out: str | Path | None = None,
             batch_size: int = 100, progress: bool = True, features=None) -> dict:
    """Measure a generation model as described in the module docstring; returns the results.

    ``features`` replaces the FID Inception network (see :func:`cold.evaluate.evaluate_generation`;
    tests pass a cheap one)."""
    t0 = time.perf_counter()
    m = load(model)
    if m.prior is None:
        raise ValueError(f"showcase: {model} is a restoration model; it needs a generation prior")
    out = Path(out) if out is not None else m.path
    D, T = m.degradation, m.degradation.T
    noise = float((m.config.get("prior") or {}).get("noise_std", 0.0))
    digits = m.config["data"]["dataset"] == "mnist"
    net = judges.load_digit_classifier() if digits else None

    ev = evaluate_generation(m, n=n, noise_stds=(noise,), seed=seed, batch_size=batch_size,
                             progress=progress, keep_images=True, features=features)
    n = ev["meta"]["N"]
    train = _training_images(m)
    real, _ = test_images(m, n)
    rows = [dict(method="real", name=f"real test images (N = {n})", fid=None, kid_mean=None,
                 **_measures(real, train, digits, net))]
    samples = {}
    for r in ev["rows"]:
        x = ev["images"][(r["setting"], r["method"])] * 2 - 1
        samples[r["method"]] = x
        rows.append(dict(method=r["method"], name=NAMES[r["method"]], fid=r["fid"], kid_mean=r["kid_mean"],
                         **_measures(x, train, digits, net)))

    # perfect symmetry (no noise in x_T): the measures only, on fewer images (no FID)
    if noise > 0:
        n0 = min(n, PERFECT_N)
        g = torch.Generator().manual_seed(seed)
        x_T0, state0 = m.prior.start(D, n0, m.image_shape, noise_std=0.0, generator=g)
        for meth in ("naive", "tacos"):
            x = torch.cat([sample(m.model, D, x_T0[i:i + batch_size], T, method=meth,
                                  state=None if state0 is None else index_state(state0, slice(i, i + batch_size)))
                           for i in range(0, n0, batch_size)])
            rows.append(dict(method=f"{meth}-perfect", name=f"{NAMES[meth]}, perfect symmetry (N = {n0})",
                             fid=None, kid_mean=None, **_measures(x, train, digits, net)))

    # Figure 2: the same x_T through Algorithm 1 and TACoS
    g = torch.Generator().manual_seed(seed)
    x_T, state = m.prior.start(D, 6, m.image_shape, noise_std=noise, generator=g)
    stops = sorted({T, (3 * T) // 4, T // 2, T // 4, max(T // 8, 1), 1}, reverse=True)
    naive = trajectories(m, x_T, "naive", stops, state)
    tacos = trajectories(m, x_T, "tacos", stops, state)
    save_grid([torch.stack([a, b], 1).flatten(0, 1) for a, b in zip(naive, tacos)], out / "figure2.png")

    # each TACoS sample above its nearest training image
    k = min(16, len(samples["tacos"]))
    _, idx = judges.nearest_centred_cosine(samples["tacos"][:k], train)
    save_grid([samples["tacos"][:k], train[idx]], out / "nearest.png")

    # diversity: more per-pixel noise in x_T, the same grey levels
    div_rows, div = [], []
    for s in sorted(set(DIVERSITY_NOISE) | {noise}):  # the model's own level among them
        g = torch.Generator().manual_seed(seed)
        xT, st = m.prior.start(D, 8, m.image_shape, noise_std=s, generator=g)
        x = sample(m.model, D, xT, T, method="tacos", state=st)
        div.append(x)
        xs = x.flatten(1) - x.flatten(1).mean(1, keepdim=True)
        xs = xs / xs.norm(dim=1, keepdim=True).clamp_min(1e-8)
        pair = (xs @ xs.T)[~torch.eye(len(xs), dtype=torch.bool)].mean()
        div_rows.append(dict(noise_std=s, mean_pairwise_cosine=float(pair),
                             **{k2: v for k2, v in _measures(x, train, digits, net).items()
                                if k2 in ("nearest_cosine", "ink_fraction")}))
    save_grid(div, out / "diversity.png")

    result = dict(model=model, n=n, seed=seed, noise_std=noise, T=T, rows=rows, diversity=div_rows,
                  fid_meta={k2: ev["meta"].get(k2) for k2 in ("feature_network", "split", "N", "test_subset")},
                  hardware=hardware(), torch=torch.__version__,
                  wall_time_s=round(time.perf_counter() - t0, 1), figure2_stops=stops)
    atomic_write_text(out / "showcase.json", json.dumps(result, indent=2) + "\n")
    md = format_markdown(result, digits)
    atomic_write_text(out / "showcase.md", md)
    card = out / "README.md"
    if card.is_file():
        text = card.read_text()
        if BEGIN in text and END in text:
            text = text[:text.index(BEGIN)] + text[text.index(END) + len(END):].lstrip("\n")
        atomic_write_text(card, text.rstrip("\n") + "\n\n" + BEGIN + "\n" + md + END + "\n")
    return result


def format_markdown(r: dict, digits: bool) -> str:
    head = ["samples", "FID", "KID", "ink fraction", "nearest-training cosine", "distinct nearest"]
    if digits:
        head.append("recognisability")
    lines = [f"## What it does, measured (N = {r['n']})", "",
             f"N = {r['n']} samples per sampler from the same N starting points x_T (the prior's "
             f"grey levels + {r['noise_std']} per-pixel noise, the broken symmetry of Section 5.2, seed "
             f"{r['seed']}), T = {r['T']} steps; FID/KID against {r['n']} test images (TF-Inception "
             "pool3). The perfect-symmetry rows start from the grey levels alone. Ink fraction: pixels "
             "brighter than mid-grey. Nearest-training cosine: centred cosine similarity to the most "
             "similar training image (1 = the same picture; a flat image scores 0). Distinct nearest: "
             "how many different training images are nearest to some sample."
             + (" Recognisability: mean max-probability of a small MNIST classifier "
                "(`cold.judges`)." if digits else ""), "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in r["rows"]:
        cells = [row["name"], _fmt(row["fid"], 1), _fmt(row["kid_mean"], 4), _fmt(row["ink_fraction"]),
                 _fmt(row["nearest_cosine"]), _fmt(row["distinct_nearest"])]
        if digits:
            cells.append(_fmt(row.get("recognisability")))
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "![Figure 2](figure2.png)", "",
              f"`figure2.png`: six x_T; for each, a row of Algorithm 1 then a row of TACoS, x_s at "
              f"s = {', '.join(map(str, r['figure2_stops']))}, then the result.", "",
              "![nearest](nearest.png)", "",
              "`nearest.png`: left, TACoS samples; right, the nearest training image of each.", "",
              "Diversity (8 TACoS samples from the same grey levels, more per-pixel noise in x_T; "
              "lower mean pairwise cosine = more varied):", "",
              "| noise_std | mean pairwise cosine | nearest-training cosine | ink fraction |",
              "|---|---|---|---|"]
    for d in r["diversity"]:
        lines.append(f"| {d['noise_std']:g} | {d['mean_pairwise_cosine']:.3f} | "
                     f"{d['nearest_cosine']:.3f} | {d['ink_fraction']:.3f} |")
    lines += ["", "![diversity](diversity.png)", "",
              "`diversity.png`: one column per noise_std above, the same 8 grey levels in the rows.", "",
              f"Measured with `cold showcase {r['model']} --n {r['n']}` on {r['hardware']} "
              f"in {r['wall_time_s']:.0f} s.", ""]
    return "\n".join(lines)
