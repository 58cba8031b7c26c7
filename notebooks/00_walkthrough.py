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
# # 00 · Walkthrough: cold diffusion, step by step
#
# A lesson in three parts, following Sections 3.1–3.2 of the paper:
#
# 1. **The forward process** $x_t = D(x_0, t)$ for every degradation of the paper — blur, inpainting,
#    super-resolution, snow, desaturation, noise, and the generation variants (blur to the mean colour,
#    inpainting to a colour, animorphosis). $D(x_0, 0) = x_0$, and more information is removed as the
#    severity $t$ grows to $T$.
# 2. **The backward process**: a restoration network $R(x_t, t) \approx x_0$, trained with the
#    $\ell_1$ loss $\lVert R(D(x_0, t), t) - x_0\rVert$, used three ways:
#    * *direct*: $\hat x_0 = R(x_T, T)$ in one call;
#    * *Algorithm 1* (naive): $\hat x_0 = R(x_s, s)$, then $x_{s-1} = D(\hat x_0, s-1)$;
#    * *Algorithm 2* (TACoS): $x_{s-1} = x_s - D(\hat x_0, s) + D(\hat x_0, s-1)$.
# 3. What each sampler does to the iterates, step by step.
#
# Sliders (ipywidgets) let you move along $t$ and $s$ when the notebook runs in Jupyter; every figure is
# also saved as a static filmstrip, so the notebook reads the same when executed headless (papermill).

# %% tags=["parameters"]
# Parameters -- papermill injects the values it is given in a cell right after this one.
scale = "smoke"              # smoke (seconds, CI) | cpu (2 CPU cores, up to 30 min a model) | paper (GPU)
dataset = "mnist"            # picks the training preset when `preset` is None
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

ctx = C.setup("00_walkthrough", scale=scale, device=device, n_eval=n_eval, seed=seed, out_dir=out_dir,
              run_root=run_root, fid_features=fid_features)

# %% [markdown]
# ## 1. The forward process
#
# Every degradation is a `cold.Degradation`: `D(x0, t, state)` with `x0` a batch of images in [-1, 1]
# and `t` in 0..T. Random degradations (inpainting with a random centre, snow, noise, animorphosis) draw a
# *state* once per image — the mask centre, the snow pattern, the noise $z$, the partner image — which
# stays fixed along a whole trajectory. The images below are CIFAR-10 test images; each degradation uses
# the configuration of the paper (`cold.DEGRADATION_PRESETS`).

# %%
import matplotlib.pyplot as plt
from cold import degradation_preset
from cold.data import load_dataset
from cold.evaluate import test_indices

cifar = load_dataset("cifar10", split="test")
idx = test_indices(len(cifar), 8)
x0 = torch.stack([cifar[i] for i in idx[:4]])        # four test images of different classes
partners = torch.stack([cifar[i] for i in idx[4:]])  # animorphosis turns them into these

LESSON = {  # name: (preset, overrides)
    "blur (4.1)": ("cifar10-blur", {}),
    "inpainting (4.2)": ("cifar10-inpaint", {}),
    "super-resolution (4.3)": ("cifar10-super_resolution", {}),
    "snow (4.4)": ("cifar10-snow", {}),
    "desaturation (A.4)": ("cifar10-desaturate", {}),
    "noise (5.1)": ("celeba-noise", {}),
    "blur to the mean (5.2)": ("celeba-blur-generation", {"T": 100}),   # T = 100 suffices at 32 px
    "inpainting to a colour (5.3)": ("celeba-inpaint-generation", {"beta_end": 32.0 ** 2}),
    "animorphosis (5.3)": ("celeba-animorph", {"partners": partners}),
}
DS = {}
for name, (p, kw) in LESSON.items():
    D = degradation_preset(p, **kw)
    DS[name] = (D, D.sample_state(x0, generator=torch.Generator().manual_seed(ctx.seed)))
    print(f"{name:30s} T = {D.T:4d}  random state: {getattr(D, 'random', False)}")

# %% [markdown]
# ### Filmstrips: one image, every degradation, t from 0 to T

# %%
from cold.degradations import index_state

fractions = [0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1]
columns = []
for f in fractions:
    frames = [D(x0[:1], round(f * D.T), index_state(st, slice(0, 1))) for D, st in DS.values()]
    columns.append((f"t = {f:g} T", C.to01(torch.cat(frames))))
ctx.save_fig(C.grid_figure(columns, row_labels=list(DS), title="The forward process D(x0, t) of every degradation"),
             "forward_process")

# %% [markdown]
# ### With a slider
#
# Pick a degradation and move along t (as a fraction of its T).

# %%
import ipywidgets as widgets
from IPython.display import display


def show_forward(degradation, fraction):
    D, st = DS[degradation]
    t = round(fraction * D.T)
    fig = C.grid_figure([("x0", C.to01(x0)), (f"D(x0, t = {t}), T = {D.T}", C.to01(D(x0, t, st)))],
                        title=degradation)
    display(fig)
    plt.close(fig)


widgets.interact(show_forward, degradation=widgets.Dropdown(options=list(DS), value="blur (4.1)"),
                 fraction=widgets.FloatSlider(min=0.0, max=1.0, step=0.05, value=0.5));

# %% [markdown]
# ### Two properties every degradation must have (Section 3.1)
#
# $D(x_0, 0) = x_0$ exactly, and $D(x_0, t)$ should move away from $x_0$ as $t$ grows. Checked on the four images:

# %%
forward_rows = []
for name, (D, st) in DS.items():
    ts = sorted({round(f * D.T) for f in fractions})
    dist = [float(((D(x0, t, st) - x0) ** 2).mean().sqrt()) / 2 for t in ts]  # RMSE in [0, 1] units
    forward_rows.append(dict(degradation=name, preset=LESSON[name][0], T=D.T, random=bool(getattr(D, "random", False)),
                             identity_at_0=bool(torch.equal(D(x0, 0, st), x0)),
                             monotone=all(b >= a - 1e-6 for a, b in zip(dist, dist[1:])),
                             rmse_half=dist[len(dist) // 2], rmse_T=dist[-1]))
ctx.write_table("forward_process", "The forward process: D(x0, 0) = x0 and information removed as t grows",
                [("degradation", "Degradation"), ("preset", "Preset"), ("T", "T"), ("random", "Random state"),
                 ("identity_at_0", "D(x0, 0) = x0 exactly"), ("monotone", "RMSE to x0 non-decreasing in t"),
                 ("rmse_half", "RMSE at t = T/2", 3), ("rmse_T", "RMSE at t = T", 3)], forward_rows,
                [f"Four CIFAR-10 test images; RMSE in [0, 1] units at t = 0, T/8, ..., T; seed {ctx.seed}.",
                 "Paper: Section 3.1 requires D(x0, 0) = x0 and a continuous, growing severity."])

# %% [markdown]
# ## 2. The backward process
#
# Now a trained restoration network. By default a deblurring model (`mnist-blur` preset; any restoration
# preset works via `preset`/`dataset`, or a trained model via `checkpoint`) — trained here through the
# library at the chosen scale, or reused from `runs/<preset>-<scale>` if already trained.

# %%
preset = preset or f"{dataset}-blur"
m, info = ctx.model(preset, checkpoint=checkpoint, train_steps=train_steps, overrides=overrides)
R, D = m.model, m.degradation
from cold.evaluate import test_images

x0_test, _ = test_images(m, min(ctx.n_eval, 64))  # every iterate is kept: at most 64 images
x0_test = x0_test.to(ctx.torch_device)
st = D.sample_state(x0_test, generator=torch.Generator().manual_seed(ctx.seed))
x_T = D(x0_test, D.T, st)
runs = {meth: C.trajectory(R, D, x_T, D.T, meth, state=st) for meth in ("direct", "naive", "tacos")}
k = min(4, len(x0_test))
ctx.save_fig(C.grid_figure([("x_T = D(x0, T)", C.to01(x_T[:k])), ("direct", C.to01(runs["direct"][0][:k])),
                            ("Algorithm 1", C.to01(runs["naive"][0][:k])), ("TACoS", C.to01(runs["tacos"][0][:k])),
                            ("original x0", C.to01(x0_test[:k]))],
                           title=f"Restoring D(x0, T) three ways ({info['preset']}, {ctx.scale} scale)"),
             "backward_results")

# %% [markdown]
# ### Step by step
#
# For one image: the iterate $x_s$ and the network's estimate $\hat x_0 = R(x_s, s)$ at every few steps, for Algorithm 1 and for TACoS.

# %%
keep = C.spaced_steps(D.T, 8)
rows_lbl = ["Alg. 1: x_s", "Alg. 1: R(x_s, s)", "TACoS: x_s", "TACoS: R(x_s, s)"]
columns = []
for s in keep:
    col = []
    for meth in ("naive", "tacos"):
        final, xs, x0s = runs[meth]
        col += [xs[s][0], (x0s[s][0] if s in x0s else final[0])]
    columns.append((f"s = {s}", C.to01(torch.stack(col))))
ctx.save_fig(C.grid_figure(columns, row_labels=rows_lbl, title="The backward process, step by step (s = 0: the result)"),
             "backward_step_by_step")


def show_backward(s):
    col = []
    for meth in ("naive", "tacos"):
        final, xs, x0s = runs[meth]
        col.append((f"{meth}: x_s", C.to01(xs[s][:k])))
        col.append((f"{meth}: R(x_s, s)", C.to01(x0s[s][:k] if s in x0s else final[:k])))
    fig = C.grid_figure(col, title=f"s = {s}")
    display(fig)
    plt.close(fig)


widgets.interact(show_backward, s=widgets.IntSlider(min=0, max=D.T, step=1, value=D.T));

# %% [markdown]
# ### How close does each sampler get?
#
# RMSE to the original images (in [0, 1] units) over the N test images. (Pixel error is not the whole story: the paper's Table 1 shows TACoS trading a little RMSE for a better FID — see notebook 02.)

# %%
backward_rows = []
for meth, name in (("direct", "Direct"), ("naive", "Algorithm 1"), ("tacos", "TACoS (Algorithm 2)")):
    rmse = float(((runs[meth][0] - x0_test.cpu()) ** 2).mean().sqrt()) / 2
    backward_rows.append(dict(sampler=name, rmse=rmse, **ctx.ours(info, len(x0_test))))
backward_rows.append(dict(sampler="x_T itself (no restoration)", rmse=float(((x_T - x0_test) ** 2).mean().sqrt()) / 2,
                          **ctx.ours(info, len(x0_test))))
ctx.write_table("backward_process", f"The backward process: RMSE to x0 ({info['preset']})",
                [("sampler", "Sampler"), ("rmse", "RMSE to x0", 4), ("scale", "Scale"), ("N", "N"),
                 ("steps", "Training steps"), ("hardware", "Hardware")], backward_rows,
                [f"Checkpoint {info['checkpoint']}, T = {info['T']}. The paper reports no number for this lesson."])

# %% [markdown]
# ## Summary

# %%
ok = [r for r in forward_rows if r["identity_at_0"] and r["monotone"]]
claim = "Every degradation satisfies D(x0, 0) = x0 and moves away from x0 as t grows"
held = len(ok) == len(forward_rows)
bad = [r["degradation"] for r in forward_rows if r not in ok]
evidence = (f"{len(ok)}/{len(forward_rows)} degradations satisfy both" + (f"; not: {', '.join(bad)}" if bad else "") +
            "; restoration RMSE to x0: " + ", ".join(f"{r['sampler']} {r['rmse']:.3f}" for r in backward_rows) + ".")
headline = [dict(metric="degradations with D(x0,0)=x0 and growing severity", ours=f"{len(ok)}/{len(forward_rows)}",
                 paper="all (Section 3.1)", paper_ref="Section 3.1", N=len(x0))]
headline += [dict(metric=f"RMSE to x0, {r['sampler']} ({info['preset']})", ours=r["rmse"], paper=None,
                  paper_ref="—", N=r["N"]) for r in backward_rows[:3]]
ctx.write_summary(section="3.1-3.2", title="Walkthrough: forward and backward processes", paper_ref="Sections 3.1, 3.2",
                  claim=claim, held=held, evidence=evidence, headline=headline, extra=dict(N=len(x0_test)))
