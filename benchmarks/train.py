"""Training throughput: optimiser steps/s and images/s of the cpu presets (fp32 vs bf16
autocast, channels_last), and of the paper presets on a GPU when one is present.

Times the bare training step (degradation, U-Net forward/backward, Adam, EMA) on one fixed
batch of random images, after a few warm-up steps.  ``--trainer`` also runs the real trainer
(:func:`cold.training.train`: DataLoader over the real training set, :class:`cold.loss.ColdLoss`,
EMA, logging) on the same config, reads its steps/s from ``log.csv`` (setup, checkpoints and
sample grids excluded) and prints it as a fraction of the bare step.

    python benchmarks/train.py [--presets mnist-blur,cifar10-blur-generation] [--steps 20]
    python benchmarks/train.py --trainer --precisions no --layouts contiguous --steps 60
"""
import argparse
import csv
import tempfile
import time
from pathlib import Path

import torch
from ema_pytorch import EMA

from cold.build import build_degradation, build_model
from cold.presets import preset_config


def bench(cfg, device, steps, warmup, mp, channels_last):
    tc = cfg["train"]
    D = build_degradation(cfg)
    model = build_model(cfg).to(device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(model.parameters(), lr=tc["lr"])
    ema = EMA(model, beta=tc["ema_decay"], update_every=tc["ema_every"], include_online_model=False)
    B, C, S = tc["batch_size"], cfg["data"]["channels"], cfg["data"]["image_size"]
    g = torch.Generator().manual_seed(0)
    x0 = (torch.rand(B, C, S, S, generator=g) * 2 - 1).to(device)
    dtype = torch.bfloat16 if mp == "bf16" else None

    def step():
        for _ in range(tc["grad_accum"]):
            t = torch.randint(1, D.T + 1, (B,), generator=g).to(device)
            x_t = D(x0, t, D.sample_state(x0, generator=g))
            if channels_last:
                x_t = x_t.contiguous(memory_format=torch.channels_last)
            with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
                loss = (model(x_t, t).float() - x0).abs().mean()
            (loss / tc["grad_accum"]).backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        ema.update()

    for _ in range(warmup):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    return steps / dt, steps * B * tc["grad_accum"] / dt


def bench_trainer(cfg, device, steps, warmup, num_workers):
    """steps/s of cold.training.train between step ``warmup`` and step ``warmup + steps``."""
    from cold.presets import apply_overrides
    from cold.training import train

    total = warmup + steps
    cfg = apply_overrides(cfg, [f"train.steps={total}", f"train.save_every={total}",
                                f"train.sample_every={total}", "train.log_every=1",
                                f"train.num_workers={num_workers}"])
    with tempfile.TemporaryDirectory() as tmp:
        train(cfg, Path(tmp) / "run", progress=False, device=device.type)
        rows = list(csv.DictReader(open(Path(tmp) / "run" / "log.csv")))
    w0 = float(rows[warmup - 1]["wall_time_s"])
    w1 = float(rows[total - 1]["wall_time_s"])
    return steps / (w1 - w0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--presets", default="mnist-blur,mnist-inpaint,cifar10-blur-generation")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--precisions", default="no,bf16", help="comma list of: no (fp32), bf16")
    ap.add_argument("--layouts", default="contiguous,channels_last", help="comma list")
    ap.add_argument("--trainer", action="store_true",
                    help="also time cold.training.train on the real data (fp32, contiguous)")
    ap.add_argument("--workers", default="0,1", help="with --trainer: comma list of train.num_workers")
    args = ap.parse_args()
    device = torch.device(args.device)
    scales = ["cpu"] + (["paper"] if device.type == "cuda" else [])
    print(f"device {device}, {torch.get_num_threads()} threads, torch {torch.__version__}")
    print(f"{'preset':28s} {'scale':6s} {'precision':9s} {'layout':13s} {'steps/s':>8s} {'images/s':>9s}")
    for name in args.presets.split(","):
        for scale in scales:
            cfg = preset_config(name, scale)
            for mp in args.precisions.split(","):
                for cl in [lay == "channels_last" for lay in args.layouts.split(",")]:
                    sps, ips = bench(cfg, device, args.steps, args.warmup, mp, cl)
                    print(f"{name:28s} {scale:6s} {'fp32' if mp == 'no' else mp:9s} "
                          f"{'channels_last' if cl else 'contiguous':13s} {sps:8.2f} {ips:9.1f}", flush=True)
            if args.trainer:
                bare, _ = bench(cfg, device, args.steps, args.warmup, "no", False)
                for w in (int(v) for v in args.workers.split(",")):
                    real = bench_trainer(cfg, device, args.steps, args.warmup, w)
                    print(f"{name:28s} {scale:6s} trainer, {w} DataLoader worker(s): {real:.2f} steps/s "
                          f"= {100 * real / bare:.0f}% of the bare step ({bare:.2f} steps/s)", flush=True)


if __name__ == "__main__":
    main()
