# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 09 · Generation with other transformations — Section 5.3, Figure 8
#
# A proof of concept that TACoS generates with degradations whose fully degraded distribution is
# simple enough to sample from:
#
# * **inpainting to a random colour**: $x_t = G_t \cdot x_0 + (1 - G_t) \cdot c$, the Gaussian mask $G_t$
#   growing until $x_T = c$, a uniformly random solid colour;
# * **super-resolution**: down to 2×2 (CelebA) or 4×4 (CIFAR-10) pixels, whose values are modelled by one
#   Gaussian fitted on the training set;
# * **animorphosis**: $x_t = \sqrt{\alpha_t}\,x + \sqrt{1 - \alpha_t}\,z$ with $z$ an image of *another*
#   dataset (AFHQ animals for CelebA faces): generation starts from a random partner image.
#
# **The paper's claim:** generation works for all three (CelebA 128 px FIDs 90.14, 92.91 and 48.51).
# Checked here: for every transformation, the TACoS generations are closer to the data (lower FID) than
# the $x_T$ they start from.
#
# Stand-ins (CelebA and AFHQ are not available offline): `cifar10-inpaint-generation` and
# `cifar10-super_resolution-generation` (CIFAR-10, 32 px, down to 4×4), and `mnist-animorph`: MNIST digits
# turn into Fashion-MNIST items (Fashion-MNIST comes from the Debian package `dataset-fashion-mnist`;
# without it the animorphosis part is skipped and says so).
#
# `preset` may name one preset or several separated by commas; `checkpoint` and `overrides` may be
# dicts `{preset: value}`.

# %% tags=["parameters"]
# Parameters -- papermill injects the values it is given in a cell right after this one.
scale = "smoke"              # smoke (seconds, CI) | cpu (2 CPU cores, up to 30 min a model) | paper (GPU)
dataset = "cifar10"          # picks the training preset when `preset` is None
preset = None                # a training preset of cold.presets (`cold presets` lists them)
device = "auto"              # auto | cpu | cuda
n_eval = None                # N test / generated images (None: 8 smoke, 200 cpu, 10000 paper)
seed = 0
out_dir = None               # where figures, tables and summary.json go (None: reports/<notebook>)
checkpoint = None            # evaluate this trained model instead of training one
run_root = None              # models are trained into run_root/<preset>-<scale> (None: runs/, as `cold train`)
train_steps = None           # override the scale's number of training steps
fid_features = "inception"   # "pixels": a cheap NON-FID stand-in, for CI smoke tests only
overrides = []               # config overrides in the syntax of `cold train --set` (tests shorten T with them)


# %%
import sys
from pathlib import Path


def _notebook_dir() -> Path:
    """notebooks/ of the checkout (works from notebooks/, from the repository root and under papermill)."""
    for d in (Path.cwd(), Path.cwd() / "notebooks"):
        if (d / "_common.py").is_file():
            return d
    import cold
    return Path(cold.__file__).resolve().parent.parent / "notebooks"


sys.path.insert(0, str(_notebook_dir()))
import _common as C  # noqa: E402
import torch  # noqa: E402
import cold  # noqa: E402

ctx = C.setup("09_other_generation", scale=scale, device=device, n_eval=n_eval, seed=seed, out_dir=out_dir,
              run_root=run_root, fid_features=fid_features)

# %% [markdown]
# ## The paper's numbers

# %%
SECTION, TITLE, TABLE = "5.3", "Generation with other transformations", "Section 5.3"
PAPER_REF = "Section 5.3, Figure 8"
# Section 5.3: FID of 128x128 CelebA generations.
PAPER = {"inpainting": 90.14, "super-resolution": 92.91, "animorphosis": 48.51}

# %% [markdown]
# ## The models

# %%
presets = [p.strip() for p in preset.split(",")] if preset else \
    [f"{dataset}-inpaint-generation", f"{dataset}-super_resolution-generation", "mnist-animorph"]
KIND = {"inpaint": "inpainting", "super_resolution": "super-resolution", "animorph": "animorphosis"}


def kind_of(p):
    return next(v for k, v in KIND.items() if k in p)


models, skipped = {}, {}
for p in presets:
    ck = checkpoint.get(p) if isinstance(checkpoint, dict) else (checkpoint if len(presets) == 1 else None)
    try:
        ov = overrides.get(p, []) if isinstance(overrides, dict) else overrides  # per preset, or for all
        models[p] = ctx.model(p, checkpoint=ck, train_steps=train_steps, overrides=ov)
    except FileNotFoundError as e:  # e.g. Fashion-MNIST not installed
        skipped[p] = str(e).splitlines()[0]
        print(f"SKIPPED {p}: {skipped[p]}")

# %% [markdown]
# ## Generation
#
# The same N starting points $x_T$ (seeded) go through the direct reconstruction and TACoS; FID and KID are against N test images of the model's dataset.

# %%
import json
from cold import sample
from cold.degradations import index_state, state_to
from cold.build import attach_partners
from cold.evaluate import test_images


def set_partners(m, n_max=256):
    """Animorphosis: its x_T and states are partner images (test split of the partner dataset)."""
    attach_partners(m, n_max)


def start_of(m, n):
    """N seeded starting points (x_T, state) from the model's prior (on the CPU)."""
    noise_std = float((m.config.get("prior") or {}).get("noise_std") or 0.0)
    return m.prior.start(m.degradation, n, m.image_shape, noise_std=noise_std,
                         generator=torch.Generator().manual_seed(ctx.seed), device="cpu")


def rows_of(state, sl, dev):
    return state if state is None or isinstance(state, str) else state_to(index_state(state, sl), dev)


@torch.no_grad()
def generate(m, n, methods=("direct", "tacos"), batch=50):
    D, dev = m.degradation, ctx.torch_device
    x_T, state = start_of(m, n)
    out = {"x_T": x_T}
    for meth in methods:
        parts = []
        for i in range(0, n, batch):
            sl = slice(i, min(n, i + batch))
            parts.append(sample(m.model, D, x_T[sl].to(dev), D.T, method=meth, state=rows_of(state, sl, dev)).cpu())
        out[meth] = torch.cat(parts)
    return out


def diversity(x01):
    """Mean pairwise RMSE between generated images (0: all identical)."""
    f = x01.flatten(1)
    d = torch.cdist(f, f) / f.shape[1] ** 0.5
    n = len(f)
    return float(d.sum() / (n * (n - 1))) if n > 1 else 0.0


results, images = {}, {}
for p, (m, info) in models.items():
    set_partners(m)
    real, ref_info = test_images(m, ctx.n_eval)
    real01 = C.to01(real)
    gen = generate(m, ref_info["n"])
    images[p] = {k: C.to01(v) for k, v in gen.items()}
    results[p] = {k: ctx.fid_kid(real01, images[p][k], ref_info) for k in ("x_T", "direct", "tacos")}
    results[p]["diversity"] = diversity(images[p]["tacos"])
    print(p, {k: (round(v["fid"], 2) if isinstance(v, dict) else round(v, 4)) for k, v in results[p].items()})

# %% [markdown]
# ## Figure 8 (analogue)

# %%
for p in models:
    k = min(6, len(images[p]["tacos"]))
    ctx.save_fig(C.grid_figure([("x_T", images[p]["x_T"][:k]), ("direct", images[p]["direct"][:k]),
                                ("TACoS", images[p]["tacos"][:k])],
                               title=f"{kind_of(p)} generation ({p}, {ctx.scale} scale)"), f"figure8_{kind_of(p)}")
for p, (m, info) in models.items():  # progressive generation: the TACoS iterates x_s
    D = m.degradation
    x_T, state = start_of(m, 3)
    keep = C.spaced_steps(D.T, 8)
    _, xs, _ = C.trajectory(m.model, D, x_T.to(ctx.torch_device), D.T, "tacos",
                            state=rows_of(state, slice(None), ctx.torch_device), keep=keep)
    ctx.save_fig(C.grid_figure([(f"s={s}", C.to01(xs[s])) for s in keep],
                               title=f"{kind_of(p)} generation with TACoS, step by step ({p})"),
                 f"progressive_{kind_of(p)}")

# %% [markdown]
# ## Table

# %%
rows = [C.paper_row(transformation=k, dataset="CelebA 128 px", tacos_fid=v) for k, v in PAPER.items()]
for p, (m, info) in models.items():
    res = results[p]
    rows.append(dict(source="ours", transformation=kind_of(p), dataset=f"{info['dataset']} ({p})" +
                     (" — stand-in" if info["stand_in"] else ""), xT_fid=res["x_T"]["fid"],
                     direct_fid=res["direct"]["fid"], tacos_fid=res["tacos"]["fid"], tacos_kid=res["tacos"]["kid_mean"],
                     diversity=res["diversity"], **ctx.ours(info, ctx.n_eval)))
for p, why in skipped.items():
    rows.append(dict(source="ours", transformation=kind_of(p), dataset=f"{p}: skipped ({why})", scale=ctx.scale))
lab = ctx.fid_label
cols = [("source", "Source"), ("transformation", "Transformation"), ("dataset", "Dataset"),
        ("xT_fid", f"x_T {lab}", 2), ("direct_fid", f"Direct {lab}", 2), ("tacos_fid", f"TACoS {lab}", 2),
        ("tacos_kid", "TACoS KID", 4), ("diversity", "Diversity (mean pairwise RMSE)", 3),
        ("scale", "Scale"), ("N", "N"), ("steps", "Training steps"), ("hardware", "Hardware")]
notes = [f"Ours: {ctx.scale} scale; features: {ctx.feature_network}.",
         "Paper: CelebA 128 px (animorphosis: CelebA -> AFHQ); only the generated images' FID is given."]
notes += [f"{info['preset']}: {info['notes']}" for _, info in models.values() if info["notes"]]
ctx.write_table("section5_3", "Section 5.3 — generation with inpainting, super-resolution and animorphosis",
                cols, rows, notes)

# %% [markdown]
# ## The paper's claim, checked

# %%
subclaims = [dict(claim=f"TACoS generates with {kind_of(p)}: its FID is below that of x_T",
                  held=bool(results[p]["tacos"]["fid"] < results[p]["x_T"]["fid"]),
                  evidence=f"{ctx.fid_label} x_T {results[p]['x_T']['fid']:.2f} -> TACoS {results[p]['tacos']['fid']:.2f} "
                           f"(direct {results[p]['direct']['fid']:.2f}), diversity {results[p]['diversity']:.3f}")
             for p in models]
claim = "Generation works with inpainting, super-resolution and animorphosis (TACoS FID below the x_T's)"
held = all(s["held"] for s in subclaims) if subclaims else None
evidence = "; ".join(f"{s['claim']}: {'held' if s['held'] else 'did NOT hold'} ({s['evidence']})" for s in subclaims)
if skipped:
    evidence += "; not run: " + ", ".join(f"{p} ({why})" for p, why in skipped.items())
evidence += f"; N = {ctx.n_eval}, {ctx.scale} scale."
headline = [dict(metric=f"{ctx.fid_label}, {kind_of(p)} (TACoS)", ours=results[p]["tacos"]["fid"], paper=PAPER[kind_of(p)],
                 paper_ref="Section 5.3, CelebA", steps=info["steps"])
            for p, (m, info) in models.items()]
ctx.write_summary(section=SECTION, title=TITLE, paper_ref=PAPER_REF, claim=claim, held=held,
                  evidence=evidence, headline=headline, extra=dict(subclaims=subclaims, skipped=skipped))
