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
# # 06 · Colorization — Appendix A.4, Table 6, Figure 14
#
#
# The degradation desaturates: $D(x, t) = z(t/T) * x$ with the 1×1 colour filter
# $z^c(\alpha) = \alpha\,(\tfrac13, \tfrac13, \tfrac13) + (1 - \alpha)\,e_c$, so $x_T$ is the grey image
# (CIFAR-10: T = 50).
#
# **The paper's claim (Table 6):** recolorization brings the images closer to the data on every
# metric (CIFAR-10 FID 97.39 → 45.74, SSIM 0.937 → 0.942, RMSE 0.078 → 0.069), and sampling "still
# yields minor differences in comparison to the direct reconstruction".
#
# CIFAR-10 is offline here; CelebA needs a folder of images.

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

ctx = C.setup("06_colorization", scale=scale, device=device, n_eval=n_eval, seed=seed, out_dir=out_dir,
              run_root=run_root, fid_features=fid_features)

# %% [markdown]
# ## The paper's numbers
#
# Copied from the paper's table (FID against the held-out test data; SSIM and RMSE against the original images).

# %%
SECTION, TITLE, TABLE = "A.4", "Colorization", "Table 6"
PAPER_REF = "Appendix A.4, Table 6, Figure 14"
# Table 6: (FID, SSIM, RMSE) of the degraded (grey) images and of the reconstruction.
PAPER = {
    "CIFAR-10": {"degraded": (97.39, 0.937, 0.078), "tacos": (45.74, 0.942, 0.069)},
    "CelebA":   {"degraded": (41.20, 0.942, 0.089), "tacos": (17.50, 0.973, 0.042)},
}

# Our dataset names -> the paper's row names (CelebA models here read a folder of images).
PAPER_NAME = {"mnist": "MNIST", "cifar10": "CIFAR-10", "celeba": "CelebA", "folder": "CelebA"}

# %% [markdown]
# ## The model
#
# Trained through the library (`cold.training.train`, the same as `cold train PRESET --scale SCALE`) into `run_root/<preset>-<scale>` -- a finished run there is reused, an interrupted one resumed -- or loaded from `checkpoint`.

# %%
preset = preset or C.pick_preset(dataset, {"cifar10": "cifar10-desaturate", "celeba": "celeba-desaturate"})
m, info = ctx.model(preset, checkpoint=checkpoint, train_steps=train_steps, overrides=overrides)
D = m.degradation
ours_name = PAPER_NAME.get(info["dataset"], info["dataset"])
label = f"{info['dataset']} ({info['preset']})" + (" — stand-in" if info["stand_in"] else "")
print(D)

# %% [markdown]
# ## Evaluation
#
# `cold.evaluate.evaluate_restoration`: N held-out test images are degraded to x_T = D(x0, T) and restored directly, R(x_T, T), and with TACoS (the paper's *Sampled*); each set is scored against the same N test images.

# %%
from cold.evaluate import format_markdown

result = C.evaluate_restoration(ctx, m, methods=("tacos", "direct"))
rows = {r["key"]: r for r in result["rows"]}
print(format_markdown(result))

# %% [markdown]
# ## Figures

# %%
C.restoration_figures(ctx, m, result, "figure14_colorization", f"Colorization ({label}, {ctx.scale} scale)",
                      progressive_name="figure_progressive_colorization")

# %% [markdown]
# ## Table: ours beside the paper's
#
# Every row carries its scale, N, training steps and hardware. FID is biased at small N (it falls as N grows): compare our FIDs with each other, and with the paper's only loosely; KID is unbiased.

# %%
groups = (("degraded", "Degraded"), ("tacos", "Reconstruction (TACoS)"), ("direct", "Direct"))
table_rows = C.paper_restoration_rows(PAPER, steps=C.PAPER_STEPS, groups=groups)
table_rows.append(C.our_restoration_row(ctx, result, info, label))
notes = [f"Ours: {ctx.scale} scale, checkpoint {info['checkpoint']}, degradation {info['degradation']} "
         f"(T = {info['T']}{', overrides ' + str(info['degradation_overrides']) if info['degradation_overrides'] else ''}); "
         f"features: {ctx.feature_network}.",
         "Paper: full-scale models (Appendix A); N and hardware are not stated."] + ["The paper's Reconstruction column is set beside our TACoS reconstruction (its figures show TACoS; the table does not name the sampler); our Direct reconstruction is given too."]
if info["notes"]:
    notes.append("Preset notes: " + info["notes"])
ctx.write_table("table6", "Table 6 — colorization: ours beside the paper's", C.restoration_columns(ctx, groups), table_rows, notes)

# %% [markdown]
# ## The paper's claim, checked

# %%
g, s, d = rows["degraded"], rows["tacos"], rows["direct"]
im = result["images"]
tacos_vs_direct = float(((im["tacos"] - im["direct"]) ** 2).mean().sqrt())
claim = "The recolorized images (TACoS) beat the grey inputs on FID, SSIM and RMSE"
held = bool(s["fid"] < g["fid"] and s["ssim"] > g["ssim"] and s["rmse"] < g["rmse"])
evidence = (f"{ctx.fid_label} {g['fid']:.2f} -> {s['fid']:.2f}, SSIM {g['ssim']:.3f} -> {s['ssim']:.3f}, RMSE "
            f"{g['rmse']:.3f} -> {s['rmse']:.3f}; TACoS and direct differ by RMSE {tacos_vs_direct:.3f} "
            f"(the paper: minor differences); N = {ctx.n_eval}, {ctx.scale} scale.")
paper_row = PAPER.get(ours_name) or next(iter(PAPER.values()))
paper_label = ours_name if ours_name in PAPER else next(iter(PAPER))
headline = [dict(metric=f"{lbl} ({info['dataset']})", ours=rows[k][metric],
                 paper=(paper_row.get(g) or (None, None, None))[i], paper_ref=f"{TABLE}, {paper_label}")
            for lbl, k, metric, g, i in [(f"{ctx.fid_label}, Degraded", "degraded", "fid", "degraded", 0),
                              (f"{ctx.fid_label}, Reconstruction (TACoS)", "tacos", "fid", "tacos", 0),
                              ("RMSE, Reconstruction (TACoS)", "tacos", "rmse", "tacos", 2)]]
ctx.write_summary(section=SECTION, title=TITLE, paper_ref=PAPER_REF, claim=claim, held=held,
                  evidence=evidence, headline=headline)
