"""Closed-form D(x, t) versus the literal t-fold blur loop, for one TACoS run.

The workload is what TACoS (Algorithm 2) needs on the generation blur of Section 5.2
(27x27 kernels, sigma_t = e^{0.01 t}, T = 300, 128x128x3, batch 16): D(x̂0, s) and D(x̂0, s-1)
for every s = T..1.  The literal loop costs s + (s-1) convolutions at step s, T² in total; the
closed form costs two pairs of small matmuls per step.

The loop is too slow to run in full on a CPU (tens of thousands of 27x27 convolutions of a
16x3x128x128 batch).  By default it is timed at a few values of s and the total is extrapolated
exactly -- its cost is linear in the number of convolutions -- and the maximum difference is
measured at those s.  ``--full`` runs the whole loop.

    python benchmarks/degradations.py [--device cpu|cuda] [--full] [--batch 16] [--size 128]
"""
import argparse
import time

import torch

import cold


def timed(fn, device):
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    out = fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return out, time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--preset", default="celeba-blur-generation")
    ap.add_argument("--full", action="store_true", help="run the complete literal loop (slow)")
    ap.add_argument("--probe-steps", default="1,2,4,8", help="s values timed for the extrapolation")
    args = ap.parse_args()
    device = torch.device(args.device)
    D = cold.degradation_preset(args.preset)
    T = D.T
    x = torch.rand(args.batch, 3, args.size, args.size, device=device) * 2 - 1
    print(f"preset {args.preset}: T={T}, kernel {D.kernel_size}x{D.kernel_size}, {D.schedule} sigma, "
          f"padding {D.padding}; batch {args.batch}x3x{args.size}x{args.size} on {device} "
          f"({torch.get_num_threads()} threads)")

    # closed form: warm the operator cache once (setup cost reported separately)
    _, setup = timed(lambda: D(x, 1), device)

    def closed_all():
        for s in range(T, 0, -1):
            D(x, s)
            D(x, s - 1)
    _, t_closed = timed(closed_all, device)
    print(f"closed form: setup (operators for all t, once) {setup:.3f} s; "
          f"all {2 * T} calls D(x,s), D(x,s-1): {t_closed:.3f} s")

    n_conv_total = sum(s + (s - 1) for s in range(1, T + 1))  # T^2 convolutions
    max_diff = 0.0
    if args.full:
        def loop_all():
            nonlocal max_diff
            for s in range(T, 0, -1):
                a = D.blur_loop(x, s)
                D.blur_loop(x, s - 1)
                if s % 50 == 0 or s == 1:
                    max_diff = max(max_diff, float((a - D(x, s)).abs().max()))
        _, t_loop = timed(loop_all, device)
        how = "measured"
    else:
        probes = [int(v) for v in args.probe_steps.split(",")]
        conv_time, convs = 0.0, 0
        for s in probes:
            a, dt = timed(lambda: D.blur_loop(x, s), device)
            conv_time, convs = conv_time + dt, convs + s
            max_diff = max(max_diff, float((a - D(x, s)).abs().max()))
        per_conv = conv_time / convs
        # the final step s = T of the generation variant: also check the mean replacement
        t_loop = per_conv * n_conv_total
        how = f"extrapolated from {convs} timed convolutions ({per_conv * 1e3:.1f} ms each)"
        a = D.blur_loop(x, 30)
        max_diff = max(max_diff, float((a - D(x, 30)).abs().max()))
    print(f"literal loop: {n_conv_total} convolutions, {t_loop:.1f} s ({how})")
    print(f"speed-up: {t_loop / t_closed:.0f}x; max |closed - loop| = {max_diff:.2e}")


if __name__ == "__main__":
    main()
