"""What an FID at small N can mean: the floor and the reach of one model (issue 14, item 4).

FID at N = 200 is far above 0 even for real images, and it punishes blur hard.  Before asking
a model for "FID <= X at N", this script measures, on this machine, against the same N evenly
spaced test images that ``cold evaluate`` uses:

1. the floor: N evenly spaced *training* images (perfect samples) against the N test images;
2. how blur alone costs: the same training images blurred by a Gaussian of std ``sigma`` px;
3. how far the model's restoration reaches: for each start step t0, the FID of
   D(x0, t0), of TACoS run from there down to 0, and of direct reconstruction R(D(x0, t0), t0).
   Generation from x_T cannot score better than restoration from a small t0 does.

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
from cold.build import test_images
from cold.sampling import sample
from cold.utils import hardware


def blur(x01: torch.Tensor, sigma: float) -> torch.Tensor:
    """Gaussian blur of std ``sigma`` px (kernel 2*ceil(3 sigma)+1, reflect padding)."""
    k = 2 * math.ceil(3 * sigma) + 1
    return gaussian_blur(x01, [k, k], [sigma, sigma])


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
    start = time.perf_counter()
    x0 = test_images(m, a.n, "test")
    real = M.to_unit_range(x0)
    key = dict(dataset=m.config["data"]["dataset"], split="test", size=int(m.image_shape[-1]),
               channels=int(m.image_shape[0]), n=len(real))
    ref = M.reference_stats(key, lambda: real, progress=False)

    def score(x01):
        f = M.features(x01, progress=False)
        return M.fid_from_features(ref, M.feature_stats(f))

    rows = []
    train = M.to_unit_range(test_images(m, a.n, "train"))
    rows.append(("real training images (the floor)", score(train)))
    for s in (float(v) for v in a.sigmas.split(",") if v.strip()):
        rows.append((f"real training images, blurred sigma = {s:g} px", score(blur(train, s))))
    for t0 in (int(v) for v in a.t.split(",") if v.strip()):
        if not 1 <= t0 <= D.T:
            raise SystemExit(f"--t: {t0} is outside 1..T = {D.T}")
        x_t = torch.cat([D(x0[i:i + a.batch], torch.full((len(x0[i:i + a.batch]),), t0))
                         for i in range(0, len(x0), a.batch)])
        with torch.no_grad():
            tacos = torch.cat([sample(R, D, x_t[i:i + a.batch], t0, method="tacos")
                               for i in range(0, len(x_t), a.batch)])
            direct = torch.cat([R(x_t[i:i + a.batch], torch.full((len(x_t[i:i + a.batch]),), t0))
                                for i in range(0, len(x_t), a.batch)])
        rows.append((f"D(x0, {t0})", score(M.to_unit_range(x_t))))
        rows.append((f"TACoS from D(x0, {t0})", score(M.to_unit_range(tacos))))
        rows.append((f"direct R(D(x0, {t0}), {t0})", score(M.to_unit_range(direct))))

    lines = [f"FID at N = {len(real)} against N evenly spaced {key['dataset']} test images; model "
             f"{a.model} (T = {D.T}, step {m.step}); {hardware()}, torch {torch.__version__}, "
             f"Python {platform.python_version()}; "
             f"{time.perf_counter() - start:.0f} s.", "", "| images | FID |", "|---|---:|"]
    lines += [f"| {name} | {fid:.1f} |" for name, fid in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    if a.out is not None:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(text)
    return dict(rows)


if __name__ == "__main__":
    main()
