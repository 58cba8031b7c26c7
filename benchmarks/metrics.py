"""Throughput of FID Inception feature extraction (images/s), on CPU and, if present, CUDA.

Feeds random uint8 images of the given size through :func:`cold.metrics.features`
(so the 299x299 resize and normalisation are included) after one warm-up batch.

    python benchmarks/metrics.py --n 64 --batch-size 32 --size 32

With ``--evaluate CHECKPOINT`` it also times a full ``cold evaluate`` of a restoration model
(:func:`cold.evaluate.evaluate_restoration`: degrade N test images, restore them with TACoS and
directly, Inception features of the test set and the three image sets, FID/KID/SSIM/RMSE) at
``--evaluate-n`` images (default 1000).  The reference statistics go to a fresh temporary cache,
so their features are part of the time, unless ``--evaluate-cached``:

    python benchmarks/metrics.py --skip-throughput --evaluate mnist-blur --evaluate-n 1000
"""
import argparse
import tempfile
import time

import torch

from cold.metrics import InceptionFeatures


def throughput(device: str, n: int, batch_size: int, size: int, channels: int) -> float:
    """Images per second of ``InceptionFeatures.features`` on ``device`` for ``n`` images."""
    net = InceptionFeatures(device=device)
    images = torch.randint(0, 256, (n, channels, size, size), dtype=torch.uint8)
    net.features(images[:min(batch_size, n)], batch_size=batch_size, progress=False)  # warm-up
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    start = time.perf_counter()
    net.features(images, batch_size=batch_size, progress=False)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    elapsed = time.perf_counter() - start
    return n / elapsed


def time_evaluation(checkpoint: str, n: int, batch_size: int, device: str | None,
                    cached: bool) -> dict:
    """Run ``evaluate_restoration`` once at N = ``n``; returns its result (meta has the timings)."""
    from cold import load
    from cold.evaluate import evaluate_restoration

    m = load(checkpoint)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        result = evaluate_restoration(m, n=n, batch_size=batch_size, device=device,
                                      cache_dir=None if cached else tmp)
        result["meta"]["benchmark_wall_s"] = time.perf_counter() - start
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=64, help="number of images (default 64)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--size", type=int, default=32, help="input side length before the resize to 299")
    p.add_argument("--channels", type=int, default=3, choices=(1, 3))
    p.add_argument("--devices", nargs="*", default=None, help="default: cpu, plus cuda if available")
    p.add_argument("--skip-throughput", action="store_true", help="skip the images/s measurement")
    p.add_argument("--evaluate", metavar="CHECKPOINT", default=None,
                   help="also time a full `cold evaluate` of this restoration model (e.g. mnist-blur)")
    p.add_argument("--evaluate-n", type=int, default=1000, help="N of that evaluation (default 1000)")
    p.add_argument("--evaluate-batch-size", type=int, default=100, help="sampler batch size (default 100)")
    p.add_argument("--evaluate-device", default=None, help="default: cuda if available, else cpu")
    p.add_argument("--evaluate-cached", action="store_true",
                   help="reuse cached reference statistics of the test set (default: compute them)")
    a = p.parse_args()
    devices = a.devices or ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    if not a.skip_throughput:
        print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads; "
              f"N={a.n}, batch {a.batch_size}, input {a.channels}x{a.size}x{a.size}")
        for dev in devices:
            ips = throughput(dev, a.n, a.batch_size, a.size, a.channels)
            name = torch.cuda.get_device_name() if dev.startswith("cuda") else "cpu"
            print(f"{dev:6s} ({name}): {ips:8.1f} images/s")
    if a.evaluate:
        from cold.evaluate import format_markdown

        r = time_evaluation(a.evaluate, a.evaluate_n, a.evaluate_batch_size, a.evaluate_device,
                            a.evaluate_cached)
        meta = r["meta"]
        print(format_markdown(r))
        print(f"cold evaluate {a.evaluate} at N={meta['N']} on {meta['device']} ({meta['hardware']}): "
              f"{meta['benchmark_wall_s']:.1f} s wall (sampling {meta['timings']['sampling_s']:.1f} s, "
              f"Inception features {meta['timings']['features_s']:.1f} s, reference statistics "
              f"{'cached' if a.evaluate_cached else 'computed'})")


if __name__ == "__main__":
    main()
