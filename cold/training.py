"""Training the restoration network R (Section 3.1):

    min_θ  E_{x0, t} ‖ R_θ(D(x0, t), t) - x0 ‖₁,      t ~ U{1, ..., T},

each image with its own t and its own degradation state.  The objective is a callable
(:class:`cold.loss.ColdLoss`, the paper's ℓ1) that :func:`train` just calls on every
micro-batch; the loop itself knows nothing about degradations.  Appendix A's recipe (Adam,
lr 2e-5, batch 32, gradient accumulation 2, EMA 0.995 every 10 steps) is the ``paper`` scale of
:mod:`cold.presets`; every setting is configurable.

Data: a ``torch.utils.data.DataLoader`` (``train.num_workers`` worker processes, 0 = the main
process) fetches each micro-batch with one batched read (:meth:`cold.data.ArrayDataset.batch`).
Devices, mixed precision and multi-GPU come from Hugging Face ``accelerate`` (``accelerate
launch -m cold.cli train ...`` works unchanged); the EMA from ``ema-pytorch``.

Exact resume: all randomness of micro-batch m (which images, their augmentation, t, the
degradation state) is drawn from generators seeded by (seed, m) -- the images and augmentation
seeds by the batch sampler, t and the state by the loss -- so a run resumed from a checkpoint at
step k continues with exactly the batches an uninterrupted run would have seen, whatever the
number of workers.  Optimiser, scheduler and EMA state are restored from the checkpoint.
"""
from __future__ import annotations

import contextlib
import csv
import json
import math
import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

import torch
from tqdm.auto import tqdm

from . import checkpoint as ckpt
from .build import build_datasets, build_degradation, build_model, build_prior, first_images, test_indices
from .grids import sample_grid, save_grid
from .loss import ColdLoss
from .utils import atomic_write_text, hardware

__all__ = ["train", "TrainingError", "BatchPlan", "micro_generator", "resume_key", "fit_prior",
           "build_datasets", "first_images", "sample_grid", "save_grid", "hardware"]


class TrainingError(RuntimeError):
    pass


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
    """The CPU generator of micro-batch m.  Its first draw is the batch's augmentation seed
    (:func:`augmentation_seed`); the loss then draws t and the degradation state from it."""
    return torch.Generator().manual_seed((seed * 7_919 + m * 104_729 + rank * 15_485_863) % (2 ** 63 - 1))


def augmentation_seed(g: torch.Generator) -> int:
    """Draw micro-batch m's augmentation seed, the first value of ``micro_generator(seed, m)``."""
    return int(torch.randint(0, 2 ** 62, (1,), generator=g))


class _MicroBatches(torch.utils.data.Sampler):
    """Batch sampler: micro-batch m, m+1, ... as lists of (image index, augmentation seed)."""

    def __init__(self, plan: BatchPlan, seed: int, rank: int, start: int):
        self.plan, self.seed, self.rank, self.start = plan, seed, rank, start

    def __iter__(self):
        m = self.start
        while True:
            s = augmentation_seed(micro_generator(self.seed, m, self.rank))
            yield [(int(i), s) for i in self.plan.indices(m)]
            m += 1


class _SeededImages(torch.utils.data.Dataset):
    """``__getitems__([(i, seed), ...])`` -> one batch: torch's RNG is seeded with the batch's
    augmentation seed, then the items are converted and augmented in order (in whichever process
    fetches them), so the batch does not depend on the number of workers."""

    def __init__(self, ds):
        self.base, self.map = ds, None
        while isinstance(self.base, torch.utils.data.Subset):  # data.limit
            inner = list(self.base.indices)
            self.map = inner if self.map is None else [inner[i] for i in self.map]
            self.base = self.base.dataset

    def __len__(self):
        return len(self.map) if self.map is not None else len(self.base)

    def __getitems__(self, items):
        idx = [i if self.map is None else self.map[i] for i, _ in items]
        torch.manual_seed(items[0][1])
        if hasattr(self.base, "batch"):
            return self.base.batch(idx)  # one vectorised conversion, then the items' augmentation
        return torch.stack([self.base[i] for i in idx])


def _as_batch(batch):
    return batch  # __getitems__ already returns the stacked micro-batch


def _worker_init(_):
    torch.set_num_threads(1)  # workers decode; the main process's threads run the network


def training_batches(ds, plan: BatchPlan, seed: int, rank: int = 0, start: int = 0,
                     num_workers: int = 0) -> torch.utils.data.DataLoader:
    """An endless DataLoader of micro-batches start, start+1, ... (each (B, C, H, W))."""
    kw = dict(persistent_workers=True, prefetch_factor=4, worker_init_fn=_worker_init) if num_workers else {}
    return torch.utils.data.DataLoader(_SeededImages(ds), batch_sampler=_MicroBatches(plan, seed, rank, start),
                                       collate_fn=_as_batch, num_workers=int(num_workers), **kw)


def fit_prior(cfg: dict, D, ds) -> dict | None:
    """Fit the generation prior of a config for D on ``prior.fit_n`` training images (default
    all), evenly spaced over the split (:func:`cold.build.test_indices`: the first n of a
    class-sorted split such as CIFAR-10 would be airplanes and automobiles only); returns its
    ``to_dict()`` (``None`` for restoration configs)."""
    prior = build_prior(cfg)
    if prior is None:
        return None
    n = cfg["prior"].get("fit_n")
    idx = test_indices(len(ds), len(ds) if n is None else n)
    chunks = (first_images(torch.utils.data.Subset(ds, idx[a:a + 1024]), 1024)
              for a in range(0, len(idx), 1024))
    return prior.fit_for(D, list(chunks)).to_dict()


# ----------------------------------------------------------------------------- training
def resume_key(cfg: dict) -> dict:
    """The parts of a config that must not change when resuming."""
    keep = {k: cfg[k] for k in ("degradation", "data", "model") if k in cfg}
    t = dict(cfg.get("train", {}))
    for k in ("steps", "save_every", "sample_every", "log_every", "keep_checkpoints", "num_workers"):
        t.pop(k, None)
    keep["train"] = t
    return json.loads(json.dumps(keep))


def train(cfg: dict, out_dir: str | os.PathLike, resume: bool = False, progress: bool = True,
          device: str | None = None, stop_after: int | None = None, loss=None) -> Path:
    """Train R for the experiment ``cfg`` (see :mod:`cold.presets`) into ``out_dir``.

    ``resume=True`` continues from ``out_dir/latest``.  ``stop_after`` stops after that many
    optimiser steps of this call (tests use it to simulate an interruption).  ``loss`` is the
    objective, a callable ``loss(R, x0, generator) -> scalar`` (default: the paper's
    :class:`cold.loss.ColdLoss` for the config's D).  Returns the directory of the final
    checkpoint.
    """
    out = Path(out_dir)
    check_run_dir(out)
    existed = out.exists()
    created = not existed or not any(out.iterdir())
    has_ckpt = (out / ckpt.LATEST).is_file()
    if has_ckpt and not resume:
        raise TrainingError(f"{out} already holds a training run; pass --resume to continue it "
                            f"or choose another --out")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise TrainingError(f"cannot create the run directory {out}: {e.strerror or e}") from None
    with run_lock(out):
        try:
            return _train(cfg, out, has_ckpt, progress, device, stop_after, loss)
        except Exception:
            # a run that fails before its first checkpoint leaves nothing behind in a folder
            # that this call created (a rejected command leaves nothing partial)
            if created and not (out / ckpt.LATEST).is_file():
                if existed:  # the user's empty folder: empty it again
                    for p in out.iterdir():
                        shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
                else:
                    shutil.rmtree(out, ignore_errors=True)
            raise


#: what a run directory of cold holds (hidden names are temporary files and the lock)
RUN_ENTRIES = {"config.json", "log.csv", ckpt.LATEST, "checkpoints", "samples"}
LOG_HEADER = ["step", "loss", "lr", "steps_per_s", "wall_time_s"]
LOCK = ".lock"


def check_run_dir(out: Path) -> None:
    """Refuse an ``--out`` that exists and is neither empty nor a run directory of cold (its
    ``config.json`` or ``log.csv`` would be overwritten or appended to)."""
    if not out.exists():
        return
    if not out.is_dir():
        raise TrainingError(f"--out {out} is a file, not a folder; choose another --out")
    names = {p.name for p in out.iterdir() if not p.name.startswith(".")}
    foreign = sorted(names - RUN_ENTRIES)
    why = None
    if foreign:
        why = f"it holds {', '.join(foreign[:3])}{' ...' if len(foreign) > 3 else ''}"
    elif "config.json" in names:
        try:
            c = json.loads((out / "config.json").read_text())
        except (OSError, ValueError, UnicodeDecodeError):
            c = None
        if not (isinstance(c, dict) and all(isinstance(c.get(k), dict) for k in ("degradation", "model", "data", "train"))):
            why = "its config.json is not a config of cold"
    if why is None and "log.csv" in names:
        try:
            with open(out / "log.csv", newline="") as f:
                head = next(csv.reader(f), None)
        except (OSError, UnicodeDecodeError):
            head = None
        if head != LOG_HEADER:
            why = "its log.csv is not a training log of cold"
    if why:
        raise TrainingError(f"--out {out} is not a training run of cold ({why}); nothing was changed. "
                            f"Choose an empty or new folder for --out")


@contextlib.contextmanager
def run_lock(out: Path):
    """Hold ``out/.lock`` (``fcntl.flock``) for the whole run: a second trainer on the same run
    directory fails at once.  Only the main process of a distributed launch locks."""
    if os.environ.get("RANK", "0") != "0" or os.environ.get("LOCAL_RANK", "0") != "0":
        yield
        return
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    f = open(out / LOCK, "a+")
    try:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise TrainingError(f"another cold train is already running in {out} (it holds "
                                f"{out / LOCK}); wait for it to finish or choose another --out") from None
        try:
            f.seek(0)
            f.truncate()
            f.write(f"{os.getpid()}\n")
            f.flush()
        except OSError:
            pass
        yield
    finally:
        f.close()  # releases the lock


def _init_weights(model, ema_model, cfg: dict, source) -> None:
    """``train.init_from``: start a new run from the weights of another model (a shipped model
    name, a run or checkpoint directory, or an exported model folder) instead of random ones --
    e.g. to train a shipped model further when its run directory was not kept.  Both R and its
    EMA start from the source's EMA weights (the optimiser starts fresh).  The source must have
    the same degradation and U-Net."""
    src = ckpt.resolve(source)
    scfg = ckpt.read_config(src)
    for key in ("model", "degradation"):
        if json.dumps(scfg.get(key), sort_keys=True) != json.dumps(cfg.get(key), sort_keys=True):
            raise TrainingError(f"train.init_from={source}: its {key} config differs from this run's "
                                f"({scfg.get(key)} vs {cfg.get(key)})")
    fname = src / (ckpt.EMA if (src / ckpt.EMA).is_file() else ckpt.MODEL)
    state = ckpt.read_weights(fname)
    ckpt.load_state_into(model, state, fname)
    ckpt.load_state_into(ema_model, state, fname)


class _StopRequest:
    """SIGINT / SIGTERM during training: finish the current optimiser step, write a checkpoint
    and return, so ``--resume`` continues exactly there (a second signal acts as usual).  Only
    installed in the main thread; elsewhere signals keep their default behaviour."""

    def __init__(self):
        self.requested = None
        self._old = {}
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                self._old[sig] = signal.signal(sig, self._handle)
            except (ValueError, OSError):  # pragma: no cover - exotic platforms
                pass

    def _handle(self, signum, frame):
        self.restore()  # a second signal interrupts at once
        self.requested = signal.Signals(signum).name

    def restore(self):
        for sig, old in self._old.items():
            signal.signal(sig, old)
        self._old = {}


def _rewrite_log(log_path: Path, upto: int | None) -> None:
    """``log.csv`` with the header and only the rows up to step ``upto`` (None: no rows): after a
    crash and ``--resume`` the steps after the resumed checkpoint are logged again, once."""
    rows = []
    if upto is not None and log_path.is_file():
        with open(log_path, newline="") as f:
            r = csv.reader(f)
            next(r, None)
            for row in r:
                try:
                    if row and int(row[0]) <= upto:
                        rows.append(row)
                except ValueError:
                    continue
    import io
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(LOG_HEADER)
    w.writerows(rows)
    atomic_write_text(log_path, buf.getvalue())


def _train(cfg, out, has_ckpt, progress, device, stop_after, loss):
    from accelerate import Accelerator
    from ema_pytorch import EMA

    tc = cfg["train"]
    mp = tc.get("mixed_precision", "no")
    acc = Accelerator(mixed_precision=mp, cpu=(device == "cpu"),
                      device_placement=True)
    dev = acc.device

    D = build_degradation(cfg)
    ds, partners = build_datasets(cfg)
    if partners is not None:
        D.set_partners(first_images(partners, len(partners)))
    loss_fn = loss if loss is not None else ColdLoss(D, channels_last=bool(tc.get("channels_last")))

    torch.manual_seed(int(tc["seed"]))
    model = build_model(cfg)
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
        run_cfg["prior_fitted"] = fit_prior(cfg, D, ds)
        if tc.get("init_from"):
            _init_weights(model, ema.ema_model, cfg, tc["init_from"])
        atomic_write_text(out / "config.json", json.dumps(cfg, indent=2) + "\n")

    model, opt = acc.prepare(model, opt)
    ema.to(dev)
    if tc.get("channels_last"):
        model.to(memory_format=torch.channels_last)

    steps, accum, B = int(tc["steps"]), int(tc["grad_accum"]), int(tc["batch_size"])
    plan = BatchPlan(len(ds), B, int(tc["seed"]), acc.process_index, acc.num_processes)
    seed = int(tc["seed"])
    log_path = out / "log.csv"
    if acc.is_main_process:
        _rewrite_log(log_path, start_step if has_ckpt else None)
    grid_x0 = first_images(ds, 8)
    batches = iter(training_batches(ds, plan, seed, acc.process_index, start_step * accum,
                                    int(tc.get("num_workers") or 0)))

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
    stop = _StopRequest()
    try:
        while step < steps and not stop.requested:
            loss_sum = 0.0
            for j in range(accum):
                m = step * accum + j
                x0 = next(batches).to(dev)
                g = micro_generator(seed, m, acc.process_index)
                torch.manual_seed(augmentation_seed(g) + 1)  # dropout in R: the same for any worker count
                with acc.autocast():
                    loss = loss_fn(model, x0, g)
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
            if stop.requested and step % int(tc["save_every"]) != 0 and step != steps:
                save(step, last_loss, wall_before + time.time() - t0)
    finally:
        stop.restore()  # the caller's handlers are back even when training fails
    bar.close()
    if stop.requested and acc.is_main_process:
        print(f"\nstopped by {stop.requested} at step {step} (checkpoint saved); continue with "
              f"'cold train ... --out {out} --resume'", file=sys.stderr, flush=True)
    acc.wait_for_everyone()
    return ckpt.resolve(out)
