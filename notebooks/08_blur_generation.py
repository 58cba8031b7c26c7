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
# # 08 · Generation by deblurring — Section 5.2 and Appendix A.7, Table 5 (cold columns), Figures 7, 17, 18
#
# With enough blur every image becomes a constant: each channel equals its mean, so $x_T$ lives in a
# 3-dimensional space. The paper fits a one-component Gaussian mixture (GMM) to the channel means of the
# training images, samples a colour, expands it to a solid image and deblurs it with TACoS.
#
# **The paper's claims:**
#
# 1. *Perfect symmetry* (a solid-colour $x_T$) generates with high fidelity but low diversity; adding
#    Gaussian noise of standard deviation 0.002 to $x_T$ (*broken symmetry*) improves FID a lot
#    (Table 5: CelebA 97.00 → 49.45, AFHQ 93.05 → 54.68).
# 2. TACoS is necessary: direct reconstruction from $x_T$ is far worse (A.7: FID 257.69 CelebA, 214.24
#    AFHQ, broken symmetry; Figure 17) and Algorithm 1 "fails completely" (Figure 18).
#
# Stand-in: CelebA/AFHQ at 128 px are not available offline. The `cifar10-blur-generation` preset uses
# CIFAR-10 at 32 px with the paper's 27×27 kernels and σ_t = e^{0.01 t}, and T = 100, which already blurs
# 32 px images to their mean colour (the paper's T = 300 is for 128 px).

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

ctx = C.setup("08_blur_generation", scale=scale, device=device, n_eval=n_eval, seed=seed, out_dir=out_dir,
              run_root=run_root, fid_features=fid_features)

# %% [markdown]
# ## The paper's numbers

# %%
SECTION, TITLE, TABLE = "5.2", "Generation by deblurring", "Table 5 (cold diffusion)"
PAPER_REF = "Section 5.2, Appendix A.7, Table 5, Figures 7, 17, 18"
# Table 5, "Cold Diffusion" columns (TACoS), and Appendix A.7's direct reconstruction (broken symmetry).
PAPER = {"CelebA": {"perfect": 97.00, "broken": 49.45, "direct_broken": 257.69},
         "AFHQ":   {"perfect": 93.05, "broken": 54.68, "direct_broken": 214.24}}
PERFECT, BROKEN = 0.0, 0.002  # noise_std added to x_T

# %% [markdown]
# ## The model and its prior

# %%
preset = preset or C.pick_preset(dataset, {"cifar10": "cifar10-blur-generation", "celeba": "celeba-blur-generation",
                    "afhq": "afhq-blur-generation"})
m, info = ctx.model(preset, checkpoint=checkpoint, train_steps=train_steps, overrides=overrides)
R, D = m.model, m.degradation
label = f"{info['dataset']} ({info['preset']})" + (" — stand-in for CelebA/AFHQ" if info["stand_in"] else "")
gmm = m.prior
print(D)
print(gmm, "\nmeans:", gmm.means.numpy().round(3), "\ncovariance:\n", gmm.covariances.numpy().round(4))

# %% [markdown]
# ### The forward process ends in a solid colour, and the GMM of mean colours

# %%
import matplotlib.pyplot as plt
from cold.evaluate import test_images

x0, ref_info = test_images(m, ctx.n_eval)
x0 = x0.to(ctx.torch_device)
steps = C.spaced_steps(D.T, 8)
ctx.save_fig(C.grid_figure([(f"t={t}", C.to01(D(x0[:4], t))) for t in reversed(steps)],
                           title="Forward process D(x0, t): blurred to the mean colour at t = T"), "forward_blur")

means = x0.mean(dim=(2, 3)).cpu().numpy()
draws = gmm.sample_colors(max(200, len(means)), generator=torch.Generator().manual_seed(ctx.seed)).numpy()
C_ = means.shape[1]
pairs = [(0, 1), (1, 2)] if C_ == 3 else [(0, 0)]
fig, axes = plt.subplots(1, len(pairs), figsize=(4.2 * len(pairs), 3.6), squeeze=False)
for ax, (i, j) in zip(axes[0], pairs):
    if C_ == 3:
        ax.scatter(draws[:, i], draws[:, j], s=6, alpha=0.4, label="GMM samples")
        ax.scatter(means[:, i], means[:, j], s=12, c="k", label="test images' mean colours")
        ax.set_xlabel("RGB"[i] + " mean"); ax.set_ylabel("RGB"[j] + " mean")
    else:
        ax.hist(draws[:, 0], bins=30, alpha=0.5, density=True, label="GMM samples")
        ax.hist(means[:, 0], bins=30, alpha=0.5, density=True, label="test images")
    ax.legend(fontsize=7)
fig.suptitle("The prior over x_T: a 1-component GMM of channel-wise mean colours (fitted on training images)")
ctx.save_fig(fig, "gmm_mean_colours")

# %% [markdown]
# ## Evaluation: perfect vs broken symmetry × direct, Algorithm 1, TACoS

# %%
from cold.evaluate import format_markdown

result = C.evaluate_generation(ctx, m, noise_stds=(PERFECT, BROKEN), methods=("direct", "naive", "tacos"))
print(format_markdown(result))
r = {(ns, meth): C.find_row(result, meth, noise_std=ns) for ns in (PERFECT, BROKEN) for meth in ("direct", "naive", "tacos")}

# %% [markdown]
# ## Figures 7, 17 and 18 (analogues)

# %%
from cold.priors import generation_start

im = result["images"]
setting = {ns: C.find_row(result, "tacos", noise_std=ns)["setting"] for ns in (PERFECT, BROKEN)}
x_T = {ns: generation_start(D, gmm, ctx.n_eval, m.image_shape, noise_std=ns,
                            generator=torch.Generator().manual_seed(ctx.seed))[0] for ns in (PERFECT, BROKEN)}
# Figure 7: generated samples (TACoS, broken symmetry), and the same starts with perfect symmetry.
ctx.save_fig(C.grid_figure([("perfect symmetry", im[(setting[PERFECT], "tacos")]),
                            ("broken symmetry", im[(setting[BROKEN], "tacos")])],
                           title=f"Figure 7 analogue: TACoS generations ({label})"), "figure7_generated")
# Figure 17: x_T | direct | TACoS (broken symmetry); Algorithm 1 beside them.
ctx.save_fig(C.grid_figure([("x_T (GMM + noise)", C.to01(x_T[BROKEN])), ("direct", im[(setting[BROKEN], "direct")]),
                            ("Algorithm 1", im[(setting[BROKEN], "naive")]), ("TACoS", im[(setting[BROKEN], "tacos")])],
                           title="Figure 17 analogue: x_T, direct reconstruction, Algorithm 1 and TACoS"),
             "figure17_direct_vs_tacos")
# Figure 18: the iterates of Algorithm 1 and TACoS from the same x_T.
keep = C.spaced_steps(D.T, 9)
start = x_T[BROKEN][:2].to(ctx.torch_device)
_, xs_naive, _ = C.trajectory(R, D, start, D.T, "naive", keep=keep)
_, xs_tacos, _ = C.trajectory(R, D, start, D.T, "tacos", keep=keep)
columns = [(f"s={s}", C.to01(torch.cat([xs_naive[s], xs_tacos[s]]))) for s in keep]
ctx.save_fig(C.grid_figure(columns, row_labels=["Alg. 1, #1", "Alg. 1, #2", "TACoS, #1", "TACoS, #2"],
                           title="Figure 18 analogue: Algorithm 1 (top) vs TACoS (bottom)"), "figure18_algorithm1_vs_tacos")

# %% [markdown]
# ## Table 5 (cold columns) and Appendix A.7

# %%
rows = []
for ds, v in PAPER.items():
    rows += [C.paper_row(dataset=ds, setting="perfect symmetry (noise_std 0)", sampler="TACoS (Algorithm 2)", fid=v["perfect"]),
             C.paper_row(dataset=ds, setting="broken symmetry (noise_std 0.002)", sampler="TACoS (Algorithm 2)", fid=v["broken"]),
             C.paper_row(dataset=ds, setting="broken symmetry (noise_std 0.002)", sampler="Direct", fid=v["direct_broken"])]
ours = C.our_generation_rows(ctx, result, info, label)
for row in ours:
    row["setting"] = ("perfect symmetry" if row["noise_std"] == PERFECT else "broken symmetry") + f" ({row['setting']})"
rows += ours
notes = [f"Ours: {ctx.scale} scale, checkpoint {info['checkpoint']}, T = {info['T']}, "
         f"{info['image_size']} px; features: {ctx.feature_network}.",
         "Paper: 128x128 CelebA and AFHQ, T = 300; Table 5 (TACoS) and Appendix A.7 (direct, broken symmetry). "
         "The paper gives no FID for Algorithm 1 (Figure 18 shows it failing)."]
if info["notes"]:
    notes.append("Preset notes: " + info["notes"])
ctx.write_table("table5_cold", "Table 5, cold diffusion (blur) — ours beside the paper's", C.generation_columns(ctx), rows, notes)

# %% [markdown]
# ## The paper's claims, checked

# %%
f = lambda ns, meth: r[(ns, meth)]["fid"]  # noqa: E731
subclaims = [
    dict(claim="Broken symmetry beats perfect symmetry (TACoS FID)", held=bool(f(BROKEN, "tacos") < f(PERFECT, "tacos")),
         evidence=f"{ctx.fid_label} {f(PERFECT, 'tacos'):.2f} (perfect) -> {f(BROKEN, 'tacos'):.2f} (broken)"),
    dict(claim="TACoS beats direct reconstruction (broken symmetry)", held=bool(f(BROKEN, "tacos") < f(BROKEN, "direct")),
         evidence=f"{ctx.fid_label} TACoS {f(BROKEN, 'tacos'):.2f} vs direct {f(BROKEN, 'direct'):.2f}"),
    dict(claim="TACoS beats Algorithm 1 (broken symmetry)", held=bool(f(BROKEN, "tacos") < f(BROKEN, "naive")),
         evidence=f"{ctx.fid_label} TACoS {f(BROKEN, 'tacos'):.2f} vs Algorithm 1 {f(BROKEN, 'naive'):.2f}"),
]
claim = "Broken symmetry beats perfect symmetry, and TACoS generates where direct reconstruction and Algorithm 1 fail"
held = all(s["held"] for s in subclaims)
evidence = "; ".join(f"{s['claim']}: {'held' if s['held'] else 'did NOT hold'} ({s['evidence']})" for s in subclaims)
evidence += f"; N = {ctx.n_eval}, {ctx.scale} scale."
headline = [dict(metric=f"{ctx.fid_label}, perfect symmetry (TACoS)", ours=f(PERFECT, "tacos"), paper=PAPER["CelebA"]["perfect"], paper_ref="Table 5, CelebA"),
            dict(metric=f"{ctx.fid_label}, broken symmetry (TACoS)", ours=f(BROKEN, "tacos"), paper=PAPER["CelebA"]["broken"], paper_ref="Table 5, CelebA"),
            dict(metric=f"{ctx.fid_label}, broken symmetry (direct)", ours=f(BROKEN, "direct"), paper=PAPER["CelebA"]["direct_broken"], paper_ref="A.7, CelebA"),
            dict(metric=f"{ctx.fid_label}, broken symmetry (Algorithm 1)", ours=f(BROKEN, "naive"), paper=None, paper_ref="Figure 18 (fails; no FID)")]
ctx.write_summary(section=SECTION, title=TITLE, paper_ref=PAPER_REF, claim=claim, held=held,
                  evidence=evidence, headline=headline, extra=dict(subclaims=subclaims))
