"""FID Inception feature extraction on this machine: which settings are faster at identical output.

Times :class:`cold.metrics.InceptionFeatures` on the same fixed images under several variants,
side by side in one run (the machine is shared and noisy: compare the ratios), and prints each
variant's images/s, its speed-up over the baseline and the largest relative difference of its
features from the baseline's (a variant is kept only if that is <= 1e-4).

    python benchmarks/inception.py [--n 200] [--size 32] [--channels 3] [--repeats 2]

Variants: the batch size (25, 50, 100, 200); ``channels_last`` memory format; the TorchScript
graph frozen and optimised for inference (``torch.jit.freeze`` + ``torch.jit.optimize_for_inference``);
the number of torch threads.
"""
import argparse
import time
import warnings

import numpy as np
import torch

from cold.metrics import InceptionFeatures


def run(net, images, batch_size, channels_last, graph, repeats):
    def feats():
        out = []
        for i in range(0, len(images), batch_size):
            x = net.preprocess(images[i:i + batch_size])
            if channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            with torch.inference_mode():
                out.append(graph(x).double().numpy())
        return np.concatenate(out)

    with torch.inference_mode():  # warm-up (the first TorchScript calls profile and optimise)
        for _ in range(2):
            graph(net.preprocess(images[:batch_size]))
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        f = feats()
        best = min(best, time.perf_counter() - t0)
    return f, len(images) / best


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--channels", type=int, default=3, choices=(1, 3))
    ap.add_argument("--repeats", type=int, default=2)
    a = ap.parse_args()
    threads = torch.get_num_threads()
    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (a.n, a.channels, a.size, a.size), dtype=torch.uint8, generator=g)
    net = InceptionFeatures(device="cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frozen = torch.jit.optimize_for_inference(torch.jit.freeze(net.net.eval()))
    variants = [("baseline: batch 50, contiguous, scripted", 50, False, net.net, threads)]
    variants += [(f"batch {b}", b, False, net.net, threads) for b in (25, 100, 200)]
    variants += [("channels_last, batch 50", 50, True, net.net, threads),
                 ("frozen + optimize_for_inference, batch 50", 50, False, frozen, threads),
                 ("frozen + channels_last, batch 50", 50, True, frozen, threads)]
    if threads > 1:
        variants.append((f"1 thread (of {threads}), batch 50", 50, False, net.net, 1))
    print(f"{a.n} images {a.channels}x{a.size}x{a.size} -> 299 px; torch {torch.__version__}, "
          f"{threads} threads; best of {a.repeats}")
    base = None
    print(f"{'variant':45s} {'img/s':>7s} {'x base':>7s} {'max rel diff':>13s}")
    for name, bs, cl, graph, nt in variants:
        torch.set_num_threads(nt)
        f, ips = run(net, images, bs, cl, graph, a.repeats)
        torch.set_num_threads(threads)
        if base is None:
            base = (f, ips)
        rel = float(np.abs(f - base[0]).max() / np.abs(base[0]).max())
        print(f"{name:45s} {ips:7.1f} {ips / base[1]:7.2f} {rel:13.2e}", flush=True)


if __name__ == "__main__":
    main()
