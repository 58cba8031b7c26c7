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
# # 00 · Walkthrough: cold diffusion, step by step (Sections 3.1–3.2)
#
# A diffusion model is built from two operators: a **degradation** that destroys an image a little more
# at every step, and a **restoration** network trained to undo it. Standard ("hot") diffusion degrades
# with Gaussian noise. *Cold Diffusion* asks whether the noise matters, and answers no: blur, masking,
# down-sampling, snow … work too, provided the sampler is chosen well.
#
# **The forward process (Section 3.1).** An image $x_0$ is degraded by an operator $D$ with severity
# $t \in \{0, \dots, T\}$:
#
# $$x_t = D(x_0, t), \qquad D(x_0, 0) = x_0,$$
#
# and $D(x_0, t)$ should vary continuously in $t$, removing more information as $t$ grows.
#
# **The restoration operator (Section 3.1).** A network $R$ with $R(x_t, t) \approx x_0$, trained with
#
# $$\min_\theta \; \mathbb{E}_{x \sim \mathcal X}\, \lVert R_\theta(D(x, t), t) - x \rVert_1 .$$
#
# **Sampling (Section 3.2).** For a small $t$ one call $\hat x_0 = R(x_t, t)$ (*direct* reconstruction)
# is enough; for a large $t$ it gives a blurry average. Diffusion models instead alternate the two
# operators, $s = t, t-1, \dots, 1$:
#
# | | Algorithm 1 (naive sampling) | TACoS (Algorithm 2) |
# |---|---|---|
# | estimate | $\hat x_0 \leftarrow R(x_s, s)$ | $\hat x_0 \leftarrow R(x_s, s)$ |
# | step | $x_{s-1} = D(\hat x_0, s-1)$ | $x_{s-1} = x_s - D(\hat x_0, s) + D(\hat x_0, s-1)$ |
#
# Algorithm 1 is what DDPM/DDIM do (Appendix A.8): re-degrade the estimate to the next severity. TACoS
# (*Transformation Agnostic Cold Sampling*) instead changes $x_s$ only by the *difference* that one step of
# $D$ makes to the estimate. Notebook 01 shows why that difference matters (Section 3.3).
#
# This notebook goes through the three pieces in order:
#
# 1. the forward process for the paper's degradations (with a slider over $t$);
# 2. $D$ written out for the blur of Section 4.1, checked against the library;
# 3. $R$ and its training loss, then Algorithm 1 and TACoS written as five-line loops, checked against
#    `cold.sample`, and run on 50 test digits.

# %% tags=["parameters"]
# Parameters -- papermill injects the values it is given in a cell right after this one.
scale = "demo"               # demo (shipped models, ~1-2 min) | smoke (CI) | cpu | paper
dataset = "mnist"            # picks the restoration preset when `preset` is None
preset = None                # a training preset of cold.presets (`cold presets` lists them); None: <dataset>-blur
device = "auto"              # auto | cpu | cuda
n_eval = None                # N test images (None: 50 demo, 8 smoke, 200 cpu, 10000 paper; at most 64 here)
seed = 0
out_dir = None               # where figures, tables and summary.json go (None: scratch/<notebook>)
checkpoint = None            # use this trained model (demo: the shipped models/<preset>)
run_root = None              # models are trained into run_root/<preset>-<scale> (None: runs/, as `cold train`)
train_steps = None           # override the scale's number of training steps
fid_features = "inception"   # "pixels": a cheap NON-FID stand-in, for CI smoke tests only (unused here)
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
              run_root=run_root, fid_features=fid_features, uses_fid=False)

# %%
import math

import matplotlib.pyplot as plt
import torch.nn.functional as F
from IPython.display import display

try:  # the sliders are optional: every widget below also has a static figure
    import ipywidgets as widgets
except ImportError:
    widgets = None


png = C.png  # a figure as PNG bytes for the sliders' Image widgets (see _common.png)

# %% [markdown]
# ## 1. The forward process $x_t = D(x_0, t)$
#
# In the library every degradation is a `cold.Degradation`: `D(x0, t, state)` with `x0` a batch of
# images in $[-1, 1]$ and `t` in $0..T$ (`D.T`). Random degradations (inpainting with a random centre, snow,
# noise, animorphosis) draw a *state* once per image with `D.sample_state(x0)` — the mask centre, the snow
# pattern, the noise $z$, the partner image — and keep it fixed along the whole trajectory $t = 0..T$.
#
# Below, four CIFAR-10 test images (of different classes) under the paper's degradations, each in the
# configuration of the paper (`cold.DEGRADATION_PRESETS`; the section of the paper in brackets).

# %%
from cold import degradation_preset
from cold.data import load_dataset
from cold.degradations import index_state
from cold.evaluate import test_indices

cifar = load_dataset("cifar10", split="test")
idx = test_indices(len(cifar), 8)                     # evenly spaced: the test set is sorted by class
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

# %%
fractions = [0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1]
columns = []
for f in fractions:
    frames = [D(x0[:1], round(f * D.T), index_state(st, slice(0, 1))) for D, st in DS.values()]
    columns.append((f"t = {f:g} T", C.to01(torch.cat(frames))))
ctx.save_fig(C.grid_figure(columns, row_labels=list(DS), title="The forward process x_t = D(x0, t)"),
             "forward_process");

# %% [markdown]
# **What to look for.** Each row starts from the same $x_0$ (column $t = 0$: $D(x_0, 0) = x_0$ exactly) and
# loses information as $t$ grows — detail (blur, super-resolution), a growing hole (inpainting), an opaque
# snow layer, colour, or signal under noise. The last three rows are the *generation* variants of Section 5:
# their $x_T$ no longer depends on the image in any useful way (a flat mean colour, a solid colour, another
# image), so that a simple distribution of $x_T$ can be sampled and restored into a new image. Only one row
# is Gaussian noise; the paper's point is that the restoration network, its training and the samplers are
# the same for all of them.
#
# ### With a slider
#
# Pick a degradation and scrub $t$ from 0 to $T$ (in Jupyter; the figure above holds the same frames for
# a reader of the executed notebook).

# %%
def forward_figure(degradation, t):
    D, st = DS[degradation]
    t = min(t, D.T)
    return C.grid_figure([(f"image {i + 1}", C.to01(torch.stack([x0[i], D(x0, t, st)[i]]))) for i in range(len(x0))],
                         row_labels=["x0", f"x_t, t = {t}"], title=f"{degradation}: D(x0, t), t = {t} of T = {D.T}")


if widgets is not None:
    pick = widgets.Dropdown(options=list(DS), value="blur (4.1)", description="D")
    t_slider = widgets.IntSlider(min=0, max=DS["blur (4.1)"][0].T, step=1, value=DS["blur (4.1)"][0].T // 2,
                                 description="t", continuous_update=False)
    frame = widgets.Image(format="png")

    def redraw(_=None):
        frame.value = png(forward_figure(pick.value, t_slider.value))

    def new_degradation(change):
        t_slider.max = DS[change["new"]][0].T
        redraw()

    pick.observe(new_degradation, names="value")
    t_slider.observe(redraw, names="value")
    redraw()
    display(widgets.VBox([widgets.HBox([pick, t_slider]), frame]))
else:
    print("ipywidgets is not installed (pip install ipywidgets): the figure above shows the same frames.")

# %% [markdown]
# ### Two properties every degradation must have (Section 3.1)
#
# $D(x_0, 0) = x_0$ exactly, and $D(x_0, t)$ moves away from $x_0$ as $t$ grows. Checked on the four
# images (RMSE to $x_0$ in $[0, 1]$ units at $t = 0, T/8, \dots, T$):

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
                 "Paper: Section 3.1 requires D(x0, 0) = x0 and a continuous, growing severity."]);

# %% [markdown]
# ## 2. $D$ written out: the blur of Section 4.1
#
# From here on we work with one model: the deblurring network shipped as `models/mnist-blur` (at the
# `demo` scale; other scales train one). Its degradation is Gaussian blur applied $t$ times:
#
# $$x_t = G_t * x_{t-1} = G_t * \dots * G_1 * x_0 = \bar G_t * x_0 = D(x_0, t),$$
#
# where $*$ is a 2-D convolution and $G_s$ a $k \times k$ Gaussian kernel of standard deviation
# $\sigma_s$. The paper's MNIST setting is $k = 11$, $\sigma_s = 7$, $T = 40$; the shipped model uses a
# milder schedule that two CPU cores can learn, $\sigma_s = 0.36 + 0.01\,(s-1)$, $T = 20$ (its `notes`
# say so), with circular padding at the image border.

# %%
m, info = ctx.model(preset or f"{dataset}-blur", checkpoint=checkpoint, train_steps=train_steps, overrides=overrides)
R, D = m.model, m.degradation
dev = ctx.torch_device
print(D)

# %% [markdown]
# Here is $D$ in a dozen lines: a Gaussian kernel $G_s = g \otimes g$, the $\sigma_s$ schedule, and the
# loop of $t$ convolutions. Change it (a box kernel, another schedule, `padding="zeros"`) and rerun the
# cells below to see what changes.

# %%
def gaussian_kernel(size, sigma):
    """G_s = g ⊗ g: the normalised discrete Gaussian g of `size` taps, outer product with itself."""
    x = torch.arange(size, dtype=torch.float64) - size // 2
    g = torch.exp(-x ** 2 / (2 * sigma ** 2))
    g = g / g.sum()
    return torch.outer(g, g)


def sigma_s(s):
    """σ_s of step s = 1..T, from the model's schedule."""
    if D.schedule == "linear":                # the shipped model: 0.36 + 0.01 (s - 1)
        return D.sigma_start + D.sigma_rate * (s - 1)
    if D.schedule == "exponential":           # CelebA and the generation models: e^{0.01 (s - 1)}
        return D.sigma_start * math.exp(D.sigma_rate * (s - 1))
    return D.sigma                            # constant: the paper's MNIST, 7


def blur(x0, t, size=None, padding=None):
    """x_t = G_t * (G_{t-1} * ... (G_1 * x0)): t depthwise convolutions of the padded image."""
    size, padding = size or D.kernel_size, padding or D.padding          # 11, "circular" for the shipped model
    x, c, p = x0.double(), x0.shape[1], size // 2
    for s in range(1, t + 1):
        G = gaussian_kernel(size, sigma_s(s)).to(x).expand(c, 1, size, size)    # one G_s per channel
        x = F.conv2d(F.pad(x, [p, p, p, p], mode={"zeros": "constant"}.get(padding, padding)), G, groups=c)
    return x.to(x0.dtype)


# %% [markdown]
# The library does not loop: a padded convolution is, along each image axis, multiplication by an $n \times n$
# matrix $K_s$, so the $t$-fold blur is $D(x_0, t) = A_t\, x_0\, A_t^\top$ with $A_t = K_t \cdots K_1$
# precomputed once (`cold/degradations/blur.py`) — the same cost for every $t$, where the loop costs $t$
# convolutions. The two must agree for every $t$:

# %%
from cold.evaluate import test_images

x0_test, _ = test_images(m, min(ctx.n_eval, 64))  # N evenly spaced test digits (every iterate is kept: at most 64)
x0_test = x0_test.to(dev)
last = D.T - 1 if getattr(D, "final_mean", False) else D.T  # the generation variant replaces D(x0, T) by the mean
x0_check = x0_test[C.spread_indices(len(x0_test), 8)]
if D.name == "blur":
    for t in range(last + 1):
        torch.testing.assert_close(blur(x0_check, t), D(x0_check, t))
    print(f"the inline blur equals the library's closed form D(x0, t) for t = 0..{last} on {len(x0_check)} test digits")
else:
    print(f"{D.name} is not a blur: the inline check applies to blur models only")

# %% [markdown]
# What does $\bar G_t$ look like? Blurring a single bright pixel $\delta$ gives the kernel itself,
# $D(\delta, t) = \bar G_t * \delta = \bar G_t$:

# %%
H, W = m.image_shape[1:]
delta = -torch.ones(1, m.image_shape[0], H, W, device=dev)
delta[..., H // 2, W // 2] = 1.0
ts_show = C.spaced_steps(D.T, 6)[::-1]
digit = x0_test[C.spread_indices(len(x0_test), 1)]
kernels = [D(delta, t) + 1 for t in ts_show]                  # in [0, 2]: the blurred pixel on black
cols = [(f"t = {t}", torch.cat([C.to01(D(digit, t)), (k / k.amax()).cpu()]))
        for t, k in zip(ts_show, kernels)]
ctx.save_fig(C.grid_figure(cols, row_labels=["D(x0, t)", "D(δ, t), rescaled"], size=1.2,
                           title=f"The digit and one pixel, degraded t times ({info['preset']})"),
             "blur_kernel");

# %% [markdown]
# **What to look for.** The bottom row is $\bar G_t$, the effective kernel of $t$ blurs (each image scaled to its
# own maximum): it widens as $t$ grows, roughly like a Gaussian of standard deviation
# $\sqrt{\sum_{s \le t} \sigma_s^2}$, and the digit above it loses its fine strokes first. Blur is *linear*
# in $x_0$ — notebook 01 uses this to explain why TACoS works for it.
#
# ## 3. The backward process
#
# ### $R$ and its training loss
#
# The restoration network is a U-Net $R(x_t, t)$ (`m.model`). Its training loss, for one batch, is one
# line — the $\ell_1$ distance between $R(D(x_0, t), t)$ and $x_0$. Evaluated on test digits for every
# severity $t$ (against the distance of $x_t$ itself from $x_0$):

# %%
x0_few = x0_test[: min(16, len(x0_test))]
loss_R, loss_x_t = [], []
with torch.no_grad():
    for t in range(1, D.T + 1):
        t_vec = torch.full((len(x0_few),), t, dtype=torch.long, device=dev)
        x_t = D(x0_few, t)
        loss_R.append(float((R(x_t, t_vec) - x0_few).abs().mean()))   # the training loss ‖R(D(x0, t), t) − x0‖₁
        loss_x_t.append(float((x_t - x0_few).abs().mean()))          # no restoration at all
fig, ax = plt.subplots(figsize=(5.5, 3.2))
ax.plot(range(1, D.T + 1), loss_x_t, marker=".", label="x_t itself: ‖D(x0, t) − x0‖₁")
ax.plot(range(1, D.T + 1), loss_R, marker=".", label="direct: ‖R(D(x0, t), t) − x0‖₁")
ax.set_xlabel("severity t")
ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
ax.set_ylabel("mean |error| per pixel ([-1, 1] units)")
ax.set_title(f"How well one call of R restores x_t ({len(x0_few)} test digits)", fontsize=10)
ax.legend(fontsize=8)
fig.tight_layout()
ctx.save_fig(fig, "restoration_error_vs_t");

# %% [markdown]
# **What to look for.** For small $t$ one call of $R$ recovers $x_0$ almost exactly: direct reconstruction
# is enough. (Almost: at $t = 1$ the network's own error is larger than the tiny blur it undoes — a trained
# $R$ is never a perfect inverse, which is what Section 3.3 is about.) As $t$ grows the error of
# $R(x_t, t)$ grows with it — an $\ell_1$-trained network facing an ambiguous input predicts a blurry
# compromise. That is the motivation of Section 3.2 for sampling: restore a little, degrade again, and let
# $R$ work on ever less degraded inputs.
#
# ### Algorithm 1 and TACoS in five lines each
#
# Here are the two samplers of Section 3.2, exactly as in the paper's pseudocode. `R(x, s)` takes a batch
# and a tensor of steps (one per image); `state` is the degradation's fixed randomness (`None` for blur).

# %%
@torch.no_grad()
def algorithm1(R, D, x_t, t, state=None):
    x = x_t
    for s in range(t, 0, -1):
        x0_hat = R(x, torch.full((len(x),), s, device=x.device))     # x̂0 = R(x_s, s)
        x = D(x0_hat, s - 1, state)                                  # x_{s-1} = D(x̂0, s-1)
    return x


@torch.no_grad()
def tacos(R, D, x_t, t, state=None):
    x = x_t
    for s in range(t, 0, -1):
        x0_hat = R(x, torch.full((len(x),), s, device=x.device))     # x̂0 = R(x_s, s)
        x = x - D(x0_hat, s, state) + D(x0_hat, s - 1, state)       # x_{s-1} = x_s − D(x̂0, s) + D(x̂0, s-1)
    return x


# %% [markdown]
# They must give what the library's `cold.sample(R, D, x_t, t, method=...)` gives (`"naive"` is the
# library's name of Algorithm 1, `"tacos"` of Algorithm 2):

# %%
st_check = D.sample_state(x0_check, generator=torch.Generator().manual_seed(ctx.seed))
x_T_check = D(x0_check, D.T, st_check)
torch.testing.assert_close(algorithm1(R, D, x_T_check, D.T, st_check),
                           cold.sample(R, D, x_T_check, D.T, method="naive", state=st_check))
torch.testing.assert_close(tacos(R, D, x_T_check, D.T, st_check),
                           cold.sample(R, D, x_T_check, D.T, method="tacos", state=st_check))
print(f"the five-line Algorithm 1 and TACoS equal cold.sample on {len(x0_check)} test digits (T = {D.T})")

# %% [markdown]
# ### The library at scale
#
# From here on the library does the work: `cold.sample` also accepts one $t$ per image, re-draws nothing
# along the trajectory, and calls `callback(s, x_s, x̂0)` at every step, which `C.trajectory` uses to keep
# every iterate. All N test digits, all three ways, from the same $x_T = D(x_0, T)$:

# %%
st = D.sample_state(x0_test, generator=torch.Generator().manual_seed(ctx.seed))
x_T = D(x0_test, D.T, st)
runs = {meth: C.trajectory(R, D, x_T, D.T, meth, state=st) for meth in ("direct", "naive", "tacos")}
show = C.spread_indices(len(x0_test), 8)
rows = [("x_T = D(x0, T)", x_T), ("Direct R(x_T, T)", runs["direct"][0]), ("Algorithm 1", runs["naive"][0]),
        ("TACoS", runs["tacos"][0]), ("Original x0", x0_test)]
cols = [("", C.to01(torch.stack([r[i].cpu() for _, r in rows]))) for i in show]
ctx.save_fig(C.grid_figure(cols, row_labels=[lbl for lbl, _ in rows], size=0.9,
                           title=f"Restoring x_T three ways ({info['preset']}, {info['scale']} scale, T = {D.T})"),
             "backward_results");

# %% [markdown]
# **What to look for.** Each column is one test digit. The direct reconstruction $R(x_T, T)$ is already
# close (this blur keeps enough of the digit), but softer; TACoS ends on a sharp digit close to the
# original; Algorithm 1, from the very same $x_T$ and the very same $R$, thins strokes and breaks them apart
# (with the shipped model: the 8 and the 3), because each step throws $x_s$ away and re-blurs $R$'s
# estimate, so $R$'s errors are fed back to it.
# (Notebook 02 measures this on the paper's metrics; notebook 01 gives the paper's explanation.)
#
# ### Step by step
#
# For one digit, the iterate $x_s$ and the network's estimate $\hat x_0 = R(x_s, s)$ as $s$ runs down from
# $T$ ($s = 0$ is the result):

# %%
keep = C.spaced_steps(D.T, 8)
rows_lbl = ["Algorithm 1: x_s", "Algorithm 1: x̂0", "TACoS: x_s", "TACoS: x̂0"]
one = show[len(show) // 2]
columns = []
for s in keep:
    col = []
    for meth in ("naive", "tacos"):
        final, xs, x0s = runs[meth]
        col += [xs[s][one], (x0s[s][one] if s in x0s else final[one])]
    columns.append((f"s = {s}", C.to01(torch.stack(col))))
ctx.save_fig(C.grid_figure(columns, row_labels=rows_lbl, title="The backward process, step by step (s = 0: the result)"),
             "backward_step_by_step");

# %% [markdown]
# **What to look for.** Along TACoS, $x_s$ sharpens gradually — each step adds back the detail that one blur
# step removed, $D(\hat x_0, s-1) - D(\hat x_0, s)$ (a difference of Gaussians: a band of frequencies,
# Section 4.1) — while $\hat x_0$ barely changes. Along Algorithm 1, $x_s$ is always a blurred copy of the
# latest estimate, so whatever $R$ got wrong at step $s$ is baked into $x_{s-1}$.
#
# The same with a slider over $s$, for eight digits:

# %%
def backward_figure(s):
    cols = []
    for meth, name in (("naive", "Algorithm 1"), ("tacos", "TACoS")):
        final, xs, x0s = runs[meth]
        cols.append((f"{name}: x_s", C.to01(xs[s][show])))
        cols.append((f"{name}: x̂0", C.to01(x0s[s][show] if s in x0s else final[show])))
    return C.grid_figure(cols, title=f"s = {s}" + (" (the result)" if s == 0 else ""), max_rows=len(show))


if widgets is not None:
    s_slider = widgets.IntSlider(min=0, max=D.T, step=1, value=D.T, description="s", continuous_update=False)
    frame_s = widgets.Image(format="png")

    def redraw_s(_=None):
        frame_s.value = png(backward_figure(s_slider.value))

    s_slider.observe(redraw_s, names="value")
    redraw_s()
    display(widgets.VBox([s_slider, frame_s]))
else:
    print("ipywidgets is not installed: the step-by-step figure above shows the same iterates.")

# %% [markdown]
# ### How close does each sampler get?
#
# RMSE to the original digits (in $[0, 1]$ units) over the N test images. Pixel error is not the whole
# story: the paper's Table 1 shows TACoS trading a little RMSE against the direct reconstruction for a
# better FID (notebook 02).

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
                [f"Checkpoint {info['checkpoint']}, T = {info['T']}. The paper reports no number for this lesson."]);

# %% [markdown]
# **What to read.** With the shipped model, all three restorations are closer to $x_0$ than $x_T$ is. Of the
# two samplers, TACoS ends much closer to the original than Algorithm 1 with the same network — Section 3.3
# (notebook 01) explains why; on this mild blur the direct reconstruction is about as close in RMSE as TACoS
# (in the paper's Table 1 it is slightly closer, and TACoS wins on FID instead).
#
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
                  claim=claim, held=held, evidence=evidence, headline=headline, extra=dict(N=len(x0_test)));

# %% [markdown]
# ## Try this
#
# 1. **Another kernel.** Replace `gaussian_kernel` by a box kernel (`torch.ones(size, size) / size**2`) and
#    rerun section 2: the check against the library fails — where is the difference largest? What would
#    a model trained on your $D$ need?
# 2. **Another schedule.** Make `sigma_s` return the paper's $\sigma = 7$ for every step and look at
#    `blur(digit, 40)`: how much of the digit is left (compare its standard deviation across pixels to one
#    grey level, $2/255$)? Why did the shipped model use a milder schedule?
# 3. **From one sampler to the other.** In `tacos`, delete `x - D(x0_hat, s, state)` from the update:
#    which algorithm do you get? Now keep it but swap the order of the terms — is the result still equal to
#    `cold.sample` (`assert_close` allows for rounding)?
# 4. **Start halfway.** Restore `D(x0_test, D.T // 2)` with both loops (`t = D.T // 2`). Does the gap
#    between Algorithm 1 and TACoS shrink when fewer steps are taken?
# 5. **Another degradation.** Run the notebook with `preset="mnist-inpaint"` (a shipped model): the inline
#    blur check is skipped, but the sampler loops still must match `cold.sample` — with a random `state`
#    (the mask centre) that has to stay fixed along the trajectory.
