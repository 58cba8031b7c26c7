"""What an FID at small N can mean: the floor and the reach of one model (issue 14, item 4).

FID at N = 200 is far above 0 even for real images, and it punishes blur hard.  Before asking
a model for "FID <= X at N", this script measures, on this machine, against the same N evenly
spaced test images that ``cold evaluate`` uses (and with its cached reference statistics):

1. the floor: N evenly spaced *training* images (perfect samples; ``cold evaluate --floor``);
2. how blur alone costs: the same training images blurred by a Gaussian of std ``sigma`` px;
3. how far the model's restoration reaches: for each start step t0, the FID of
   D(x0, t0), of TACoS run from there down to 0, and of direct reconstruction R(D(x0, t0), t0);
4. for generation models, TACoS from x_T drawn as ``cold evaluate`` draws it (the model's prior
   and noise_std, seed 0): generation cannot score better than restoration from a small t0.

Each row also gives the images' fine detail: the mean absolute high-pass |x - G_1 * x| (G_1: a
Gaussian of std 1 px), in [0, 1] units.

    python benchmarks/fid_floor.py --model cifar10-blur-generation --n 200 --t 3,10,30 \\
        --sigmas 0.7,1,1.5

Numbers only, as a markdown table on stdout (and ``--out FILE``); needs the model's dataset on
disk (``COLD_DATA_DIR``) and the Inception weights (``cold.metrics.find_inception_weights``).
"""
import argparse
import math
import platform
import time
from pathlib import Path

import torch
from torchvision.transforms.functional import gaussian_blur

import cold
from cold import metrics as M
from cold.degradations.base import index_state
from cold.evaluate import reference_key, test_images
from cold.sampling import sample
from cold.utils import hardware


def blur(x01: torch.Tensor, sigma: float) -> torch.Tensor:
    """Gaussian blur of std ``sigma`` px (kernel 2*ceil(3 sigma)+1, reflect padding)."""
    k = 2 * math.ceil(3 * sigma) + 1
    return gaussian_blur(x01, [k, k], [sigma, sigma])


def high_pass(x01: torch.Tensor) -> float:
    """Mean |x - G_1 * x|: how much detail finer than 1 px an image set has."""
    return float((x01 - blur(x01, 1.0)).abs().mean())


def in_batches(fn, n: int, batch: int) -> torch.Tensor:
    """``fn(slice)`` over ``n`` images in batches, without gradients, concatenated."""
    with torch.no_grad():
        return torch.cat([fn(slice(i, i + batch)) for i in range(0, n, batch)])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="cifar10-blur-generation")
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--t", default="3,10,30", help="start steps t0 of the restoration rows")
    ap.add_argument("--sigmas", default="0.7,1,1.5", help="blur std (px) of the blurred-real rows")
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--out", type=Path, default=None, help="also write the table here")
    a = ap.parse_args(argv)

    m = cold.load(a.model)
    R, D = m.model, m.degradation
    t0s = [int(v) for v in a.t.split(",") if v.strip()]
    for t0 in t0s:
        if not 1 <= t0 <= D.T:
            raise SystemExit(f"--t: {t0} is outside 1..T = {D.T}")
    start = time.perf_counter()
    x0, info = test_images(m, a.n, "test")
    real = M.to_unit_range(x0)
    ref = M.reference_stats(reference_key(info), lambda: real, progress=False)

    def row(name, x01, features=None):
        f = M.features(x01, progress=False) if features is None else features
        return name, M.fid_from_features(ref, M.feature_stats(f)), high_pass(x01)

    x_train, train_info = test_images(m, info["n"], "train")
    train = M.to_unit_range(x_train)
    cached = M.reference_stats(reference_key(train_info), lambda: train, progress=False)
    rows = [row("real training images (the floor)", train, cached.features)]
    rows += [row(f"real training images, blurred sigma = {s:g} px", blur(train, s))
             for s in (float(v) for v in a.sigmas.split(",") if v.strip())]
    for t0 in t0s:
        x_t = D(x0, t0)
        tacos = in_batches(lambda sl: sample(R, D, x_t[sl], t0, method="tacos"), len(x_t), a.batch)
        direct = in_batches(lambda sl: R(x_t[sl], torch.full((len(x_t[sl]),), t0)), len(x_t), a.batch)
        rows += [row(f"D(x0, {t0})", M.to_unit_range(x_t)),
                 row(f"TACoS from D(x0, {t0})", M.to_unit_range(tacos)),
                 row(f"direct R(D(x0, {t0}), {t0})", M.to_unit_range(direct))]
    if m.prior is not None:
        noise = float((m.config.get("prior") or {}).get("noise_std", 0.0))
        x_T, state = m.prior.start(D, len(x0), m.image_shape, noise_std=noise,
                                   generator=torch.Generator().manual_seed(0), device="cpu")
        st = lambda sl: state if state is None or isinstance(state, str) else index_state(state, sl)  # noqa: E731
        gen = in_batches(lambda sl: sample(R, D, x_T[sl], D.T, method="tacos", state=st(sl)), len(x_T), a.batch)
        rows.append(row(f"TACoS from x_T (prior, noise_std {noise:g}, seed 0)", M.to_unit_range(gen)))

    lines = [f"FID at N = {len(real)} against N evenly spaced {info['dataset']} test images; model "
             f"{a.model} (T = {D.T}, step {m.step}); {hardware()}, torch {torch.__version__}, "
             f"Python {platform.python_version()}; {time.perf_counter() - start:.0f} s.", "",
             "| images | FID | mean abs high-pass |", "|---|---:|---:|"]
    lines += [f"| {name} | {fid:.1f} | {hp:.4f} |" for name, fid, hp in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    if a.out is not None:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(text)
    return {name: fid for name, fid, _ in rows}


if __name__ == "__main__":
    main()
