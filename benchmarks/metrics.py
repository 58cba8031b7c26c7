"""Throughput of FID Inception feature extraction (images/s), on CPU and, if present, CUDA.

Feeds random uint8 images of the given size through :func:`cold.metrics.features`
(so the 299x299 resize and normalisation are included) after one warm-up batch.

    python benchmarks/metrics.py --n 64 --batch-size 32 --size 32
"""
import argparse
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


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=64, help="number of images (default 64)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--size", type=int, default=32, help="input side length before the resize to 299")
    p.add_argument("--channels", type=int, default=3, choices=(1, 3))
    p.add_argument("--devices", nargs="*", default=None, help="default: cpu, plus cuda if available")
    a = p.parse_args()
    devices = a.devices or ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads; "
          f"N={a.n}, batch {a.batch_size}, input {a.channels}x{a.size}x{a.size}")
    for dev in devices:
        ips = throughput(dev, a.n, a.batch_size, a.size, a.channels)
        name = torch.cuda.get_device_name() if dev.startswith("cuda") else "cpu"
        print(f"{dev:6s} ({name}): {ips:8.1f} images/s")


if __name__ == "__main__":
    main()
