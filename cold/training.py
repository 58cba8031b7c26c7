"""Training the restoration network R (Section 3.1):

    min_θ  E_{x0, t} ‖ R_θ(D(x0, t), t) - x0 ‖₁,      t ~ U{1, ..., T},

each image with its own t and its own degradation state.  Appendix A's recipe (Adam, lr 2e-5,
batch 32, gradient accumulation 2, EMA 0.995 every 10 steps) is the ``paper`` scale of
:mod:`cold.presets`; every setting is configurable.

Devices, mixed precision and multi-GPU come from Hugging Face ``accelerate`` (``accelerate
launch -m cold.cli train ...`` works unchanged); the EMA from ``ema-pytorch``.

Exact resume: all randomness of micro-batch m (which images, augmentation, t, degradation
state) is drawn from generators seeded by (seed, m), so a run resumed from a checkpoint at step
k continues with exactly the batches an uninterrupted run would have seen.  Optimiser,
scheduler and EMA state are restored from the checkpoint.
"""
from __future__ import annotations

import csv
import json
import math
import os
import platform
import time
from pathlib import Path

import torch
from tqdm.auto import tqdm

from . import checkpoint as ckpt
from .sampling import sample


class TrainingError(RuntimeError):
    pass


# ----------------------------------------------------------------------------- data
def build_datasets(cfg: dict, split: str | None = None):
    """The training dataset of a config (and the partner dataset for animorphosis)."""
    from . import data as cdata

    d = cfg["data"]
    split = split or d.get("split", "train")

    def one(name, folder, key):
        if name in ("folder", "celeba", "afhq") and folder is None:
            raise TrainingError(f"preset {cfg.get('name')!r} reads a folder of images that is not available "
                                f"offline: pass it with --set data.{key}=/path/to/images (or use a "
                                f"cifar10-*/mnist-* stand-in preset)")
        if name in ("celeba", "afhq"):
            name = "folder"
        return cdata.load_dataset(name, split=split, image_size=d["image_size"], channels=d["channels"],
                                  augment=bool(d.get("augment")) and split == "train", folder=folder)

    ds = one(d["dataset"], d.get("folder"), "folder")
    partners = None
    if d.get("partners"):
        partners = one(d["partners"], d.get("partners_folder"), "partners_folder")
    limit = d.get("limit")
    if limit:
        ds = torch.utils.data.Subset(ds, range(min(int(limit), len(ds))))
        if partners is not None:
            partners = torch.utils.data.Subset(partners, range(min(int(limit), len(partners))))
    return ds, partners


def _stack(ds, idx) -> torch.Tensor:
    return torch.stack([ds[int(i)] for i in idx])


def first_images(ds, n: int) -> torch.Tensor:
    """The first ``n`` images of a dataset, without augmentation randomness mattering."""
    return _stack(ds, range(min(n, len(ds))))


class BatchPlan:
    """Which images micro-batch m uses: epoch e is a permutation seeded by (seed, e)."""

    def __init__(self, n: int, batch: int, seed: int, rank: int = 0, world: int = 1):
        self.n, self.batch, self.seed, self.rank, self.world = n, batch, seed, rank, world
        self._perms: dict[int, torch.Tensor] = {}

    def _perm(self, e: int) -> torch.Tensor:
        if e not in self._perms:
            if len(self._perms) > 2:
                self._perms.clear()
            g = torch.Generator().manual_seed(self.seed * 1_000_003 + e)
            self._perms[e] = torch.randperm(self.n, generator=g)
        return self._perms[e]

    def indices(self, m: int) -> torch.Tensor:
        start = (m * self.world + self.rank) * self.batch
        pos = torch.arange(start, start + self.batch)
        return torch.stack([self._perm(int(p) // self.n)[int(p) % self.n] for p in pos])


def micro_generator(seed: int, m: int, rank: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed((seed * 7_919 + m * 104_729 + rank * 15_485_863) % (2 ** 63 - 1))


# ----------------------------------------------------------------------------- priors
def fit_prior(cfg: dict, D, ds, partners) -> dict | None:
    """Fit the generation prior of a config on the training set; returns its ``to_dict()``."""
    from . import priors

    p = cfg.get("prior")
    if not p:
        return None
    kind = p["kind"]
    n = len(ds) if p.get("fit_n") is None else int(p["fit_n"])  # None: the whole training set
    if kind == "mean_color_gmm":
        x = first_images(ds, n)
        return priors.MeanColorGMM(n_components=int(p.get("n_components", 1))).fit(x).to_dict()
    if kind == "low_res_gaussian":
        x = first_images(ds, n)
        x_T = D(x, D.T)
        size = D.size_at(D.T, x.shape[-2:])
        return priors.LowResGaussian(size=tuple(size)).fit(x_T).to_dict()
    if kind == "random_color":
        return priors.RandomColor().to_dict()
    if kind == "gaussian_noise":
        return priors.GaussianNoise().to_dict()
    if kind == "partners":
        return priors.PartnerImages(dataset=cfg["data"].get("partners")).to_dict()
    raise TrainingError(f"unknown prior kind {kind!r}")


# ----------------------------------------------------------------------------- sample grids
def save_grid(rows: list[torch.Tensor], path: Path, pad: int = 1) -> None:
    """Save a grid: one column per tensor in ``rows`` (each (N, C, H, W) in [-1, 1]), N rows."""
    import torchvision.utils as vutils

    cols = [r.detach().float().cpu().clamp(-1, 1) for r in rows]
    n = cols[0].shape[0]
    tiles = torch.stack(cols, dim=1).reshape(n * len(cols), *cols[0].shape[1:])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    vutils.save_image((tiles + 1) / 2, tmp, nrow=len(cols), padding=pad, pad_value=1.0)
    os.replace(tmp, path)


@torch.no_grad()
def sample_grid(R, D, x0: torch.Tensor, seed: int = 0, t: int | None = None):
    """degraded | direct | TACoS | original, as the paper's figures."""
    t = D.T if t is None else t
    g = torch.Generator().manual_seed(seed)
    state = D.sample_state(x0, generator=g)
    x_t = D(x0, t, state)
    direct = sample(R, D, x_t, t, method="direct", state=state)
    tacos = sample(R, D, x_t, t, method="tacos", state=state)
    return [x_t, direct, tacos, x0]


# ----------------------------------------------------------------------------- training
def resume_key(cfg: dict) -> dict:
    """The parts of a config that must not change when resuming."""
    keep = {k: cfg[k] for k in ("degradation", "data", "model") if k in cfg}
    t = dict(cfg.get("train", {}))
    for k in ("steps", "save_every", "sample_every", "log_every", "keep_checkpoints", "num_workers"):
        t.pop(k, None)
    keep["train"] = t
    return json.loads(json.dumps(keep))


def hardware() -> str:
    """A one-line description of the device that ran a job (recorded in checkpoints and reports)."""
    if torch.cuda.is_available():
        return f"{torch.cuda.get_device_name(0)} (CUDA)"
    cpu = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {torch.get_num_threads()} torch threads"


def train(cfg: dict, out_dir: str | os.PathLike, resume: bool = False, progress: bool = True,
          device: str | None = None, stop_after: int | None = None) -> Path:
    """Train R for the experiment ``cfg`` (see :mod:`cold.presets`) into ``out_dir``.

    ``resume=True`` continues from ``out_dir/latest``.  ``stop_after`` stops after that many
    optimiser steps of this call (tests use it to simulate an interruption).  Returns the
    directory of the final checkpoint.
    """
    from accelerate import Accelerator
    from ema_pytorch import EMA

    tc = cfg["train"]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    has_ckpt = (out / ckpt.LATEST).is_file()
    if has_ckpt and not resume:
        raise TrainingError(f"{out} already holds a training run; pass --resume to continue it "
                            f"or choose another --out")
    mp = tc.get("mixed_precision", "no")
    acc = Accelerator(mixed_precision=mp, cpu=(device == "cpu"),
                      device_placement=True)
    dev = acc.device

    D = ckpt.build_degradation(cfg)
    ds, partners = build_datasets(cfg)
    if partners is not None:
        D.set_partners(first_images(partners, len(partners)))
    C, S = cfg["data"]["channels"], cfg["data"]["image_size"]

    torch.manual_seed(int(tc["seed"]))
    model = ckpt.build_model(cfg)
    opt = torch.optim.Adam(model.parameters(), lr=float(tc["lr"]))
    warmup = int(tc.get("warmup", 0))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warmup) if warmup else 1.0)
    ema = EMA(model, beta=float(tc["ema_decay"]), update_every=int(tc["ema_every"]),
              update_after_step=int(tc.get("ema_start", 0)), include_online_model=False)
    start_step, run_cfg = 0, dict(cfg)
    wall_before = 0.0

    if has_ckpt:
        cdir = ckpt.resolve(out)
        saved = ckpt.read_config(cdir)
        if resume_key(saved) != resume_key(cfg):
            raise TrainingError(f"cannot resume {out}: its config differs from the requested one "
                                f"(only train.steps and logging intervals may change)")
        ckpt.load_state_into(model, ckpt.read_weights(cdir / ckpt.MODEL), cdir / ckpt.MODEL)
        ckpt.load_state_into(ema.ema_model, ckpt.read_weights(cdir / ckpt.EMA), cdir / ckpt.EMA)
        st = ckpt.read_training_state(cdir)
        opt.load_state_dict(st["optimizer"])
        sched.load_state_dict(st["scheduler"])
        ema.step.copy_(st["ema_step"])
        ema.initted.copy_(st["ema_initted"])
        torch.set_rng_state(st["torch_rng"])
        start_step = int(st["step"])
        wall_before = float(st.get("wall_time", 0.0))
        run_cfg["prior_fitted"] = saved.get("prior_fitted")
    else:
        run_cfg["prior_fitted"] = fit_prior(cfg, D, ds, partners)
        ckpt.atomic_write_text(out / "config.json", json.dumps(cfg, indent=2) + "\n")

    model, opt = acc.prepare(model, opt)
    ema.to(dev)
    if tc.get("channels_last"):
        model.to(memory_format=torch.channels_last)

    steps, accum, B = int(tc["steps"]), int(tc["grad_accum"]), int(tc["batch_size"])
    plan = BatchPlan(len(ds), B, int(tc["seed"]), acc.process_index, acc.num_processes)
    seed = int(tc["seed"])
    log_path = out / "log.csv"
    if acc.is_main_process and not log_path.exists():
        with open(log_path, "w", newline="") as f:
            csv.writer(f).writerow(["step", "loss", "lr", "steps_per_s", "wall_time_s"])
    grid_x0 = first_images(ds, 8)

    def save(step, last_loss, wall):
        if not acc.is_main_process:
            return
        meta = dict(hardware=hardware(), wall_time_s=round(wall, 1), final_loss=last_loss,
                    torch=torch.__version__, mixed_precision=mp)
        conf = dict(run_cfg, step=step, meta=meta)
        state = dict(optimizer=opt.state_dict(), scheduler=sched.state_dict(), step=step,
                     ema_step=ema.step.clone(), ema_initted=ema.initted.clone(),
                     torch_rng=torch.get_rng_state(), wall_time=wall)
        ckpt.save_run_checkpoint(out, step, conf, acc.unwrap_model(model).state_dict(),
                                 ema.ema_model.state_dict(), state,
                                 keep=int(tc.get("keep_checkpoints", 2)))

    def grid(step):
        if not acc.is_main_process:
            return
        R = ema.ema_model.eval()
        save_grid(sample_grid(R, D, grid_x0.to(dev), seed=seed), out / "samples" / f"step-{step:07d}.png")

    bar = tqdm(total=steps, initial=start_step, disable=not (progress and acc.is_main_process),
               desc=cfg.get("name", "train"), dynamic_ncols=True)
    t0, last_loss, done_here = time.time(), float("nan"), 0
    t_window, s_window = time.time(), 0
    model.train()
    step = start_step
    while step < steps:
        loss_sum = 0.0
        for j in range(accum):
            m = step * accum + j
            g = micro_generator(seed, m, acc.process_index)
            torch.manual_seed(int(torch.randint(0, 2 ** 62, (1,), generator=g)))  # augmentation
            x0 = _stack(ds, plan.indices(m)).to(dev)
            t = torch.randint(1, D.T + 1, (x0.shape[0],), generator=g).to(dev)
            state = D.sample_state(x0, generator=g)
            with torch.no_grad():
                x_t = D(x0, t, state)
            if tc.get("channels_last"):
                x_t = x_t.contiguous(memory_format=torch.channels_last)
            with acc.autocast():
                x0_hat = model(x_t, t)
                loss = (x0_hat.float() - x0).abs().mean()  # ‖R(D(x0, t), t) - x0‖₁
            acc.backward(loss / accum)
            loss_sum += float(loss.detach())
        if tc.get("grad_clip"):
            acc.clip_grad_norm_(model.parameters(), float(tc["grad_clip"]))
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        ema.update()
        step += 1
        done_here += 1
        s_window += 1
        last_loss = loss_sum / accum
        if not math.isfinite(last_loss):
            raise TrainingError(f"loss became {last_loss} at step {step}; lower train.lr or enable grad_clip")
        if step % int(tc["log_every"]) == 0 or step == steps:
            now = time.time()
            sps = s_window / max(now - t_window, 1e-9)
            t_window, s_window = now, 0
            if acc.is_main_process:
                with open(log_path, "a", newline="") as f:
                    csv.writer(f).writerow([step, f"{last_loss:.6f}", f"{sched.get_last_lr()[0]:.3g}",
                                            f"{sps:.3f}", f"{wall_before + now - t0:.1f}"])
            bar.set_postfix(loss=f"{last_loss:.4f}", steps_s=f"{sps:.2f}")
        bar.update(1)
        if step % int(tc["save_every"]) == 0 or step == steps:
            save(step, last_loss, wall_before + time.time() - t0)
        if step % int(tc["sample_every"]) == 0 or step == steps:
            grid(step)
            model.train()
        if stop_after is not None and done_here >= stop_after:
            break
    bar.close()
    acc.wait_for_everyone()
    return ckpt.resolve(out)
