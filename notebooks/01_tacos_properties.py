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
# # 01 · Why TACoS works — Section 3.3, Figure 2
#
# Notebook 00 introduced the two samplers of Section 3.2. Both start from a degraded $x_t$ and, for
# $s = t, \dots, 1$, ask the restoration network for $\hat x_0 = R(x_s, s)$; they differ in the step:
#
# $$\text{Algorithm 1:}\quad x_{s-1} = D(\hat x_0, s-1) \qquad\qquad
#   \text{TACoS (Algorithm 2):}\quad x_{s-1} = x_s - D(\hat x_0, s) + D(\hat x_0, s-1).$$
#
# If $R$ were a perfect inverse, $R(D(x_0, s), s) = x_0$, both would walk down the *ideal trajectory*
# $x_s = D(x_0, s)$. A trained $R$ is never perfect. Section 3.3 asks what each sampler does with $R$'s errors.
#
# **The argument.** Take a degradation that is linear in the severity, $D(x, s) = x + s\,e$ for a constant
# vector $e$. This is the first-order Taylor expansion in $s$ of any smooth $D$, $D(x, s) \approx x + s\,e(x)$
# (no other zeroth-order term, because $D(x, 0) = x$), under the extra assumption that $e$ does not depend
# on $x$. Start TACoS on the ideal
# trajectory, $x_s = D(x_0, s)$, and write $R = R(x_s, s)$ for *whatever* the network returns:
#
# $$x_{s-1} = x_s - D(R, s) + D(R, s-1) = (x_0 + s e) - (R + s e) + (R + (s-1) e) = x_0 + (s-1)\,e = D(x_0, s-1).$$
#
# $R$ cancels. By induction TACoS stays *exactly* on $x_s = D(x_0, s)$ for every $s$, for **any** $R$ — as
# if $R$ were perfect. (The paper's display drops the $e$ in "$x_0 + (s-1)$"; the line above is the intended one.)
#
# Algorithm 1 has no such cancellation: $x_{s-1} = D(R, s-1) = R + (s-1)\,e$, so
# $x_{s-1} - D(x_0, s-1) = R - x_0$. Every step inherits $R$'s full error, and the next call of $R$ sees an
# input that is no longer a degraded image of the kind it was trained on — errors compound. Even at the end,
# $x_0$ is not a fixed point: $D(R(x_0, 0), 0) = R(x_0, 0) \ne x_0$ for an imperfect $R$.
#
# The paper is careful that this is "not a complete convergence theory": real degradations are only
# approximately of the form $x + s\,e$, mostly for small $s$. This notebook checks the argument in three steps:
#
# 1. **Exactly linear $D$**, with deliberately wrong $R$s: TACoS exact, Algorithm 1 drifting.
# 2. **Blur**, the degradation of Figure 2, with the trained deblurring model `mnist-blur` — and the same
#    network with errors added on purpose.
# 3. **Figure 2 itself**: generation from a flat grey $x_T$ with `mnist-blur-generation`, where
#    Algorithm 1 fails visibly.
#
# The measure throughout is the distance of the iterate from the ideal trajectory, $\lVert x_s - D(x_0, s)\rVert$
# (as an RMS per pixel, in $[0, 1]$ image units, for the image parts).

# %% tags=["parameters"]
# Parameters -- papermill injects the values it is given in a cell right after this one.
scale = "demo"               # demo (shipped models, ~1-2 min) | smoke (CI) | cpu | paper
dataset = "mnist"            # picks the deblurring preset of Part 2 when `preset` is None
preset = None                # a training preset of cold.presets (`cold presets` lists them); None: <dataset>-blur
device = "auto"              # auto | cpu | cuda
n_eval = None                # N test images (None: 50 demo, 8 smoke, 200 cpu, 10000 paper; at most 64 here)
seed = 0
out_dir = None               # where figures, tables and summary.json go (None: scratch/<notebook>)
checkpoint = None            # use this trained deblurring model (demo: the shipped models/<preset>)
run_root = None              # models are trained into run_root/<preset>-<scale> (None: runs/, as `cold train`)
train_steps = None           # override the scale's number of training steps
fid_features = "inception"   # "pixels": a cheap NON-FID stand-in, for CI smoke tests only (unused here)
overrides = []               # config overrides (syntax of `cold train --set`) for the deblurring model
generation_preset = "mnist-blur-generation"  # Part 3 (Figure 2); None skips it
generation_checkpoint = None  # use this trained generation model instead (demo: models/<generation_preset>)
n_generate = 12              # x_T's of Part 3 (at most N)


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

ctx = C.setup("01_tacos_properties", scale=scale, device=device, n_eval=n_eval, seed=seed, out_dir=out_dir,
              run_root=run_root, fid_features=fid_features, uses_fid=False)

# %%

import matplotlib.pyplot as plt
from IPython.display import display
from matplotlib.ticker import MaxNLocator

from cold import sample
from cold.evaluate import test_images

try:  # the slider is optional: every widget below also has a static figure
    import ipywidgets as widgets
except ImportError:
    widgets = None


png = C.png  # a figure as PNG bytes for the sliders' Image widgets (see _common.png)

NAMES = {"naive": "Algorithm 1", "tacos": "TACoS"}  # the library's method names -> the paper's

# %% [markdown]
# ## Part 1: an exactly linear degradation $D(x, s) = x + s\,e$
#
# Four random 16×16 "images" $x_0$, a fixed random direction $e$, $T = 50$. The degradation is
# three lines; it works with `cold.sample` like any library degradation (anything with `T` and
# `__call__(x0, s, state)`).

# %%
class LinearDegradation:
    """D(x, s) = x + s * e: the model problem of Section 3.3."""

    def __init__(self, e, T):
        self.e, self.T = e, T

    def __call__(self, x0, s, state=None):
        s = torch.as_tensor(s, dtype=x0.dtype, device=x0.device).reshape(-1, 1, 1, 1)
        return x0 + s * self.e


T_LIN = 50
g = torch.Generator().manual_seed(ctx.seed)
x0_lin = torch.rand(4, 1, 16, 16, generator=g) * 2 - 1
e = 0.02 * torch.randn(1, 1, 16, 16, generator=g)
D_lin = LinearDegradation(e, T_LIN)

# %% [markdown]
# First the algebra above, for one step: from the ideal $x_s$, a TACoS step with a completely arbitrary
# estimate $\hat x_0$ (random numbers) lands exactly on $D(x_0, s-1)$; Algorithm 1's step lands wherever
# $\hat x_0$ points.

# %%
s = 17
x_s = D_lin(x0_lin, s)
x0_hat = torch.randn(x0_lin.shape, generator=g)                 # "R(x_s, s)": any estimate at all
tacos_step = x_s - D_lin(x0_hat, s) + D_lin(x0_hat, s - 1)     # TACoS
alg1_step = D_lin(x0_hat, s - 1)                               # Algorithm 1
torch.testing.assert_close(tacos_step, D_lin(x0_lin, s - 1))   # exact: x̂0 cancels
print(f"one step from s = {s}: RMS distance from D(x0, s-1): TACoS "
      f"{float((tacos_step - D_lin(x0_lin, s - 1)).pow(2).mean().sqrt()):.1e}, "
      f"Algorithm 1 {float((alg1_step - D_lin(x0_lin, s - 1)).pow(2).mean().sqrt()):.2f}")

# %% [markdown]
# Now whole trajectories, $s = T, \dots, 0$, with `cold.sample` and five restoration operators, from a
# perfect inverse to nonsense (an untrained U-Net). The callback records $\lVert x_s - D(x_0, s)\rVert$ at
# every step.

# %%
bias = 0.1 * torch.randn(1, 1, 16, 16, generator=g)
net = cold.UNet(channels=1, dim=8, dim_mults=(1, 2)).eval()  # an untrained network: an arbitrary R

OPERATORS = {  # R(x_s, s)
    "perfect inverse: x - s e": lambda x, s: x - s.view(-1, 1, 1, 1) * e,
    "biased inverse: x - s e + b": lambda x, s: x - s.view(-1, 1, 1, 1) * e + bias,
    "identity: x": lambda x, s: x.clone(),
    "zero: 0": lambda x, s: torch.zeros_like(x),
    "untrained U-Net": lambda x, s: net(x, s),
}


def trajectory_error(R, D, x0, method, scale=1.0):
    """{s: RMS of x_s - D(x0, s)} along one run of `method` from x_T = D(x0, T) (s = 0: the result)."""
    errs = {}

    def cb(s, x_s, x0_hat):
        errs[s] = float(((x_s - D(x0, s)) ** 2).mean().sqrt()) * scale

    final = sample(R, D, D(x0, D.T), D.T, method=method, callback=cb)
    errs[0] = float(((final - x0) ** 2).mean().sqrt()) * scale
    return errs


lin_rows, lin_curves = [], {}
for name, R_op in OPERATORS.items():
    for method in ("naive", "tacos"):
        errs = trajectory_error(R_op, D_lin, x0_lin, method)
        lin_curves[(name, NAMES[method])] = errs
        lin_rows.append(dict(experiment="linear D(x, s) = x + s e", R=name, algorithm=NAMES[method],
                             max_error=max(errs.values()), final_error=errs[0]))
TOY_TACOS_TOL, TOY_NAIVE_MIN = 1e-4, 1e-2
toy_tacos = max(r["max_error"] for r in lin_rows if r["algorithm"] == "TACoS")
toy_naive = min(r["max_error"] for r in lin_rows if r["algorithm"] == "Algorithm 1" and not r["R"].startswith("perfect"))
toy_held = toy_tacos < TOY_TACOS_TOL and toy_naive > TOY_NAIVE_MIN
print(f"TACoS: largest distance over all R and s {toy_tacos:.2g} (float rounding); "
      f"Algorithm 1 with an imperfect R: smallest largest distance {toy_naive:.2g}")

fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharey=True)
for ax, label in zip(axes, ("Algorithm 1", "TACoS")):
    for name in OPERATORS:
        errs = lin_curves[(name, label)]
        ss = sorted(errs)
        ax.semilogy(ss, [max(errs[k], 1e-9) for k in ss], marker=".", markersize=3, label=name)
    ax.set_title(f"{label}, linear D(x, s) = x + s e", fontsize=10)
    ax.set_xlabel("s (sampling runs from s = T down to 0)")
    ax.invert_xaxis()
axes[0].set_ylabel("RMS of x_s − D(x0, s)")
axes[1].legend(fontsize=7, loc="center left")
fig.tight_layout()
ctx.save_fig(fig, "linear_degradation_errors");

# %% [markdown]
# **What to look for.** Right: every TACoS curve lies on the floor of the plot (distances of order $10^{-7}$,
# float32 rounding), whatever $R$ is — a network with random weights restores these "images" exactly. Left:
# Algorithm 1 is exact only with the perfect inverse (bottom); every imperfect $R$ throws $x_s$ off the
# trajectory at the first step, and it never comes back. This is the whole of Section 3.3's claim, in its
# idealised setting.
#
# ## Part 2: blur and a trained network
#
# Blur (Section 4.1) is not of the form $x + s\,e$, but it is *linear in the image*:
# $D(x, s) = \bar G_s * x$. Subtracting the ideal trajectory from the two updates, with
# $\varepsilon_s = x_s - D(x_0, s)$ the distance from it and $\hat x_0 - x_0$ the error of $R$ at step $s$:
#
# $$\text{TACoS:}\quad \varepsilon_{s-1} = \varepsilon_s + (\bar G_{s-1} - \bar G_s) * (\hat x_0 - x_0)
#   \qquad\qquad \text{Algorithm 1:}\quad \varepsilon_{s-1} = \bar G_{s-1} * (\hat x_0 - x_0).$$
#
# TACoS lets $R$'s error in only through $\bar G_{s-1} - \bar G_s$, a difference of Gaussians: the band of
# frequencies that step $s$ removes. Errors outside that band — smooth, low-frequency ones, which blur
# leaves almost untouched — nearly cancel, and a constant error cancels exactly, as in Part 1. Algorithm 1
# passes the whole (blurred) error on at every step. Let's see it with the shipped deblurring model (`models/mnist-blur`, $T = 20$).

# %%
m, info = ctx.model(preset or f"{dataset}-blur", checkpoint=checkpoint, train_steps=train_steps, overrides=overrides)
R, D = m.model, m.degradation
dev = ctx.torch_device
x0, _ = test_images(m, min(ctx.n_eval, 64))  # evenly spaced test digits; every iterate is kept: at most 64
x0 = x0.to(dev)
st = D.sample_state(x0, generator=torch.Generator().manual_seed(ctx.seed))
x_T = D(x0, D.T, st)


def run_both(R, D, x0, x_t, state, t=None):
    """Algorithm 1 and TACoS from the same x_t (t = T unless given), every iterate kept, and the
    distances of the iterates from the ideal trajectory D(x0, s), per image and on average."""
    t = D.T if t is None else t
    ideal = {s: D(x0, s, state).cpu() for s in range(t + 1)}
    out = dict(T=t, x0=x0.cpu(), ideal=ideal)
    for method in ("naive", "tacos"):
        final, xs, x0s = C.trajectory(R, D, x_t, t, method, state=state)
        x0s[0] = final                                          # s = 0: show the result as the estimate
        per_image = {s: ((xs[s] - ideal[s]) ** 2).mean(dim=(1, 2, 3)).sqrt() / 2 for s in xs}  # [0, 1] units
        out[NAMES[method]] = dict(xs=xs, x0s=x0s, per_image=per_image,
                                  curve={s: float(((xs[s] - ideal[s]) ** 2).mean().sqrt()) / 2 for s in xs})
    return out


blur_run = run_both(R, D, x0, x_T, st)
curves = {label: blur_run[label]["curve"] for label in ("Algorithm 1", "TACoS")}
mean_err = {label: sum(c.values()) / len(c) for label, c in curves.items()}
trained_held = mean_err["TACoS"] < mean_err["Algorithm 1"]


def plot_distance(ax, run, title, s_mark=None):
    """‖x_s − D(x0, s)‖ against s for both samplers: the mean over images and the 10-90 % band."""
    for label, colour in (("Algorithm 1", "tab:red"), ("TACoS", "tab:blue")):
        ss = sorted(run[label]["curve"])
        per = torch.stack([run[label]["per_image"][k] for k in ss])          # (steps, images)
        ax.plot(ss, [run[label]["curve"][k] for k in ss], marker=".", color=colour, label=label)
        if per.shape[1] > 2:
            lo, hi = per.quantile(0.1, dim=1), per.quantile(0.9, dim=1)
            ax.fill_between(ss, lo.numpy(), hi.numpy(), color=colour, alpha=0.15, linewidth=0)
    if s_mark is not None:
        ax.axvline(s_mark, color="0.4", linestyle="--", linewidth=1)
    ax.set_xlim(run["T"] + 0.5, -0.5)                                     # sampling runs right to left
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("s")
    ax.set_ylabel("RMS of x_s − D(x0, s)  ([0, 1] units)")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="upper left")


fig, ax = plt.subplots(figsize=(6, 3.6))
plot_distance(ax, blur_run, f"Distance from the ideal trajectory ({info['preset']}, N = {len(x0)})")
fig.tight_layout()
ctx.save_fig(fig, "figure2_trajectory_error");

# %% [markdown]
# **What to look for.** Both samplers start on the trajectory ($s = T$, distance 0) with the same network.
# TACoS (blue) stays close to $D(x_0, s)$ for most of the way and only separates in the last few steps, where
# $D$ changes the image most per step and the band $\bar G_{s-1} - \bar G_s$ holds the fine detail $R$ cannot
# know. Algorithm 1 (red) leaves the trajectory at once and the distance keeps growing, several times TACoS's
# by the end. Lines: the mean over the N digits; bands: the 10–90 % range over digits.
#
# The iterates behind the curves, for one digit — $x_s$ and $\hat x_0 = R(x_s, s)$ of each sampler, and the
# ideal $D(x_0, s)$:

# %%
def iterate_columns(run, idx, steps):
    """grid_figure columns: one per s; rows x_s and x̂0 of both samplers and the ideal D(x0, s)."""
    cols = []
    for s in steps:
        col = []
        for label in ("Algorithm 1", "TACoS"):
            col += [run[label]["xs"][s][idx], run[label]["x0s"][s][idx]]
        col.append(run["ideal"][s][idx])
        cols.append((f"s = {s}", C.to01(torch.stack(col))))
    return cols


ITER_ROWS = ["Algorithm 1: x_s", "Algorithm 1: x̂0", "TACoS: x_s", "TACoS: x̂0", "ideal D(x0, s)"]
one = C.spread_indices(len(x0), 8)[min(4, len(x0) - 1)] if len(x0) > 1 else 0
ctx.save_fig(C.grid_figure(iterate_columns(blur_run, one, C.spaced_steps(D.T, 9)), row_labels=ITER_ROWS,
                           title="Iterates of Algorithm 1 and TACoS and the ideal trajectory (s = 0: the result)"),
             "figure2_iterates");

# %% [markdown]
# **What to look for.** Compare each $x_s$ row with the bottom row. TACoS's $x_s$ is hard to tell from the
# ideal blurred digit at every $s$. Algorithm 1's $x_s$ is a blurred copy of the *estimate*, so the estimate's
# flaws (a thinned or broken stroke) are blurred in, fed to $R$ at the next step, and grow.
#
# ### Robust to errors in $R$
#
# The trained $R$ is accurate, so its errors are small. Make them large on purpose — three wrong $R$s built
# from the trained one — and rerun both samplers (on up to 8 digits):
#
# * $R + 0.2$: a constant brightness bias. Blur does not change a constant image, so
#   $(\bar G_{s-1} - \bar G_s) * 0.2 = 0$: TACoS should not notice it at all.
# * $1.2\,R$: a gain error (too much contrast).
# * $R + n$: a fixed random pattern $n$ of standard deviation 0.2, mostly high frequencies.

# %%
n_wrong = min(len(x0), 8)
x0_w = x0[C.spread_indices(len(x0), n_wrong)]
pattern = 0.2 * torch.randn((1,) + tuple(m.image_shape), generator=torch.Generator().manual_seed(ctx.seed)).to(dev)
WRONG = {  # name: R'(x_s, s)
    "trained R": R,
    "R + 0.2 (constant bias)": lambda x, s: R(x, s) + 0.2,
    "1.2 R (gain error)": lambda x, s: 1.2 * R(x, s),
    "R + fixed pattern (std 0.2)": lambda x, s: R(x, s) + pattern,
}
wrong_curves = {(name, NAMES[meth]): trajectory_error(R_w, D, x0_w, meth, scale=0.5)
                for name, R_w in WRONG.items() for meth in ("naive", "tacos")}

fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharey=True)
for ax, label in zip(axes, ("Algorithm 1", "TACoS")):
    for name in WRONG:
        errs = wrong_curves[(name, label)]
        ss = [k for k in sorted(errs) if k < D.T]                       # s = T is exactly 0 (log scale)
        ax.semilogy(ss, [max(errs[k], 1e-6) for k in ss], marker=".", markersize=4, label=name)
    ax.set_title(f"{label} with a wrong R ({info['preset']}, {n_wrong} digits)", fontsize=10)
    ax.set_xlim(D.T + 0.5, -0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("s")
axes[0].set_ylabel("RMS of x_s − D(x0, s)  ([0, 1] units)")
axes[1].legend(fontsize=7, loc="lower right")
fig.tight_layout()
ctx.save_fig(fig, "wrong_R_trajectory_error");
wrong_rows = []
for name in WRONG:
    for label in ("Algorithm 1", "TACoS"):
        c = wrong_curves[(name, label)]
        wrong_rows.append(dict(experiment=f"blur with a deliberately wrong R ({info['preset']}, N = {n_wrong})",
                               R=name, algorithm=label, max_error=max(c.values()), final_error=c[0],
                               mean_error=sum(c.values()) / len(c)))
robust_held = all(wrong_curves[(n, "TACoS")][0] < wrong_curves[(n, "Algorithm 1")][0] for n in WRONG if n != "trained R")
print("final distance from x0 (RMS, [0, 1] units):")
for name in WRONG:
    print(f"  {name:30s} Algorithm 1 {wrong_curves[(name, 'Algorithm 1')][0]:.3f}   TACoS {wrong_curves[(name, 'TACoS')][0]:.3f}")

# %% [markdown]
# **What to look for.** Right panel: the constant bias leaves TACoS's curve on top of the trained $R$'s —
# exactly the cancellation of Part 1, for the part of the error that blur leaves unchanged. The gain error
# costs TACoS a little; the high-frequency pattern costs it more, towards the end, because the last steps'
# band $\bar G_{s-1} - \bar G_s$ holds exactly those frequencies. Left panel: Algorithm 1 is hurt by every one
# of them, and the bias is the worst — $R$ keeps seeing a brighter input than it was trained on and adds its
# bias again at every step. Same network, same errors, same $x_T$: the sampler decides whether $R$'s errors
# are forgiven or compounded.
#
# ## Part 3: Figure 2 — generation from a flat grey image
#
# The paper's Figure 2 (and Figure 18) is *generation* with blur (Section 5.2): blur until the image is a flat
# colour — its mean — and learn to reverse that. A new image is sampled by drawing a flat $x_T$ and running
# the sampler; a tiny per-pixel noise breaks the symmetry. Here that is the shipped `mnist-blur-generation`
# (32 px digits, the paper's 27×27 kernels with $\sigma_s = e^{0.01 (s-1)}$, $T = 80$, noise 0.0002). To have
# an ideal trajectory to measure against, $x_T$ is the grey level of a real test digit,
# $x_T = D(x_0, T) + 0.0002\,z$. (The model's prior, `mg.prior.start`, used by `cold generate`, draws the grey
# level from a Gaussian fitted to the grey levels of the training digits instead; notebook 08 uses it.)

# %%
gen_run = None
if generation_preset:
    mg, ginfo = ctx.model(generation_preset, checkpoint=generation_checkpoint)
    Rg, Dg = mg.model, mg.degradation
    noise_std = float((mg.config.get("prior") or {}).get("noise_std") or 0.0)
    x0g, _ = test_images(mg, max(2, min(n_generate, ctx.n_eval)))
    x0g = x0g.to(dev)
    gen_state = Dg.sample_state(x0g, generator=torch.Generator().manual_seed(ctx.seed))
    x_Tg = Dg(x0g, Dg.T, gen_state)
    x_Tg = x_Tg + noise_std * torch.randn(x_Tg.shape, generator=torch.Generator().manual_seed(ctx.seed)).to(dev)
    gen_run = run_both(Rg, Dg, x0g, x_Tg, gen_state)
    ink = {label: float((gen_run[label]["xs"][0] > 0).float().mean()) for label in ("Algorithm 1", "TACoS")}
    ink["real"] = float((x0g > 0).float().mean())
    gen_mean = {label: sum(gen_run[label]["curve"].values()) / len(gen_run[label]["curve"]) for label in ("Algorithm 1", "TACoS")}
    gen_held = abs(ink["TACoS"] - ink["real"]) < abs(ink["Algorithm 1"] - ink["real"]) and gen_mean["TACoS"] < gen_mean["Algorithm 1"]
    print(f"ink fraction (pixels brighter than mid-grey): real digits {ink['real']:.3f}, "
          f"TACoS {ink['TACoS']:.3f}, Algorithm 1 {ink['Algorithm 1']:.3f}")
    Tg = Dg.T
    print(f"mean brightness ([-1, 1]): x_T {float(x_Tg.mean()):+.3f}; x̂0 = R(x_T, T) {float(gen_run['TACoS']['x0s'][Tg].mean()):+.3f}; "
          f"x_(T-1): Algorithm 1 {float(gen_run['Algorithm 1']['xs'][Tg - 1].mean()):+.3f}, "
          f"TACoS {float(gen_run['TACoS']['xs'][Tg - 1].mean()):+.3f}")

    steps_g = sorted({Dg.T, round(Dg.T * 3 / 4), Dg.T // 2, Dg.T // 4, Dg.T // 8, Dg.T // 16, 2, 1, 0}, reverse=True)
    cols, rows_lbl = [], []
    starts = C.spread_indices(len(x0g), 3)
    for s in steps_g:
        col = [gen_run[label]["xs"][s][i] for i in starts for label in ("Algorithm 1", "TACoS")]
        cols.append(("result" if s == 0 else f"s = {s}", C.to01(torch.stack(col))))
    rows_lbl = [f"x_T #{k + 1}: {label}" for k in range(len(starts)) for label in ("Algorithm 1", "TACoS")]
    ctx.save_fig(C.grid_figure(cols, row_labels=rows_lbl, size=0.95,
                               title=f"Figure 2 analogue: x_s from the same grey x_T ({ginfo['preset']}, T = {Dg.T})"),
                 "figure2_generation")
else:
    print("generation_preset is None: Part 3 skipped")

# %% [markdown]
# **What to look for.** Each pair of rows starts from one flat grey $x_T$ (first column; the noise is far
# below one grey level). TACoS (the second row of each pair) grows a blob into a digit, coarse shape first and
# detail last, as blur is undone band by band. Algorithm 1 (the first row), from the very same $x_T$ and with
# the very same network, fades to black within the first steps and ends in a few specks — the paper's
# "compounding artifacts … fails to generate a new image". Its specks are the same whatever the start:
# it has forgotten $x_T$ altogether.
#
# Why? Look at the brightness printed above. $R$ is trained with an $\ell_1$ loss, whose best guess under
# uncertainty is the pixelwise *median*; for a flat grey input, where a stroke could be anywhere, that is
# nearly black, so $\hat x_0 = R(x_T, T)$ is darker than $x_T$. Algorithm 1 replaces $x_s$ by the blurred
# estimate and with it the darker brightness; $R$ then sees a darker input than any training image of that
# grey level, guesses an even fainter digit, and so on down to black. TACoS only adds
# $D(\hat x_0, s-1) - D(\hat x_0, s)$, which has zero mean (a circular blur keeps an image's mean): $x_s$ keeps the
# brightness of $x_T$ exactly. That is the constant-bias cancellation of Part 2 again, now for an error that
# $R$ makes by itself.
#
# All the results side by side, with the test digit whose grey level each $x_T$ was:

# %%
if gen_run is not None:
    rows = [("Algorithm 1", gen_run["Algorithm 1"]["xs"][0]), ("TACoS", gen_run["TACoS"]["xs"][0]),
            ("digit of the grey", x0g.cpu())]
    cols = [("", C.to01(torch.stack([r[i] for _, r in rows]))) for i in range(len(x0g))]
    ctx.save_fig(C.grid_figure(cols, row_labels=[lbl for lbl, _ in rows], size=0.7,
                               title=f"Results from the same {len(x0g)} grey x_T's: Algorithm 1 vs TACoS ({ginfo['preset']})"),
                 "figure2_samples")
    fig, ax = plt.subplots(figsize=(6, 3.6))
    plot_distance(ax, gen_run, f"Generation: distance from D(x0, s), x0 the digit of the grey ({len(x0g)} x_T)")
    fig.tight_layout()
    ctx.save_fig(fig, "figure2_generation_distance");

# %% [markdown]
# **What to look for.** Top row: Algorithm 1's specks (ink fraction printed above, a fraction of real digits');
# middle: TACoS's digits. The bottom row is *not* a target — a flat grey keeps only the mean brightness of
# the digit it came from, so TACoS draws a digit of about that much ink, usually a different one.
#
# In the plot, TACoS follows the ideal trajectory $D(x_0, s)$ of that digit for most of the way: heavily
# blurred digits of the same brightness all look alike, so there is nothing to disagree about yet. It parts
# from it only in the last steps, where it commits to its own digit. Algorithm 1 leaves the trajectory in the
# very first steps (the fade to black), long before any choice of digit is made.
#
# ## Step through it yourself
#
# Pick an experiment and move $s$ from $T$ down to 0: the iterates $x_s$ and estimates $\hat x_0$ of both
# samplers for four images, the ideal $D(x_0, s)$, and where you are on the distance curve. (The static
# figures above hold the same content for a reader of the executed notebook.)

# %%
EXPERIMENTS = {f"deblurring ({info['preset']}), x_T = D(x0, T)": blur_run}
if gen_run is not None:
    EXPERIMENTS[f"generation ({ginfo['preset']}), grey x_T"] = gen_run


def step_figures(experiment, s):
    """The iterates of both samplers at step s (four images), and the distance curve marked at s."""
    run = EXPERIMENTS[experiment]
    s = min(s, run["T"])
    cols = []
    for i in C.spread_indices(len(run["x0"]), 4):
        col = [run[label][key][s][i] for label in ("Algorithm 1", "TACoS") for key in ("xs", "x0s")]
        cols.append((f"image {i}", C.to01(torch.stack(col + [run["ideal"][s][i]]))))
    grid = C.grid_figure(cols, row_labels=ITER_ROWS, size=0.9, title=f"s = {s}" + (" (the result)" if s == 0 else ""))
    fig, ax = plt.subplots(figsize=(5.5, 3.0))
    plot_distance(ax, run, experiment, s_mark=s)
    fig.tight_layout()
    return grid, fig


if widgets is not None:
    first = next(iter(EXPERIMENTS))
    pick = widgets.Dropdown(options=list(EXPERIMENTS), value=first, description="experiment",
                            layout=widgets.Layout(width="60%"))
    s_slider = widgets.IntSlider(min=0, max=EXPERIMENTS[first]["T"], step=1, value=EXPERIMENTS[first]["T"],
                                 description="s", continuous_update=False)
    iterates, distance = widgets.Image(format="png"), widgets.Image(format="png")

    def redraw(_=None):
        grid, curve = step_figures(pick.value, s_slider.value)
        iterates.value, distance.value = png(grid), png(curve)

    def new_experiment(change):
        s_slider.max = EXPERIMENTS[change["new"]]["T"]
        s_slider.value = s_slider.max
        redraw()

    pick.observe(new_experiment, names="value")
    s_slider.observe(redraw, names="value")
    redraw()
    display(widgets.VBox([widgets.HBox([pick, s_slider]), widgets.HBox([iterates, distance])]))
else:
    print("ipywidgets is not installed (pip install ipywidgets): the figures above show the same iterates.")

# %% [markdown]
# ## Table

# %%
rows = [dict(r, paper="TACoS: exact (0) for any R; Algorithm 1: drifts unless R is perfect") for r in lin_rows]
for label, c in curves.items():
    rows.append(dict(experiment=f"trained deblurring ({info['preset']}, {info['scale']} scale, {info['steps']} steps, N = {len(x0)})",
                     R="trained U-Net", algorithm=label, max_error=max(c.values()), final_error=c[0],
                     mean_error=mean_err[label], paper="Figure 2: Algorithm 1 compounds artifacts, TACoS succeeds"))
rows += [dict(r, paper="Section 3.3: TACoS tolerates errors in R; Algorithm 1 compounds them") for r in wrong_rows]
if gen_run is not None:
    for label in ("Algorithm 1", "TACoS"):
        c = gen_run[label]["curve"]
        rows.append(dict(experiment=f"generation from a grey x_T ({ginfo['preset']}, {ginfo['scale']} scale, "
                                    f"{ginfo['steps']} steps, N = {len(x0g)}; ink of the real digits {ink['real']:.3f})",
                         R="trained U-Net", algorithm=label, max_error=max(c.values()), final_error=c[0],
                         mean_error=gen_mean[label], ink=ink[label],
                         paper="Figures 2, 18: Algorithm 1 fails to generate an image, TACoS succeeds"))
ctx.write_table("tacos_properties", "Section 3.3: distance of the iterates from the ideal trajectory D(x0, s)",
                [("experiment", "Experiment"), ("R", "Restoration operator R"), ("algorithm", "Sampler"),
                 ("max_error", "max over s of RMS(x_s - D(x0, s))", 6), ("final_error", "RMS(x_0 - x0)", 6),
                 ("mean_error", "mean over s", 6), ("ink", "ink fraction of x_0", 3), ("paper", "Paper")], rows,
                [f"Linear problem: 4 random 16x16 images, T = {T_LIN}, |e| ~ 0.02; errors in image units.",
                 f"Trained models: errors in [0, 1] units; checkpoints {info['checkpoint']}"
                 + (f", {ginfo['checkpoint']}" if gen_run is not None else "") + "; hardware "
                 f"{ctx.ours(info, len(x0))['hardware']}.",
                 "Ink fraction: pixels brighter than mid-grey (generation rows only)."]);

# %% [markdown]
# ## The paper's claims, checked

# %%
subclaims = [
    dict(claim="For a linear degradation TACoS is exact for any R while Algorithm 1 drifts", held=bool(toy_held),
         evidence=f"TACoS max error {toy_tacos:.2g} (< {TOY_TACOS_TOL:g}); Algorithm 1 with imperfect R: min of max errors "
                  f"{toy_naive:.2g} (> {TOY_NAIVE_MIN:g})"),
    dict(claim="On a trained deblurring model TACoS stays closer to D(x0, s) than Algorithm 1", held=bool(trained_held),
         evidence=f"mean over s of RMSE(x_s - D(x0, s)): TACoS {mean_err['TACoS']:.4f} vs Algorithm 1 {mean_err['Algorithm 1']:.4f}"),
    dict(claim="With errors added to the trained R (bias, gain, pattern), TACoS ends closer to x0 than Algorithm 1",
         held=bool(robust_held),
         evidence="; ".join(f"{n}: TACoS {wrong_curves[(n, 'TACoS')][0]:.3f} vs Algorithm 1 {wrong_curves[(n, 'Algorithm 1')][0]:.3f}"
                            for n in WRONG if n != "trained R")),
]
if gen_run is not None:
    subclaims.append(dict(
        claim="Figure 2: from the same grey x_T, TACoS generates digits while Algorithm 1 fades to specks", held=bool(gen_held),
        evidence=f"ink fraction TACoS {ink['TACoS']:.3f}, Algorithm 1 {ink['Algorithm 1']:.3f}, real {ink['real']:.3f}; "
                 f"mean distance from D(x0, s): TACoS {gen_mean['TACoS']:.4f} vs Algorithm 1 {gen_mean['Algorithm 1']:.4f}"))
claim = "TACoS is exact under a linear degradation for any R and stays on the trajectory where Algorithm 1 drifts"
held = all(s["held"] for s in subclaims)
evidence = "; ".join(f"{s['claim']}: {'held' if s['held'] else 'did NOT hold'} ({s['evidence']})" for s in subclaims)
evidence += f"; trained part: N = {len(x0)}, {ctx.scale} scale."
headline = [dict(metric="linear D: max trajectory error, TACoS (any R)", ours=toy_tacos, paper=0.0,
                 paper_ref="Section 3.3 (exact)", N=4, steps="—"),
            dict(metric="linear D: min trajectory error, Algorithm 1 (imperfect R)", ours=toy_naive, paper=None,
                 paper_ref="Section 3.3 (drifts)", N=4, steps="—"),
            dict(metric=f"trained {info['preset']}: mean trajectory error, TACoS", ours=mean_err["TACoS"], paper=None,
                 paper_ref="Figure 2 (qualitative)", N=len(x0)),
            dict(metric=f"trained {info['preset']}: mean trajectory error, Algorithm 1", ours=mean_err["Algorithm 1"],
                 paper=None, paper_ref="Figure 2 (qualitative)", N=len(x0))]
if gen_run is not None:
    headline += [dict(metric=f"{ginfo['preset']} from a grey x_T: ink fraction, {label} (real digits {ink['real']:.3f})",
                      ours=ink[label], paper=None, paper_ref="Figures 2, 18 (qualitative)", N=len(x0g),
                      steps=ginfo["steps"]) for label in ("TACoS", "Algorithm 1")]
ctx.write_summary(section="3.3", title="Properties of TACoS", paper_ref="Section 3.3, Figure 2", claim=claim,
                  held=held, evidence=evidence, headline=headline, extra=dict(subclaims=subclaims, N=len(x0)));

# %% [markdown]
# ## Try this
#
# 1. **Beyond first order.** Give `LinearDegradation` a quadratic term, `x0 + s * e + 0.01 * s**2 * e2`
#    (a second fixed direction `e2`), and rerun Part 1. TACoS is no longer exact: how does its error grow with
#    the size of the quadratic term? Does it still beat Algorithm 1?
# 2. **A term that depends on x.** Section 3.3 needs $e$ independent of $x$. Try `x0 * (1 - s / (2 * T))` (a
#    fade to black, $e(x) = -x/(2T)$): which of the operators of Part 1 does TACoS still restore exactly, and why?
# 3. **Which errors does TACoS forgive?** In Part 2, replace the constant bias by a smooth ramp
#    (`torch.linspace(-0.2, 0.2, 28).view(1, 1, 1, 28)`) and the pattern by a blurred one
#    (`D(pattern, 10)`). Predict from the difference-of-Gaussians formula before you run it.
# 4. **The paper's own start.** In Part 3, draw $x_T$ from the model's prior instead:
#    `x_Tg, gen_state = mg.prior.start(Dg, 16, mg.image_shape, noise_std=noise_std)`, and compare the
#    samples (there is no ideal trajectory to plot now: why not?).
# 5. **Fewer steps.** Algorithm 1's fade compounds step by step. Start Part 3 from
#    `Dg(x0g, Dg.T // 4, gen_state)` with `run_both(Rg, Dg, x0g, that, gen_state, t=Dg.T // 4)` — a restoration
#    problem rather than generation: does Algorithm 1 still fail? And from `Dg.T // 2`?
