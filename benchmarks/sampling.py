"""Quality against speed of strided sampling (our extension, issue 13): FID/KID and wall time
of TACoS (and Algorithm 1) with K < T steps, against all T steps.

For each model and each K it runs :func:`cold.evaluate.evaluate_generation` (generation models,
the model's own symmetry-breaking noise) or :func:`cold.evaluate.evaluate_restoration`
(restoration models) at N images with ``steps=K``, everything side by side in one run on this
machine, and writes a markdown table, JSON and a plot (FID against wall time) to ``--out``:

    python benchmarks/sampling.py --models mnist-blur-generation,cifar10-blur-generation,mnist-blur \\
        --steps all,T/2,T/5,T/10 --n 200 --out reports/sampling

``--no-fid`` only times the sampling (no data or Inception needed beyond the models; used by
benchmarks/gpu.sh on a GPU).
"""
import argparse
import json
import platform
import time
from pathlib import Path

import torch

import cold
from cold.degradations.base import index_state, state_to
from cold.evaluate import evaluate_generation, evaluate_restoration
from cold.utils import hardware


def parse_steps(text, T):
    out = []
    for part in text.split(","):
        part = part.strip()
        if part == "all":
            k = T
        elif part.startswith("T/"):  # a fraction of the model's T, rounded up (the explorer's T/5)
            k = -(-T // int(part[2:]))
        else:
            k = int(part)
        if 1 <= k <= T and k not in out:
            out.append(k)
    return out


def time_only(m, n, K, method, device, batch):
    """Seconds to sample n images with K steps (x_T from the prior, or degraded test images)."""
    D, R = m.degradation, m.model
    g = torch.Generator().manual_seed(0)
    if m.prior is not None:
        noise = (m.config.get("prior") or {}).get("noise_std", 0.0)
        x_T, state = m.prior.start(D, n, m.image_shape, noise_std=noise, generator=g, device="cpu")
    else:
        x_T = torch.rand(n, *m.image_shape, generator=g) * 2 - 1
        state = D.sample_state(x_T, generator=g) if D.random else None
    x_T = x_T.to(device)
    if state is not None and not isinstance(state, str):
        state = state_to(state, device)

    def part(sl):
        return state if state is None or isinstance(state, str) else index_state(state, sl)

    with torch.no_grad():
        cold.sample(R, D, x_T[:2], D.T, method=method, state=part(slice(0, 2)), steps=K)  # warm-up
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    with torch.no_grad():
        for i in range(0, n, batch):
            sl = slice(i, min(n, i + batch))
            cold.sample(R, D, x_T[sl], D.T, method=method, state=part(sl), steps=K)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="mnist-blur-generation,cifar10-blur-generation,mnist-blur")
    ap.add_argument("--steps", default="all,T/2,T/5,T/10", help="comma list of K: integers, 'all' (= T) "
                    "or 'T/d' (T divided by d, rounded up)")
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--methods", default="tacos", help="comma list among tacos, naive")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--out", default=None, help="write table.md, results.json and quality_speed.png here")
    ap.add_argument("--no-fid", action="store_true", help="time the sampling only")
    a = ap.parse_args()
    methods = tuple(a.methods.split(","))
    rows = []
    print(f"{hardware()}; torch {torch.__version__}, {torch.get_num_threads()} threads, device {a.device}; N = {a.n}")
    for name in a.models.split(","):
        m = cold.load(name, device=a.device)
        T = m.degradation.T
        gen = m.prior is not None
        noise = (m.config.get("prior") or {}).get("noise_std", 0.0) if gen else None
        for K in parse_steps(a.steps, T):
            for meth in methods:
                if a.no_fid:
                    secs = time_only(m, a.n, K, meth, a.device, a.batch_size)
                    row = dict(model=name, T=T, K=K, method=meth, sampling_s=round(secs, 2))
                elif gen:
                    r = evaluate_generation(m, n=a.n, noise_stds=(noise,), methods=(meth,), steps=K,
                                            device=a.device, batch_size=a.batch_size, progress=False)
                    x = r["rows"][0]
                    row = dict(model=name, T=T, K=K, method=meth, noise_std=noise, fid=x["fid"],
                               kid=x["kid_mean"], kid_std=x["kid_std"],
                               sampling_s=r["meta"]["timings"]["sampling_s"])
                else:
                    r = evaluate_restoration(m, n=a.n, methods=(meth,), steps=K, device=a.device,
                                             batch_size=a.batch_size, progress=False)
                    x = next(v for v in r["rows"] if v["key"] == meth)
                    d = next(v for v in r["rows"] if v["key"] == "degraded")
                    row = dict(model=name, T=T, K=K, method=meth, fid=x["fid"], kid=x["kid_mean"],
                               kid_std=x["kid_std"], rmse=x["rmse"], ssim=x["ssim"],
                               degraded_fid=d["fid"], sampling_s=r["meta"]["timings"]["sampling_s"])
                rows.append(row)
                print(json.dumps(row), flush=True)
    # ratios against all T steps of the same model and method
    for r in rows:
        base = next(b for b in rows if b["model"] == r["model"] and b["method"] == r["method"] and b["K"] == b["T"])
        r["speedup"] = round(base["sampling_s"] / max(r["sampling_s"], 1e-9), 2)
        if "fid" in r:
            r["fid_vs_all"] = round(r["fid"] / base["fid"], 3)
    name = {"tacos": "TACoS", "naive": "Algorithm 1"}
    lines = [f"N = {a.n} images per row; {hardware()}; torch {torch.__version__}, "
             f"{torch.get_num_threads()} threads, {a.device}; {time.strftime('%Y-%m-%d')}.", "",
             "| model | sampler | K (of T) | FID | KID | FID / all-steps FID | sampling time (s) | speed-up |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        fid = f"{r['fid']:.1f}" if "fid" in r else "—"
        kid = f"{r['kid']:.4f}" if "kid" in r else "—"
        rel = f"{r['fid_vs_all']:.3f}" if "fid_vs_all" in r else "—"
        lines.append(f"| {r['model']} | {name.get(r['method'], r['method'])} | {r['K']} of {r['T']} | {fid} | "
                     f"{kid} | {rel} | {r['sampling_s']:.1f} | {r['speedup']:.1f}x |")
    print("\n".join(lines))
    if a.out:
        out = Path(a.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "table.md").write_text("\n".join(lines) + "\n")
        (out / "results.json").write_text(json.dumps(dict(rows=rows, n=a.n, hardware=hardware(),
                                                          torch=torch.__version__, python=platform.python_version(),
                                                          device=a.device), indent=2) + "\n")
        if not a.no_fid:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt

            fig, ax = plt.subplots(figsize=(6, 4))
            for (model, meth) in dict.fromkeys((r["model"], r["method"]) for r in rows):
                rs = [r for r in rows if r["model"] == model and r["method"] == meth]
                ax.plot([r["sampling_s"] for r in rs], [r["fid"] for r in rs], "o-",
                        label=f"{model}, {name.get(meth, meth)}")
                for r in rs:
                    ax.annotate(f"K={r['K']}", (r["sampling_s"], r["fid"]), fontsize=7,
                                xytext=(3, 3), textcoords="offset points")
            ax.set_xscale("log")
            ax.set_xlabel(f"sampling time for N = {a.n} images (s, log scale)")
            ax.set_ylabel(f"FID at N = {a.n}")
            ax.set_title("Strided sampling: quality against speed")
            ax.legend(fontsize=7)
            fig.tight_layout()
            fig.savefig(out / "quality_speed.png", dpi=120)


if __name__ == "__main__":
    main()
