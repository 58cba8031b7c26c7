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
# # 03 · Inpainting — Section 4.2, Table 2, Figure 4
#
# Cold Diffusion's second degradation removes pixels instead of blurring them: a growing grey hole.
# Nothing about it is Gaussian noise, yet the same recipe — a degradation $D$, a network $R$ trained to
# undo it, and a sampler — fills the hole with plausible content. This notebook
#
# 1. writes the paper's $D$ (a product of Gaussian masks, with the authors' 8-bit quantisation) and
#    checks it against the library;
# 2. shows why the quantisation is there;
# 3. writes TACoS (and Algorithm 1) as short loops, checks them against `cold.sample`, and shows what
#    each does to the pixels the mask left visible;
# 4. then uses the library at scale to reproduce Table 2 and Figure 4.
#
# ## The idea
#
# **The degradation (Section 4.2).** A mask $z_\beta$ is a 2-D Gaussian of width $\beta$, normalised to
# peak 1 and subtracted from 1, so it is 0 at its centre $c$ and 1 far away:
#
# $$z_\beta(i, j) = 1 - \exp\!\Big(-\frac{(i - c_y)^2 + (j - c_x)^2}{2\beta^2}\Big), \qquad
# D(x_0, t) = x_0 \cdot \prod_{i=1}^{t} z_{\beta_i} = x_0 \cdot G_t ,$$
#
# with $\cdot$ the pixel-wise product, $T = 50$, and $\beta$ growing each step. The masked pixels go
# to 0, the grey of images in $[-1, 1]$. The centre $c$ is random per image for MNIST and CIFAR-10 —
# the degradation's **state**, drawn once and kept fixed along a whole sampling trajectory — and fixed
# for CelebA.
#
# **Text versus code.** The paper's text calls $\beta$ the Gaussian's *variance*, with $\beta_1 = 1$,
# $\beta_{i+1} = \beta_i + 0.1$, and says pixel values are "rounded to the eight most significant
# digits" (Appendix A.2). The authors' code uses $\beta$ as the *standard deviation*, starting at
# $\beta_1 = 1.1$, and quantises $x_t$ to 8 bits. Only the latter reproduces Figure 4 and the
# Degraded column of Table 2, so that is what the presets (and the cells below) do — see
# `docs/fidelity.md` and `cold fidelity`. MNIST runs at 32 px, as in the authors' code.
#
# **Sampling (Section 3.2).** As in every section, $s = T, \dots, 1$ with $\hat x_0 = R(x_s, s)$ and
#
# | Algorithm 1 (naive sampling) | TACoS (Algorithm 2) |
# |---|---|
# | $x_{s-1} = D(\hat x_0, s-1)$ | $x_{s-1} = x_s - D(\hat x_0, s) + D(\hat x_0, s-1)$ |
#
# For this $D$ (ignoring the quantisation) the TACoS step is $x_{s-1} = x_s + (G_{s-1} - G_s)\cdot \hat x_0$:
# $G_{s-1} - G_s$ is a thin *ring* at the edge of the hole, so TACoS fills the hole from its rim
# inwards and leaves the pixels the mask did not touch as they were in $x_T$. Algorithm 1
# instead replaces *every* pixel by the network's re-masked estimate at every step.
#
# **The paper's claim (Table 2).** The reconstructions are far closer to the data than the masked
# inputs, and the sampled (TACoS) reconstruction has a lower FID than the direct one on every dataset
# (MNIST 1.61 vs 2.24, CIFAR-10 8.92 vs 9.97, CelebA 5.73 vs 7.74), at slightly worse RMSE.
#
# **What runs here.** At `scale = "demo"` the notebook loads the shipped model `models/mnist-inpaint`
# (the paper's degradation, trained for 4,000 steps on two CPU cores; the paper trains 60,000 steps at
# batch 64). `scale = "cpu"` trains one (~15-30 min), `dataset = "cifar10"` switches to CIFAR-10; CelebA
# needs a folder of images.

# %% tags=["parameters"]
# Parameters -- papermill injects the values it is given in a cell right after this one.
scale = "demo"               # demo (shipped models, ~1-2 min) | smoke (CI) | cpu | paper
dataset = "mnist"            # picks the training preset when `preset` is None
preset = None                # a training preset of cold.presets (`cold presets` lists them)
device = "auto"              # auto | cpu | cuda
n_eval = None                # N test images (None: 50 demo, 8 smoke, 200 cpu, 10000 paper)
seed = 0
out_dir = None               # where figures, tables and summary.json go (None: scratch/<notebook>)
checkpoint = None            # evaluate this trained model (demo: the shipped models/<preset>)
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

ctx = C.setup("03_inpainting", scale=scale, device=device, n_eval=n_eval, seed=seed, out_dir=out_dir,
              run_root=run_root, fid_features=fid_features)

# %% [markdown]
# ## The paper's numbers
#
# Copied from the paper's Table 2 (FID against the held-out test data; SSIM and RMSE against the original images).

# %%
SECTION, TITLE, TABLE = "4.2", "Inpainting", "Table 2"
PAPER_REF = "Section 4.2, Table 2, Figure 4"
# Table 2: (FID, SSIM, RMSE) of the degraded inputs, the sampled (TACoS) and the direct reconstructions.
PAPER = {
    "MNIST":    {"degraded": (108.48, 0.490, 0.262), "tacos": (1.61, 0.941, 0.068), "direct": (2.24, 0.948, 0.060)},
    "CIFAR-10": {"degraded": (40.83, 0.615, 0.143), "tacos": (8.92, 0.859, 0.068), "direct": (9.97, 0.869, 0.063)},
    "CelebA":   {"degraded": (127.85, 0.663, 0.155), "tacos": (5.73, 0.917, 0.043), "direct": (7.74, 0.922, 0.039)},
}

# Our dataset names -> the paper's row names (CelebA models here read a folder of images).
PAPER_NAME = {"mnist": "MNIST", "cifar10": "CIFAR-10", "celeba": "CelebA", "folder": "CelebA"}

# %% [markdown]
# ## The model
#
# At `demo` scale: the shipped `models/mnist-inpaint`. Otherwise trained through the library
# (`cold.training.train`, the same as `cold train PRESET --scale SCALE`) into
# `run_root/<preset>-<scale>` — a finished run there is reused, an interrupted one resumed — or loaded
# from `checkpoint`.

# %%
preset = preset or C.pick_preset(dataset, {"mnist": "mnist-inpaint", "cifar10": "cifar10-inpaint", "celeba": "celeba-inpaint"})
m, info = ctx.model(preset, checkpoint=checkpoint, train_steps=train_steps, overrides=overrides)
R, D = m.model, m.degradation
dev = ctx.torch_device
ours_name = PAPER_NAME.get(info["dataset"], info["dataset"])
label = f"{info['dataset']} ({info['preset']})" + (" — stand-in" if info["stand_in"] else "")
print(D)

# %% [markdown]
# ## 1. $D$ written out: a product of Gaussian masks
#
# The mask $z_\beta$, the cumulative mask $G_t = \prod_{i \le t} z_{\beta_i}$ with
# $\beta_i = \beta_1 + 0.1\,(i - 1)$, and the authors' 8-bit quantisation
# $x \mapsto \lfloor (x+1)/2 \cdot 255 \rfloor / 255 \cdot 2 - 1$ (rounding *down*; the library adds
# $10^{-4}$ so that a value already on a level stays there). $\beta_1$, the step, the quantisation and
# the centre rule are read from the loaded model so the cell also works for the other presets; for MNIST
# and CIFAR-10 they are 1.1, 0.1, 8 bits and a random centre. Edit any line and rerun what follows.

# %%
beta_1, beta_step, bits = D.beta_start, D.beta_step, D.quantize_bits      # 1.1, 0.1, 8 (MNIST, CIFAR-10)
betas = [beta_1 + beta_step * i for i in range(D.T)]                      # β_1, ..., β_T
print(f"β_1 = {betas[0]:.1f}, β_2 = {betas[1]:.1f}, ..., β_T = {betas[-1]:.1f}; {bits} bits; centre: {D.center}")


def z(beta, H, W, cy, cx):
    """One mask z_β: 0 at the centre (cy, cx), rising to 1 with a Gaussian profile of standard deviation β."""
    i = torch.arange(H, dtype=torch.float64)[:, None]
    j = torch.arange(W, dtype=torch.float64)[None, :]
    return 1 - torch.exp(-((i - cy) ** 2 + (j - cx) ** 2) / (2 * beta ** 2))


def G(t, H, W, cy, cx):
    """G_t = z_{β_1} · ... · z_{β_t} (G_0 = 1)."""
    out = torch.ones(H, W, dtype=torch.float64)
    for beta in betas[:t]:
        out = out * z(beta, H, W, cy, cx)
    return out


def quantize(x, bits=8):
    """The authors' discretisation: round down to 2^bits levels in [-1, 1]."""
    levels = 2 ** bits - 1
    return torch.floor(((x.double() + 1) / 2 * levels).clamp(0, levels) + 1e-4) / levels * 2 - 1


def inpaint(x0, t, centers):
    """x_t = quantize(x0 · G_t), one mask centre (cy, cx) per image; D(x0, 0) = x0 exactly."""
    if t == 0:
        return x0
    H, W = x0.shape[-2:]
    masks = torch.stack([G(t, H, W, int(cy), int(cx)) for cy, cx in centers.tolist()])[:, None]
    x_t = x0 * masks.to(x0)
    return (quantize(x_t, bits) if bits else x_t).to(x0.dtype)


# %% [markdown]
# The library precomputes $G_t$ once for every $t$ on a table of centre offsets, so $D$ costs the same
# for every $t$ (`cold/degradations/inpaint.py`). The state — here the mask centres — is drawn with
# `D.sample_state`, and the same state must be passed to every call of $D$ on these images:

# %%
from cold.evaluate import test_images

x0_eval, _ = test_images(m, ctx.n_eval)                 # the N test images evaluated below (evenly spaced)
x0 = x0_eval[C.spread_indices(len(x0_eval), 8)].to(dev)  # eight of them, for the figures of this notebook
H, W = x0.shape[-2:]
state = D.sample_state(x0, generator=torch.Generator().manual_seed(ctx.seed))
centers = state["center"] if D.center == "random" else torch.tensor([[H // 2, W // 2]] * len(x0))
for t in range(D.T + 1):
    torch.testing.assert_close(inpaint(x0, t, centers), D(x0, t, state))
print(f"the inline inpainting equals the library's D(x0, t, state) for t = 0..{D.T} on {len(x0)} test images; "
      f"centres (row, column): {centers.tolist()}")

# %%
ts_show = C.spaced_steps(D.T, 7)[::-1]                   # t = 0, ..., T
G_T = torch.stack([G(D.T, H, W, int(cy), int(cx)) for cy, cx in centers.tolist()])[:, None].float()
cols = [(f"t = {t}", C.to01(inpaint(x0, t, centers))) for t in ts_show] + [("mask G_T", G_T)]
ctx.save_fig(C.grid_figure(cols, max_rows=len(x0), size=0.9,
                           title=f"The forward process x_t = D(x0, t) ({info['preset']}, T = {D.T})"),
             "forward_inpainting");

# %% [markdown]
# **What to look for.** Each row is one test image with its own random centre (last column: the final
# mask $G_T$, black where the pixels are gone). The hole starts as a pinprick and grows smoothly with
# $t$; inside it the pixels go to mid-grey (0), not black, so on MNIST the hole is visible even where
# the digit was background. Where the centre falls on the background, $x_T$ keeps the whole digit and the
# task is easy; where it falls on a stroke, the network has to invent the missing part — that is where
# TACoS and the direct reconstruction will differ.
#
# ## 2. Why quantise? Reading the hidden pixels back
#
# Without the quantisation a "hidden" pixel is not gone: it holds $x_0 \cdot G_T$ with a tiny but
# non-zero $G_T$, and dividing by $G_T$ gives $x_0$ back to float precision. A network can learn to
# exploit that residue. Quantising $x_t$ to 8 bits sets every such pixel to the same grey level:

# %%
hidden = (G_T > 0) & (G_T < 1 / 255)                     # masked to well under one 8-bit grey level
raw = x0.cpu() * G_T                                     # x0 · G_T, not quantised
for name, x_t in (("not quantised", raw), ("8-bit quantised (the authors')", quantize(raw).float())):
    back = (x_t / G_T.clamp_min(1e-300)).clamp(-1, 1)    # try to undo the mask: x_t / G_T
    err = float((back - x0.cpu())[hidden].abs().mean()) / 2
    print(f"{name:32s}: {int(hidden.sum())} hidden pixels hold {len(x_t[hidden].unique())} distinct values; "
          f"x_t / G_T recovers x0 there to a mean error of {err:.2g} (in [0, 1] units)")

# %% [markdown]
# Without quantisation the masked image still contains the digit, exactly; with it, the hole holds one
# value and the network must genuinely inpaint. (The paper's wording, "eight most significant digits",
# would not do this: 8 significant decimal digits keep a float32 exactly.)
#
# ## 3. TACoS and Algorithm 1 written out
#
# The same loops as in notebook 02, now with the degradation's `state` — the mask centres — passed to
# every call of $D$ (TACoS is only valid if $D(\hat x_0, s)$ and $D(\hat x_0, s-1)$ use the *same* mask as
# the one that made $x_T$):

# %%
@torch.no_grad()
def tacos(R, D, x_t, t, state):
    x = x_t
    for s in range(t, 0, -1):
        x0_hat = R(x, torch.full((len(x),), s, device=x.device))     # x̂0 = R(x_s, s)
        x = x - D(x0_hat, s, state) + D(x0_hat, s - 1, state)       # x_{s-1} = x_s − D(x̂0, s) + D(x̂0, s-1)
    return x


@torch.no_grad()
def algorithm1(R, D, x_t, t, state):
    x = x_t
    for s in range(t, 0, -1):
        x = D(R(x, torch.full((len(x),), s, device=x.device)), s - 1, state)   # x_{s-1} = D(R(x_s, s), s-1)
    return x


x_T = D(x0, D.T, state)
with torch.no_grad():
    ours = {"Direct R(x_T, T)": R(x_T, torch.full((len(x0),), D.T, device=dev)),
            "Algorithm 1": algorithm1(R, D, x_T, D.T, state), "TACoS": tacos(R, D, x_T, D.T, state)}
# the library's TACoS: cold.sample(R, D, x_T, T, method="tacos", state=state), run through C.trajectory,
# which also keeps the iterates x_s and x̂0 at the steps `keep` (for the step-by-step figure below)
keep = C.spaced_steps(D.T, 7)
lib_tacos, xs, x0s = C.trajectory(R, D, x_T, D.T, "tacos", state=state, keep=keep)
torch.testing.assert_close(ours["TACoS"].cpu(), lib_tacos)
print(f"TACoS written out equals cold.sample(..., method='tacos', state=state) on {len(x0)} test images (T = {D.T})")
cols = [("Degraded x_T", C.to01(x_T))] + [(name, C.to01(x)) for name, x in ours.items()] + [("Original x0", C.to01(x0))]
ctx.save_fig(C.grid_figure(cols, max_rows=len(x0), size=1.25,
                           title=f"Three ways back from the same x_T ({info['preset']}, {ctx.scale} scale)"),
             "samplers_inpainting");

# %% [markdown]
# **What to look for.** Each row is one test image, each column one way back from the same $x_T$ with the
# same network and the same mask centre. Where the hole missed the digit, all three are nearly perfect.
# Where it covers part of a stroke, Direct and TACoS both continue the visible strokes into the hole —
# compare how sharp and how plausible the invented part is. Algorithm 1 is the odd one out: its strokes
# come out speckled and it can even change the digit, because it re-creates *every* pixel from $R$'s
# re-masked, re-quantised estimate at every step, and $R$'s errors compound (Section 3.3). The numbers,
# split by where the pixels are (mean absolute error in $[0, 1]$ units):

# %%
visible, hole = G_T > 0.99, G_T < 0.01                   # untouched by the mask / fully masked
print(f"{'':22s}{'visible pixels':>16s}{'hole':>10s}   ({float(visible.float().mean()):.0%} and "
      f"{float(hole.float().mean()):.0%} of the pixels)")
for name, x in [("Degraded x_T", x_T)] + list(ours.items()):
    e = (x.cpu().clamp(-1, 1) - x0.cpu()).abs() / 2
    print(f"{name:22s}{float(e[visible].mean()):16.4f}{float(e[hole].mean()):10.4f}")

# %% [markdown]
# **What to read.** In the visible pixels TACoS stays at the error of $x_T$ itself (just the 8-bit
# rounding): it never rewrites what the mask left, because there $G_{s-1} = G_s = 1$ and the step adds
# nothing. Algorithm 1 does rewrite them, and its visible-pixel error is typically many times larger.
# In the hole, where the model has to invent, compare the three yourself; the paper's claim is about
# the distribution of the results (FID), measured below.
#
# ### Step by step: filling the hole from its rim
#
# For two of the images, along the library's TACoS run above: $x_s$, the estimate $\hat x_0 = R(x_s, s)$,
# and the increment $D(\hat x_0, s-1) - D(\hat x_0, s)$ of that step (mid-grey = 0, contrast stretched per
# image).

# %%
pick = [0, len(x0) // 2]
xs = {s: x[pick] for s, x in xs.items()}
x0s = {s: x[pick] for s, x in x0s.items()}
st_two = {k: v[pick] for k, v in state.items()} if state is not None else None


def stretch(d):
    """A signed image -> [0, 1] with 0 at mid-grey, each image scaled to its own largest |value|."""
    return 0.5 + 0.5 * d / d.abs().amax(dim=(1, 2, 3), keepdim=True).clamp_min(1e-12)


st_cpu = {k: v.cpu() for k, v in st_two.items()} if st_two is not None else None
blank = torch.ones_like(C.to01(xs[0])[0])
cols = []
for s in keep[:-1]:                                              # s = T, ..., 1 (s = 0 is the result)
    added = stretch(D(x0s[s], s - 1, st_cpu) - D(x0s[s], s, st_cpu))
    cols.append((f"s = {s}", torch.cat([torch.stack([C.to01(xs[s])[i], C.to01(x0s[s])[i], added[i]])
                                       for i in range(len(pick))])))
cols.append(("result", torch.cat([torch.stack([C.to01(xs[0])[i], blank, blank]) for i in range(len(pick))])))
rows = [f"{w} ({i + 1})" for i in range(len(pick)) for w in ("x_s", "x̂0 = R(x_s, s)", "added")]
ctx.save_fig(C.grid_figure(cols, row_labels=rows, size=0.95, title="TACoS step by step"), "tacos_step_by_step");

# %% [markdown]
# **What to look for.** The *added* row is a ring — $(G_{s-1} - G_s)\cdot\hat x_0$, quantised — that
# shrinks toward the mask centre as $s$ falls: TACoS paints the hole from the outside in, each step
# copying a thin ring of the current estimate $\hat x_0$ (dark where $\hat x_0$ is background, bright
# where it is a stroke). Early rings are wide, the last ones a few pixels at the centre. Meanwhile
# $\hat x_0$ hardly changes: the network decides early what the digit is, and the sampler writes it in.
#
# ## 4. The library at scale: Table 2
#
# `cold.evaluate.evaluate_restoration` degrades N held-out test images (one mask centre per image, from a
# generator seeded by `seed` and the image's index), restores them directly and with TACoS (the paper's
# *Sampled*), and scores each set — the degraded inputs too — against the same N test images.

# %%
from cold.evaluate import format_markdown

result = C.evaluate_restoration(ctx, m, methods=("tacos", "direct"))
rows = {r["key"]: r for r in result["rows"]}
print(format_markdown(result))

# %% [markdown]
# **What to read.** The degraded row measures $D$ alone: a random grey hole. Both reconstructions should
# be far below it in FID and RMSE. Between them, the paper has TACoS lower in FID (more realistic) and
# slightly higher in RMSE (its invented strokes need not be the original ones); at small N only the
# direction is worth reading.
#
# ## Figures: Figure 4 and the progressive restoration (Figure 10)

# %%
C.restoration_figures(ctx, m, result, "figure4_inpainting", f"Inpainting: {label}, {ctx.scale} scale",
                      progressive_name="figure10_progressive_inpainting")

# %% [markdown]
# **What to look for.** The first figure is the paper's Figure 4 for our model: masked input $D(x_0, T)$,
# direct reconstruction, TACoS, original, for eight evaluated images spread over the test subset — their
# masks come from the evaluation's own states, so they differ from the ones above. The second is the
# analogue of Figure 10: $x_s$ along TACoS for three images, the hole closing from its rim to its centre.
#
# ## Table 2: ours beside the paper's
#
# Every row carries its scale, N, training steps and hardware. FID is biased at small N (it falls as N
# grows): compare our FIDs with each other, and with the paper's only loosely; KID is unbiased.

# %%
groups = C.RESTORATION_GROUPS
table_rows = C.paper_restoration_rows(PAPER, steps=C.PAPER_STEPS_INPAINT, groups=groups)
table_rows.append(C.our_restoration_row(ctx, result, info, label))
notes = [f"Ours: {ctx.scale} scale, checkpoint {info['checkpoint']}, degradation {info['degradation']} "
         f"(T = {info['T']}{', overrides ' + str(info['degradation_overrides']) if info['degradation_overrides'] else ''}); "
         f"features: {ctx.feature_network}.",
         "Paper: full-scale models (Appendix A); N and hardware are not stated."] + ["Paper: inpainting models are trained for 60,000 steps at batch 64 (Appendix A.2)."]
if info["notes"]:
    notes.append("Preset notes: " + info["notes"])
ctx.write_table("table2", "Table 2 — inpainting: ours beside the paper's", C.restoration_columns(ctx, groups), table_rows, notes);

# %% [markdown]
# ## The paper's claim, checked

# %%
g, s, d = rows["degraded"], rows["tacos"], rows["direct"]
claim = "Sampled (TACoS) FID is below both the Degraded and the Direct FID"
held = bool(s["fid"] < g["fid"] and s["fid"] < d["fid"])
evidence = (f"{ctx.fid_label} degraded {g['fid']:.2f}, sampled {s['fid']:.2f}, direct {d['fid']:.2f}; "
            f"RMSE degraded {g['rmse']:.3f}, sampled {s['rmse']:.3f}, direct {d['rmse']:.3f}; "
            f"N = {ctx.n_eval}, {ctx.scale} scale.")
paper_row = PAPER.get(ours_name) or next(iter(PAPER.values()))
paper_label = ours_name if ours_name in PAPER else next(iter(PAPER))
headline = [dict(metric=f"{lbl} ({info['dataset']})", ours=rows[k][metric],
                 paper=(paper_row.get(g) or (None, None, None))[i], paper_ref=f"{TABLE}, {paper_label}")
            for lbl, k, metric, g, i in [(f"{ctx.fid_label}, Degraded", "degraded", "fid", "degraded", 0),
                              (f"{ctx.fid_label}, Sampled (TACoS)", "tacos", "fid", "tacos", 0),
                              (f"{ctx.fid_label}, Direct", "direct", "fid", "direct", 0)]]
ctx.write_summary(section=SECTION, title=TITLE, paper_ref=PAPER_REF, claim=claim, held=held,
                  evidence=evidence, headline=headline);

# %% [markdown]
# **How to read the verdict.** One model, one N, one seed: a difference of a few FID points between TACoS
# and Direct at N = 50 is within the noise of the estimate (compare the KID ± std above). Rerun with a
# larger `n_eval` before drawing a conclusion.
#
# ## Try this
#
# 1. **The paper's text, literally.** Make $\beta$ the variance (`(2 * beta)` instead of `(2 * beta ** 2)`
#    in `z`) and start at `beta_1 = 1.0`: how much smaller is the final hole? (The library has it as
#    `beta_is="variance"`; `cold fidelity` compares both readings with Table 2's Degraded column.)
# 2. **No quantisation.** Set `bits = None` in section 1 (the check against the library now fails, rightly)
#    and show `(inpaint(x0, D.T, centers) / G_T.to(x0)).clamp(-1, 1)`: the whole digit is still there. What
#    would a network trained on unquantised inputs learn?
# 3. **A fixed centre.** Pass `centers = torch.tensor([[H // 2, W // 2]] * len(x0))` (CelebA's rule) to
#    `inpaint`: what does the model — trained on random centres — do with a hole at the centre?
# 4. **The wrong state.** Run `tacos(R, D, x_T, D.T, D.sample_state(x0))`, i.e. with freshly drawn mask
#    centres instead of the ones that made $x_T$. What goes wrong, and why does TACoS need the state fixed?
# 5. **Algorithm 1 in Table 2.** `C.evaluate_restoration(ctx, m, methods=("naive", "tacos", "direct"))`.
# 6. **More data.** `n_eval = 200`, or `dataset = "cifar10"` with `scale = "cpu"`.
