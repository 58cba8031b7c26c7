"""The ``cold`` command: train, sample, restore, generate, info.

    cold train PRESET [--scale smoke|cpu|paper] [--set key=value ...] [--out DIR] [--resume]
    cold sample CHECKPOINT [--method tacos|naive|direct] [--steps K] [--n N] [--seed S] [--out grid.png]
    cold restore CHECKPOINT IMAGE... [--t T] [--method M] [--steps K] [--out DIR]
    cold generate CHECKPOINT [--n N] [--noise-std 0.002] [--method M] [--steps K] [--seed S] [--out DIR]
    cold info CHECKPOINT
    cold export RUN --name NAME [--out models] [--force]
    cold evaluate CHECKPOINT [--n N] [--steps K] [--floor] [--out DIR]
    cold reproduce [--scale smoke|cpu|paper] [--only NAME ...]
    cold fidelity [--n N] [--only PRESET ...] [--out reports/fidelity]
    cold explore [--host 127.0.0.1] [--port 7860] [--model-dir DIR] [--share]
    cold presets

CHECKPOINT is a shipped model name (``cold info mnist-blur``), a training run directory or a
checkpoint directory.  Errors are printed as one line (``--debug`` shows the traceback).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EPILOG = "Run 'cold COMMAND --help' for the options of a command."


class CLIError(Exception):
    pass


#: --steps of sample, restore and generate (strided sampling, cold.sampling.strided_schedule)
STEPS_HELP = ("strided sampling (our extension beyond the paper): K evenly spaced steps from t "
              "down to 0 instead of all t (default: all t steps; ignored by --method direct)")

#: the largest accepted --noise-std: images lie in [-1, 1]
MAX_NOISE_STD = 1.0


def _check_finite(x, what: str) -> None:
    """Refuse to write images of a model that produced NaN or infinite values (they would be
    silently black)."""
    import torch

    if not bool(torch.isfinite(x).all()):
        raise CLIError(f"the model produced NaN or infinite values for {what}; nothing was written "
                       f"(are its weights or the input broken?)")


def _check_noise_std(value, option: str = "--noise-std") -> None:
    import math

    if value is not None and (not math.isfinite(value) or not 0.0 <= value <= MAX_NOISE_STD):
        raise CLIError(f"{option} must be a finite number between 0 and {MAX_NOISE_STD:g}, got {value!r} "
                       f"(the paper uses 0.002)")


def unique_output_names(paths, suffix: str = "-restored.png") -> list[str]:
    """Output file names for input images, distinct within one call: ``x-restored.png``, or
    ``<parent>-x-restored.png`` when two inputs share the stem ``x`` (then a counter)."""
    stems = [Path(p).stem for p in paths]
    names = []
    for p, stem in zip(paths, stems):
        if stems.count(stem) > 1:
            parent = Path(p).resolve().parent.name
            stem = f"{parent}-{stem}" if parent else stem
        names.append(stem)
    out, seen = [], set()
    for stem in names:
        name, k = f"{stem}{suffix}", 2
        while name.lower() in seen:
            name, k = f"{stem}-{k}{suffix}", k + 1
        seen.add(name.lower())
        out.append(name)
    return out


def _check_steps(args, t: int) -> int | None:
    """``--steps K`` (strided sampling, our extension): K evenly spaced steps from t to 0."""
    K = getattr(args, "steps", None)
    if K is None:
        return None
    if args.method == "direct":
        print("note: --steps is ignored by --method direct (one call R(x_t, t))", file=sys.stderr)
        return None
    if t < 1:
        raise CLIError(f"--steps {K} needs a severity t >= 1; at t = 0 there is nothing to sample")
    if not 1 <= K <= t:
        raise CLIError(f"--steps {K} is out of range 1..{t}: the sampler takes at most t = {t} "
                       f"steps (leave --steps out for all of them)")
    return K


def _method_label(method: str, steps: int | None) -> str:
    return method if steps is None else f"{method} ({steps} step{'s' if steps != 1 else ''})"


def _device(name: str | None) -> str:
    from .utils import resolve_device

    try:
        return str(resolve_device(name))
    except ValueError as e:
        raise CLIError(f"--device: {e}") from None


# ----------------------------------------------------------------------------- commands
def cmd_presets(args):
    from .build import is_stand_in
    from .presets import PRESETS

    for name, p in PRESETS.items():
        b = p["base"]
        print(f"{name:38s} section {b['section']:4s} data {b['data']['dataset']}"
              f"{' (stand-in)' if is_stand_in(b) else ''}")


def cmd_train(args):
    from .presets import apply_overrides, preset_config
    from .training import train

    from . import checkpoint as ckpt

    cfg = apply_overrides(preset_config(args.preset, args.scale), args.set)
    out = Path(args.out or f"runs/{args.preset}-{args.scale}")
    if args.resume and not (out / ckpt.LATEST).is_file():
        raise CLIError(f"--resume: nothing to resume in {out} ("
                       + ("it does not exist" if not out.exists() else "it has no checkpoint")
                       + "); run without --resume to start a new run, or point --out at a run")
    print(f"training {args.preset} at {args.scale} scale into {out} "
          f"({cfg['train']['steps']} steps, batch {cfg['train']['batch_size']})", file=sys.stderr)
    final = train(cfg, out, resume=args.resume, progress=not args.no_progress, device=args.device)
    print(final)


def cmd_sample(args):
    import torch

    from .checkpoint import load
    from .build import attach_partners, test_images
    from .grids import save_grid
    from .sampling import sample

    m = load(args.checkpoint, device=_device(args.device))
    attach_partners(m)
    dev = next(m.model.parameters()).device
    D = m.degradation
    t = D.T if args.t is None else args.t
    if not 0 <= t <= D.T:
        raise CLIError(f"--t {t} is out of range 0..{D.T} for this model")
    steps = _check_steps(args, t)
    x0 = test_images(m, args.n, spread=False).to(dev)
    g = torch.Generator().manual_seed(args.seed)
    state = D.sample_state(x0, generator=g)
    x_t = D(x0, t, state)
    direct = sample(m.model, D, x_t, t, method="direct", state=state)
    restored = sample(m.model, D, x_t, t, method=args.method, state=state, steps=steps)
    out = Path(args.out)
    _check_finite(torch.cat([direct, restored]), "the test images")
    save_grid([x_t, direct, restored, x0], out)
    rmse = lambda a: float(((a.clamp(-1, 1) - x0) / 2).pow(2).mean().sqrt())
    label = _method_label(args.method, steps)
    print(f"{out}: columns degraded | direct | {label} | original; RMSE in [0,1]: "
          f"degraded {rmse(x_t):.4f}, direct {rmse(direct):.4f}, {label} {rmse(restored):.4f}")


def cmd_restore(args):
    from .checkpoint import load
    from .grids import save_grid
    from .sampling import sample

    m = load(args.checkpoint, device=_device(args.device))
    D = m.degradation
    C, S, _ = m.image_shape
    t = D.T if args.t is None else args.t
    if not 0 <= t <= D.T:
        raise CLIError(f"--t {t} is out of range 0..{D.T} for this model")
    steps = _check_steps(args, t)
    if D.random and args.method != "direct":
        print(f"note: {D.name} is a random degradation; TACoS uses a freshly drawn state "
              f"(seed {args.seed})", file=sys.stderr)
    out = Path(args.out)
    import torch
    dev = next(m.model.parameters()).device
    from .data import ImageError, load_image

    inputs = []
    for path in args.images:  # every input is checked before anything is written
        try:
            inputs.append(load_image(path, C, S))
        except ImageError as e:
            raise CLIError(str(e)) from None
    results = []
    for path, x in zip(args.images, inputs):
        y = sample(m.model, D, x.to(dev), t, method=args.method, steps=steps,
                   generator=torch.Generator().manual_seed(args.seed))
        _check_finite(y, str(path))
        results.append(y)
    out.mkdir(parents=True, exist_ok=True)
    for name, y in zip(unique_output_names(args.images), results):
        target = out / name
        save_grid([y], target, pad=0)
        print(target)


def cmd_generate(args):
    import torch

    from .checkpoint import load
    from .build import attach_partners
    from .grids import save_grid
    from .sampling import sample

    _check_noise_std(args.noise_std)
    m = load(args.checkpoint, device=_device(args.device))
    if m.prior is None:
        raise CLIError(f"{args.checkpoint} is a restoration model without a generation prior; "
                       f"use a *-generation (or noise) model")
    attach_partners(m)
    D = m.degradation
    steps = _check_steps(args, D.T)
    g = torch.Generator().manual_seed(args.seed)
    dev = next(m.model.parameters()).device
    kw = {}
    if args.noise_std is not None:
        kw["noise_std"] = args.noise_std
    elif "noise_std" in (m.config.get("prior") or {}):
        kw["noise_std"] = float(m.config["prior"]["noise_std"])
    x_T, state = m.prior.start(D, args.n, m.image_shape, generator=g, device=dev,
                               fixed_noise=args.fixed_noise, **kw)
    x0 = sample(m.model, D, x_T, D.T, method=args.method, state=state, generator=g, steps=steps)
    _check_finite(x0, "the generated images")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for i in range(args.n):
        save_grid([x0[i:i + 1]], out / f"{i:04d}.png", pad=0)
    save_grid([x_T, x0], out / "grid.png")
    print(f"{args.n} images in {out} (grid.png: x_T | generated, "
          f"{_method_label(args.method, steps)}, noise_std {kw.get('noise_std', 0.0)})")


def cmd_export(args):
    from .modelcard import export_model

    out = export_model(args.run, args.name, Path(args.out), n=args.n, seed=args.seed, force=args.force)
    print(out)


def cmd_info(args):
    from .checkpoint import load

    m = load(args.checkpoint)
    c = m.config
    n_params = sum(p.numel() for p in m.model.parameters())
    info = {
        "name": c.get("name"), "path": str(m.path), "section": c.get("section"),
        "scale": c.get("scale"), "step": c.get("step"),
        "degradation": {"preset": c["degradation"]["preset"], **m.degradation.config()},
        "data": c["data"], "model": c["model"], "parameters": n_params,
        "weights": "EMA" if m.ema else "online",
        "prior": (c.get("prior_fitted") or {}).get("kind"),
        "meta": c.get("meta"), "notes": c.get("notes"),
    }
    print(json.dumps(info, indent=2, default=str))


def cmd_showcase(args):
    from .showcase import format_markdown, showcase

    r = showcase(args.model, n=args.n, seed=args.seed, out=args.out)
    print(format_markdown(r, any("recognisability" in row for row in r["rows"])))


def cmd_judge(args):
    from .judges import CLASSIFIER_PATH, train_and_check

    r = train_and_check(train=args.train, out=args.out or CLASSIFIER_PATH, epochs=args.epochs)
    print(f"digit classifier {r['path']}: MNIST test ({r['n']:,} digits, 32 px) accuracy "
          f"{r['accuracy']:.4f}, recognisability {r['recognisability']:.4f}")


def cmd_fidelity(args):
    import platform
    from datetime import datetime, timezone

    from . import fidelity
    from .utils import atomic_write_text

    presets = args.only or list(fidelity.PAPER_DEGRADED)
    unknown = [p for p in presets if p not in fidelity.PAPER_DEGRADED]
    if unknown:
        raise CLIError(f"no Degraded column in the paper for {', '.join(unknown)}; choose from "
                       f"{', '.join(fidelity.PAPER_DEGRADED)}")
    rows, skipped = fidelity.fidelity_table(
        n=args.n, seed=args.seed, presets=presets,
        progress=lambda p: print(f"  measured {p}", file=sys.stderr))
    md = fidelity.table_markdown(rows, skipped)
    print(md, end="")
    for preset, why in skipped.items():
        print(f"skipped {preset}: {why.splitlines()[0]}", file=sys.stderr)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        when = datetime.now(timezone.utc).isoformat(timespec="seconds")
        import torch

        images = ("the whole test split" if args.n is None
                  else "N test images evenly spaced over the test split")
        head = (f"# Degraded columns: ours beside the paper's\n\nWritten by `cold fidelity"
                f"{'' if args.n is None else f' --n {args.n}'} --seed {args.seed}` on {when} "
                f"({platform.machine()}, torch threads {torch.get_num_threads()}).  x_T = D(x0, T) of "
                f"each preset against x0 on {images}, no network.  RMSE over the whole set "
                f"(the authors' definition), SSIM 11x11 Gaussian σ 1.5 averaged over images, images in "
                f"[0, 1].  Tolerance: RMSE within {fidelity.RMSE_TOLERANCE:.0%} of the paper's.  "
                f"What differs from the paper's text and why: [docs/fidelity.md](../../docs/fidelity.md).\n\n")
        atomic_write_text(out / "fidelity.md", head + md)
        atomic_write_text(out / "fidelity.json", json.dumps(
            dict(n=args.n, seed=args.seed, written=when, tolerance=fidelity.RMSE_TOLERANCE,
                 rows=[r.to_dict() for r in rows], skipped=skipped), indent=2) + "\n")
        print(f"wrote {out / 'fidelity.md'} and {out / 'fidelity.json'}", file=sys.stderr)
    bad = [r.preset for r in rows if not r.within_tolerance]
    if bad:
        raise CLIError(f"degraded RMSE more than {fidelity.RMSE_TOLERANCE:.0%} from the paper for "
                       f"{', '.join(bad)}")


def cmd_evaluate(args) -> dict:
    """``cold evaluate``: load, evaluate (restoration or generation), print and write the report."""
    from .checkpoint import load
    from .evaluate import (DEFAULT_NOISE_STDS, check_evaluable, evaluate_generation, evaluate_restoration,
                           format_markdown, write_report)

    for std in args.noise_std or ():
        _check_noise_std(std)
    m = load(args.checkpoint, device=_device(args.device))
    check_evaluable(m)
    task = args.task if args.task != "auto" else ("generation" if m.prior is not None else "restoration")
    steps = args.steps
    if steps is not None and not 1 <= steps <= m.degradation.T:
        raise CLIError(f"--steps {steps} is out of range 1..{m.degradation.T} (T of {m.name})")
    common = dict(n=args.n, split=args.split, seed=args.seed, batch_size=args.batch_size,
                  device=_device(args.device), progress=not args.no_progress, steps=steps,
                  floor=args.floor)
    if task == "generation":
        result = evaluate_generation(m, noise_stds=tuple(args.noise_std or DEFAULT_NOISE_STDS),
                                     methods=tuple(args.methods or ("direct", "naive", "tacos")), **common)
    else:
        if args.noise_std:
            raise ValueError("--noise-std applies to generation models only")
        result = evaluate_restoration(m, methods=tuple(args.methods or ("tacos", "direct")), **common)
    name = m.name if m.name != "?" else Path(m.path).name
    js, md = write_report(result, args.out or Path("reports") / "evaluate" / name)
    print(format_markdown(result))
    print(f"wrote {md} and {js}", file=sys.stderr)
    return result


def cmd_reproduce(args) -> dict:
    from .reproduce import ReproduceError, list_notebooks, parse_params, run_notebooks

    available = list_notebooks()
    params = parse_params(args.param, available)
    results = run_notebooks(scale=args.scale, only=args.only, device=args.device, out_root=args.out,
                            progress=not args.no_progress, params=params, run_root=args.runs,
                            html=not args.no_html)
    readme = Path(args.out) / "README.md"
    failed = [n for n, r in results.items() if r["status"] != "ok"]
    print(f"{len(results) - len(failed)}/{len(results)} notebooks ran; summary in {readme}")
    if failed:
        raise ReproduceError(f"{len(failed)} notebook(s) failed: " + "; ".join(
            f"{n} ({results[n]['error']})" for n in failed))
    return results


def cmd_explore(args):
    try:
        from explorer.app import run
    except ImportError as e:
        raise CLIError(f"the explorer needs gradio ({e}): pip install -e '.[explorer]'") from None
    run(args)


# ----------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cold", description="Cold Diffusion: train, sample, restore "
                                "and generate with generalized (cold) diffusion models.", epilog=EPILOG)
    p.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("train", help="train a model from a preset",
                       description="Train the restoration network R of a preset (see 'cold presets').")
    s.add_argument("preset", help="training preset, e.g. mnist-blur, cifar10-blur-generation")
    s.add_argument("--scale", choices=["smoke", "cpu", "paper"], default="cpu",
                   help="smoke: seconds (CI); cpu: <= 30 min on 2 cores; paper: the paper's settings (GPU)")
    s.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a config value, e.g. --set train.steps=100 --set data.folder=/data/celeba")
    s.add_argument("--out", help="run directory (default runs/PRESET-SCALE)")
    s.add_argument("--resume", action="store_true", help="continue the run in --out from its latest checkpoint")
    s.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    s.add_argument("--no-progress", action="store_true", help="no progress bar")
    s.set_defaults(fn=cmd_train)

    s = sub.add_parser("sample", help="degrade test images, restore them, save a grid",
                       description="Grid columns: degraded | direct | sampled | original (as the paper's figures).")
    s.add_argument("checkpoint")
    s.add_argument("--method", choices=["tacos", "naive", "direct"], default="tacos")
    s.add_argument("--n", type=int, default=8, help="number of test images")
    s.add_argument("--t", type=int, default=None, help="severity (default T)")
    s.add_argument("--steps", type=int, default=None, metavar="K", help=STEPS_HELP)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", default="grid.png")
    s.add_argument("--device", default="auto")
    s.set_defaults(fn=cmd_sample)

    s = sub.add_parser("restore", help="restore your own degraded images",
                       description="Each image is converted to the model's channels and size "
                                   "(short side resized, centre crop), restored and saved as PNG.")
    s.add_argument("checkpoint")
    s.add_argument("images", nargs="+", metavar="IMAGE")
    s.add_argument("--t", type=int, default=None, help="severity of the degradation (default T)")
    s.add_argument("--method", choices=["tacos", "naive", "direct"], default="tacos")
    s.add_argument("--steps", type=int, default=None, metavar="K", help=STEPS_HELP)
    s.add_argument("--seed", type=int, default=0, help="seed of the degradation state for random degradations")
    s.add_argument("--out", default="restored")
    s.add_argument("--device", default="auto")
    s.set_defaults(fn=cmd_restore)

    s = sub.add_parser("generate", help="generate images from the fitted prior",
                       description="Draw x_T from the model's prior (e.g. GMM of mean colours) and run the sampler.")
    s.add_argument("checkpoint")
    s.add_argument("--n", type=int, default=16)
    s.add_argument("--noise-std", type=float, default=None,
                   help="symmetry-breaking noise added to x_T (Section 5.2; default: the preset's, 0.002)")
    s.add_argument("--method", choices=["tacos", "naive", "direct"], default="tacos")
    s.add_argument("--fixed-noise", action="store_true",
                   help="noise models: keep z fixed (Table 5 'Fixed Noise') instead of re-estimating it (DDIM)")
    s.add_argument("--steps", type=int, default=None, metavar="K", help=STEPS_HELP)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", default="generated")
    s.add_argument("--device", default="auto")
    s.set_defaults(fn=cmd_generate)

    s = sub.add_parser("info", help="describe a checkpoint")
    s.add_argument("checkpoint")
    s.set_defaults(fn=cmd_info)

    s = sub.add_parser("export", help="export a trained run as a shippable model with a model card",
                       description="Writes OUT/NAME/: config.json, ema.safetensors (fp16), samples.png "
                                   "(degraded | direct | TACoS | original on test images) and README.md.")
    s.add_argument("run", help="training run or checkpoint directory")
    s.add_argument("--name", required=True, help="model name, e.g. mnist-blur (cold.load finds it by this name)")
    s.add_argument("--out", default="models", help="models directory (default: models)")
    s.add_argument("--n", type=int, default=8, help="test images in the sample grid")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--force", action="store_true", help="replace an existing OUT/NAME")
    s.set_defaults(fn=cmd_export)

    from .presets import SCALES
    from .sampling import METHODS

    s = sub.add_parser(
        "evaluate", help="FID, KID, SSIM and RMSE on held-out test images (the paper's tables)",
        description="Restoration models: Degraded, Sampled (TACoS) and Direct x FID, KID, SSIM, RMSE "
                    "against N held-out test images (Tables 1-4, 6). Generation models: FID and KID "
                    "of N generated images per prior setting and sampler (Table 5, A.7). Writes "
                    "evaluation.md and evaluation.json.")
    s.add_argument("checkpoint", help="shipped model name, run directory or checkpoint directory")
    s.add_argument("--n", type=int, default=1000, help="number of test (and generated) images N (default 1000)")
    s.add_argument("--split", choices=["test", "train", "all"], default="test")
    s.add_argument("--seed", type=int, default=0, help="seed of degradation states / generation starts")
    s.add_argument("--out", default=None, help="report directory (default reports/evaluate/<model name>)")
    s.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    s.add_argument("--batch-size", type=int, default=100, help="images per sampler batch (default 100)")
    s.add_argument("--noise-std", type=float, action="append", metavar="STD",
                   help="generation: noise added to x_T, repeatable (default 0 and 0.002)")
    s.add_argument("--methods", nargs="+", choices=list(METHODS), metavar="METHOD",
                   help="samplers among direct, naive, tacos (default: tacos direct for restoration, "
                        "all three for generation)")
    s.add_argument("--task", choices=["auto", "restoration", "generation"], default="auto",
                   help="auto: generation if the model has a fitted prior, else restoration")
    s.add_argument("--steps", type=int, default=None, metavar="K",
                   help="strided sampling (our extension): K evenly spaced steps from T to 0 for "
                        "Algorithm 1 and TACoS (default: all T steps, as the paper)")
    s.add_argument("--floor", action="store_true",
                   help="also score N real images of the other split (train for test): what perfect "
                        "samples get at this N, since FID at small N is far above 0 even for them")
    s.add_argument("--no-progress", action="store_true", help="no progress bars")
    s.set_defaults(fn=cmd_evaluate)

    s = sub.add_parser(
        "reproduce", help="run the reproduction notebooks (papermill) and write reports/README.md",
        description="Execute notebooks/NN_*.ipynb with papermill at the chosen scale. Each writes its "
                    "figures, its table (ours beside the paper's, markdown and JSON), summary.json and the "
                    "executed notebook (ipynb, html) into OUT/<notebook>/; then OUT/README.md summarises "
                    "every section and says whether the paper's claim held.")
    s.add_argument("--scale", choices=list(SCALES), default="smoke",
                   help="smoke: seconds (pipeline check); cpu: small models on 2 CPU cores; paper: the paper's settings (GPU)")
    s.add_argument("--only", nargs="+", metavar="NAME",
                   help="notebooks to run: full names (02_deblurring), numbers (02) or titles (deblurring)")
    s.add_argument("--device", default="auto", help="auto, cpu or cuda (default auto)")
    s.add_argument("--out", default="reports", help="report directory (default reports)")
    s.add_argument("--param", action="append", metavar="NAME.KEY=VALUE",
                   help="extra notebook parameter, e.g. 02.checkpoint=runs/mnist-blur-cpu or all.n_eval=100 "
                        "(VALUE parsed as JSON where possible; repeatable)")
    s.add_argument("--runs", default=None, help="where the notebooks train their models (default runs/)")
    s.add_argument("--no-html", action="store_true", help="skip the HTML export of the executed notebooks")
    s.add_argument("--no-progress", action="store_true", help="no progress output")
    s.set_defaults(fn=cmd_reproduce)

    s = sub.add_parser("explore", help="open the interactive explorer (Gradio) in the browser",
                       description="Forward process, Algorithm 1 vs TACoS, generation and restoration with "
                                   "the shipped models, in a web page (needs: pip install -e '.[explorer]').")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    s.add_argument("--model-dir", default=None,
                   help="directory of exported models (default: $COLD_MODEL_DIR or the shipped models)")
    s.add_argument("--data-dir", default=None,
                   help="dataset files for sample images (default: $COLD_DATA_DIR)")
    s.add_argument("--share", action="store_true", help="create a public gradio.live link")
    s.add_argument("--max-upload-mb", type=float, default=None,
                   help="largest accepted upload in MB (default 20; images are also limited in pixels)")
    s.add_argument("--max-sessions", type=int, default=None,
                   help="sessions kept in memory, least recently used evicted (default 200)")
    s.add_argument("--threads", type=int, default=None,
                   help="torch CPU threads per request (default: half the cores, at most 4)")
    s.set_defaults(fn=cmd_explore)

    s = sub.add_parser("showcase", help="Figure 2, measured: a generation model's samplers from the same x_T",
                       description="Samples N images with direct, Algorithm 1 and TACoS from the same N x_T; "
                                   "writes FID/KID, ink fraction, nearest-training similarity, digit "
                                   "recognisability, figure2.png, nearest.png and diversity.png into the "
                                   "model's folder and its card (see cold.showcase).")
    s.add_argument("model", help="shipped model name, run directory or checkpoint directory")
    s.add_argument("--n", type=int, default=1000, help="samples per sampler and test images (default 1000)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", default=None, help="output folder (default: the model's folder)")
    s.set_defaults(fn=cmd_showcase)

    s = sub.add_parser("judge", help="the MNIST digit classifier that scores generated digits (cold.judges)",
                       description="Scores the digit classifier on the MNIST test split; --train retrains it "
                                   "first (about a minute on 2 cores).")
    s.add_argument("--train", action="store_true", help="retrain and write the classifier")
    s.add_argument("--out", default=None, help="classifier file (default: the one in the package)")
    s.add_argument("--epochs", type=int, default=2)
    s.set_defaults(fn=cmd_judge)

    s = sub.add_parser("fidelity", help="the paper's Degraded columns: D(x0, T) against x0, ours beside the paper's",
                       description="Measure SSIM and RMSE of x_T = D(x0, T) against x0 (no network) for every "
                                   "preset with a Degraded column in the paper whose dataset is on disk, print "
                                   "the table beside the paper's and write it to --out.  Exits 1 if an RMSE is "
                                   "more than 10%% from the paper's.")
    s.add_argument("--n", type=int, default=None,
                   help="test images per preset, evenly spaced (default: the whole test split, as the paper)")
    s.add_argument("--seed", type=int, default=0, help="seed of the random degradations' states")
    s.add_argument("--only", nargs="+", metavar="PRESET", help="only these presets")
    s.add_argument("--out", default="reports/fidelity",
                   help="folder for fidelity.md and fidelity.json (default reports/fidelity; '' writes nothing)")
    s.set_defaults(fn=cmd_fidelity)

    s = sub.add_parser("presets", help="list the training presets")
    s.set_defaults(fn=cmd_presets)
    return p


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "fn", None):
        parser.print_help()
        return 2
    for name in ("n", "steps"):
        if getattr(args, name, 1) is not None and getattr(args, name, 1) < 1:
            parser.error(f"--{name} must be at least 1")
    try:
        args.fn(args)
    except KeyboardInterrupt:
        print("cold: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # one clear line, not a traceback
        if args.debug:
            raise
        import errno

        from .checkpoint import CheckpointError
        from .modelcard import ExportError
        from .reproduce import ReproduceError
        from .training import TrainingError

        if isinstance(e, OSError) and e.errno == errno.ENOSPC:
            where = f" while writing {e.filename}" if e.filename else ""
            print(f"cold: error: no space left on device{where}; free some space and run again",
                  file=sys.stderr)
            return 1
        known = (CLIError, CheckpointError, TrainingError, ReproduceError, ExportError, ValueError,
                 FileNotFoundError)
        kind = "" if isinstance(e, known) else f"{type(e).__name__}: "
        msg = " ".join(str(e).split()) or type(e).__name__  # one line
        print(f"cold: error: {kind}{msg}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
