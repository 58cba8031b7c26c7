"""Export a training run as a shipped model: fp16 EMA weights, config, sample grid, model card."""
from __future__ import annotations

import csv
import errno
import json
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import torch

from . import checkpoint as ckpt
from .utils import atomic_write_text, fsync_dir


def _loss_summary(run: Path, upto: int) -> str:
    log = run / "log.csv"
    if not log.is_file():
        return "n/a"
    rows = [r for r in csv.DictReader(open(log)) if int(r["step"]) <= upto]
    if not rows:
        return "n/a"
    first, last = rows[0], rows[-1]
    tail = rows[-10:]
    mean_tail = sum(float(r["loss"]) for r in tail) / len(tail)
    return (f"L1 loss {float(first['loss']):.4f} at step {first['step']} -> {float(last['loss']):.4f} "
            f"at step {last['step']} (mean of the last {len(tail)} logged: {mean_tail:.4f})")


def _leaves(d, prefix=""):
    out = {}
    for k, v in (d or {}).items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v:
            out.update(_leaves(v, key + "."))
        else:
            out[key] = v
    return out


def reproduce_flags(cfg: dict) -> str:
    """The ``--set KEY=VALUE`` flags that turn the preset's config at the run's scale into the
    run's config (sections degradation, data, model, train, prior), so a model card's
    ``cold train`` command reproduces the run exactly; "" when the run used the preset as is."""
    import shlex

    from .presets import preset_config

    try:
        base = preset_config(cfg["name"], cfg.get("scale", "cpu"))
    except (KeyError, ValueError):
        return ""
    flags = []
    for section in ("degradation", "data", "model", "train", "prior"):
        mine, theirs = _leaves(cfg.get(section), section + "."), _leaves(base.get(section), section + ".")
        for key in sorted(set(mine) | set(theirs)):
            if key == "train.steps" or key not in mine or json.dumps(mine[key]) == json.dumps(theirs.get(key, object()), default=str):
                continue
            value = mine[key] if isinstance(mine[key], str) else json.dumps(mine[key], separators=(",", ":"))
            flags.append(f" --set {shlex.quote(f'{key}={value}')}")
    steps = int(cfg.get("step") or (cfg.get("train") or {}).get("steps") or 0)
    if steps and steps != int(base["train"]["steps"]):  # the steps the exported checkpoint had
        flags.append(f" --set train.steps={steps}")
    return "".join(flags)


class ExportError(RuntimeError):
    """An export that would overwrite a model, or that could not be completed (nothing written)."""


def export_model(run: str | Path, name: str, out_root: Path, n: int = 8, seed: int = 0,
                 force: bool = False) -> Path:
    """Export ``run`` to ``out_root/name`` and write its model card (README.md) and samples.png.

    An existing ``out_root/name`` is refused unless ``force``.  The model is built in a temporary
    folder next to the target and renamed into place at the end, so a failed export (missing
    dataset, full disk, interruption) leaves neither a partial model nor a changed old one.
    """
    if not name or name in (".", "..") or "/" in name or os.sep in name or name.startswith("."):
        raise ExportError(f"--name {name!r} is not a valid model name (a folder name such as mnist-blur)")
    src = ckpt.resolve(run)
    run_dir = Path(run) if (Path(run) / ckpt.LATEST).is_file() else src.parent.parent
    out_root = Path(out_root)
    dst = out_root / name
    if dst.exists() and not force:
        raise ExportError(f"{dst} already exists; nothing was changed. Pass --force to replace it, "
                          f"or choose another --name")
    try:
        out_root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".tmp", dir=out_root))
    except OSError as e:
        raise ExportError(f"cannot write into {out_root}: {e.strerror or e}") from None
    try:
        _export_into(src, run_dir, tmp, name, n, seed)
        os.chmod(tmp, 0o755)  # mkdtemp creates 0700 folders
        fsync_dir(tmp)
        if dst.exists():
            old = out_root / f".{name}.old-{uuid.uuid4().hex[:8]}"
            os.replace(dst, old)
            os.replace(tmp, dst)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, dst)
        fsync_dir(out_root)
    except BaseException as e:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(e, OSError) and e.errno == errno.ENOSPC:
            raise ExportError(f"no space left on device while writing {dst}; nothing was changed") from None
        raise
    return dst


def _export_into(src: Path, run_dir: Path, dst: Path, name: str, n: int, seed: int) -> None:
    from .build import task, test_images
    from .checkpoint import load
    from .grids import sample_grid, save_grid

    ckpt.export(src, dst)
    m = load(dst)
    cfg = m.config
    grid_path = dst / "samples.png"
    if m.prior is not None and task(cfg) == "generation":
        from .sampling import sample

        g = torch.Generator().manual_seed(seed)
        noise = float((cfg.get("prior") or {}).get("noise_std", 0.0))
        x_T, state = m.prior.start(m.degradation, n, m.image_shape, noise_std=noise, generator=g)
        rows = [x_T, sample(m.model, m.degradation, x_T, m.degradation.T, method="direct", state=state),
                sample(m.model, m.degradation, x_T, m.degradation.T, method="naive", state=state),
                sample(m.model, m.degradation, x_T, m.degradation.T, method="tacos", state=state)]
        columns = f"x_T from the prior (noise_std {noise}) | direct | Algorithm 1 | TACoS"
    else:
        rows = sample_grid(m.model, m.degradation, test_images(m, n, spread=False), seed=seed)
        columns = "degraded D(x0, T) | direct R(x_T, T) | TACoS | original x0 (test images)"
    save_grid(rows, grid_path)
    meta = cfg.get("meta", {})
    n_params = sum(p.numel() for p in m.model.parameters())
    size_kb = (dst / ckpt.EMA).stat().st_size / 1024
    d = cfg["data"]
    flags = reproduce_flags(cfg)
    if m.prior is not None and task(cfg) == "generation":
        use = (f"Use: `cold generate {name} --n 16`, or in Python `m = cold.load(\"{name}\")`, "
               f"`x_T, state = m.prior.start(m.degradation, 16, m.image_shape, noise_std={noise})`, "
               f"`x0 = cold.sample(m.model, m.degradation, x_T, m.degradation.T, state=state)`.")
    else:
        use = (f"Use: `cold restore {name} IMAGE`, or in Python `m = cold.load(\"{name}\")`, then "
               f"`cold.sample(m.model, m.degradation, x_t, t)`.")
    card = f"""# {name}

A cold diffusion restoration network R(x_t, t) trained with `cold` (preset `{cfg['name']}`,
paper Section {cfg.get('section', '?')}, **{cfg.get('scale')} scale**).

| | |
|---|---|
| degradation | `{cfg['degradation']['preset']}` with overrides `{json.dumps(cfg['degradation'].get('overrides') or {})}`: {m.degradation!r} |
| data | {d['dataset']} ({d['split']} split), {d['image_size']} px, {d['channels']} channel(s), augmentation {'on' if d.get('augment') else 'off'} |
| U-Net | `{json.dumps(cfg['model'])}`, {n_params:,} parameters |
| training | {cfg['step']} optimiser steps, batch {cfg['train']['batch_size']} x accumulation {cfg['train']['grad_accum']}, Adam lr {cfg['train']['lr']}, warm-up {cfg['train'].get('warmup', 0)}, EMA {cfg['train']['ema_decay']}, precision {meta.get('mixed_precision', '?')} |
| wall time | {meta.get('wall_time_s', '?')} s |
| hardware | {meta.get('hardware', '?')} |
| loss | {_loss_summary(run_dir, int(cfg['step']))} |
| prior | {(cfg.get('prior_fitted') or {}).get('kind', 'none')} |
| weights | EMA, stored as {cfg.get('weights_dtype', 'float16')} ({size_kb:.0f} KiB) |

{('Notes: ' + cfg['notes']) if cfg.get('notes') else ''}

![samples](samples.png)

`samples.png` columns: {columns}.

Reproduce: `cold train {cfg['name']} --scale {cfg.get('scale')}{flags}` then
`cold export runs/{cfg['name']}-{cfg.get('scale')} --name {name}`.
{use}
"""
    atomic_write_text(dst / "README.md", card)
