"""Speed of the explorer (CPU): what a user waits for.

    python benchmarks/explorer.py [--model-dir models] [--threads 1] [--repeats 20] [--no-server]

Prints

* start time: ``python -m explorer`` until the page answers (imports included);
* forward-scrub latency per request at 32 px (cifar10-blur on a 32x32 image): the app's
  function, and a full HTTP request to the running app (target < 100 ms);
* Algorithm 1 vs TACoS end to end on the mnist-blur model (both samplers from the same x_T,
  trajectories, distances; target < 2 s), as a function call and as an HTTP ``/compare`` request;
* the comparison view's default, Figure 2 on the generation model it opens on
  (mnist-blur-generation, T = 80; report), first call and a repeated (cached) one;
* Algorithm 1 and TACoS from one x_T: two sampler runs against one side-by-side batch
  (:func:`cold.sampling.sample_side_by_side`, what the comparison view now does);
* the exports: a GIF of every x_t (forward, 32 px) and the forward -> backward strip (report);
* generation of 16 images with TACoS on each shipped blur-generation model: all T steps against
  the generate view's default strided K = T/5 (target: < 3 s), wall time.

The models come from ``--model-dir`` (default: the shipped ``models/``).
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _stats(times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    return f"median {statistics.median(ms):8.1f} ms   p95 {p95:8.1f} ms   (n={len(ms)})"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, proc, timeout: float = 120) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"the explorer exited with code {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def start_time(model_dir: str, threads: int) -> float:
    """Seconds from launching ``python -m explorer`` until its page answers."""
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, "-m", "explorer", "--port", str(port), "--threads", str(threads)]
    if model_dir:
        cmd += ["--model-dir", model_dir]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(f"http://127.0.0.1:{port}/", proc)
        return time.perf_counter() - t0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _compare_times(ex, model: str, repeats: int) -> list[float]:
    """Seconds of ``ex.compare`` for new seeds 1..repeats (nothing cached)."""
    times = []
    for seed in range(1, repeats + 1):
        t0 = time.perf_counter()
        ex.compare(model, None, seed)
        times.append(time.perf_counter() - t0)
    return times


def rest_call(http, name: str, data: list):
    """One call of a named endpoint over Gradio's plain HTTP API."""
    event = http.post(f"gradio_api/call/{name}", json={"data": data})
    event.raise_for_status()
    text = http.get(f"gradio_api/call/{name}/{event.json()['event_id']}").text
    lines = text.splitlines()
    kind = [ln for ln in lines if ln.startswith("event:")][-1].split(":", 1)[1].strip()
    if kind != "complete":
        raise RuntimeError(f"/{name} failed: {lines[-1]}")
    return json.loads([ln for ln in lines if ln.startswith("data:")][-1][5:])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model-dir", default=None, help="exported models (default: the shipped models/)")
    p.add_argument("--data-dir", default=None, help="dataset files (default $COLD_DATA_DIR)")
    p.add_argument("--threads", type=int, default=1, help="torch threads (the app's default on 2 cores: 1)")
    p.add_argument("--repeats", type=int, default=20, help="forward-scrub requests to time")
    p.add_argument("--compare-repeats", type=int, default=3)
    p.add_argument("--no-server", action="store_true", help="skip start time and HTTP measurements")
    args = p.parse_args(argv)

    import numpy as np
    import torch
    from PIL import Image

    torch.set_num_threads(args.threads)
    from cold.checkpoint import models_dir
    from explorer.core import Explorer

    model_dir = args.model_dir or str(models_dir())
    ex = Explorer(model_dir, args.data_dir)
    names = ex.model_names()
    print(f"explorer benchmark: models in {model_dir}: {', '.join(names) or 'none'}; "
          f"torch threads {torch.get_num_threads()}; {os.cpu_count()} CPU cores")

    tmp = Path(tempfile.mkdtemp(prefix="cold-explorer-bench-"))
    img32 = tmp / "x32.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(img32)

    if not args.no_server:
        print(f"\nstart time (python -m explorer until the page answers): "
              f"{start_time(model_dir, args.threads):.1f} s")

    # ---------------------------------------------------------------- forward scrub
    preset = "cifar10-blur"
    T = ex.degradation(preset).T
    ex.forward(str(img32), preset, 1, 0)  # warm: operators, conversion cache
    times = []
    for i in range(args.repeats):
        t0 = time.perf_counter()
        ex.forward(str(img32), preset, i % (T + 1), 0)
        times.append(time.perf_counter() - t0)
    print(f"\nforward scrub, {preset}, 32x32 (function): {_stats(times)}")

    compare_model = "mnist-blur" if "mnist-blur" in names else None
    gen_model = "cifar10-blur-generation" if "cifar10-blur-generation" in names else None
    figure2_model = ex.default_compare_model()
    figure2_model = figure2_model if figure2_model in ex.model_names("generation") else None

    # ---------------------------------------------------------------- compare
    if compare_model:
        t0 = time.perf_counter()
        c = ex.compare(compare_model, None, 0)
        first = time.perf_counter() - t0
        times = _compare_times(ex, compare_model, args.compare_repeats)
        print(f"Algorithm 1 vs TACoS, {compare_model} (T={c.T}), function: first call (loads the "
              f"model and test images) {first:.2f} s; then {_stats(times)}")
    else:
        print("Algorithm 1 vs TACoS: no mnist-blur model in the model directory (skipped)")

    # ---------------------------------------------------------------- Figure 2 (the default view)
    if figure2_model:
        ex.model(figure2_model)  # load
        t0 = time.perf_counter()
        c = ex.compare(figure2_model, None, 0)
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        ex.compare(figure2_model, None, 0)
        cached = time.perf_counter() - t0
        times = _compare_times(ex, figure2_model, args.compare_repeats)
        print(f"Figure 2 (Algorithm 1 vs TACoS from a GMM colour), {figure2_model} (T={c.T}): "
              f"first {first:.2f} s, cached {cached * 1000:.1f} ms; new seeds {_stats(times)}")

    # ---------------------------------------------------------------- exports
    from explorer import export

    src = "model:" + compare_model if compare_model else preset
    t0 = time.perf_counter()
    movie = ex.forward_movie(str(img32), src, 0)
    gif = export.gif_bytes([export.panel(a, f"t={t}", 192) for t, a in movie])
    print(f"GIF of x_t, t = 0..{movie[-1][0]} ({src}): {time.perf_counter() - t0:.2f} s, "
          f"{len(gif) / 1024:.0f} KiB")
    if figure2_model or compare_model:
        model = figure2_model or compare_model
        t0 = time.perf_counter()
        ex.strip(model, None, 0)
        print(f"forward -> backward strip (Figure 1), {model}: {time.perf_counter() - t0:.2f} s")

    # ------------------------------------------- Algorithm 1 + TACoS: sequential vs one batch
    if figure2_model:
        import torch

        from cold.sampling import sample, sample_side_by_side

        m = ex.model(figure2_model)
        D, R = m.degradation, m.model
        x_T, state = m.prior.start(D, 1, m.image_shape, noise_std=0.0002,
                                   generator=torch.Generator().manual_seed(0))
        seq, one = [], []
        with torch.no_grad():
            for _ in range(args.compare_repeats):
                t0 = time.perf_counter()
                for meth in ("naive", "tacos"):
                    sample(R, D, x_T, D.T, method=meth, state=state, callback=lambda *a: None)
                seq.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                sample_side_by_side(R, D, x_T, D.T, state=state, callback=lambda *a: None)
                one.append(time.perf_counter() - t0)
        print(f"Algorithm 1 and TACoS trajectories, {figure2_model} (T={D.T}), sampling only: "
              f"two runs {_stats(seq)}; one side-by-side batch {_stats(one)} "
              f"(ratio {min(seq) / min(one):.2f}x)")

    # ---------------------------------------------------------------- generate
    from explorer.core import default_steps

    for gm in [g for g in ("cifar10-blur-generation", "mnist-blur-generation") if g in names]:
        T = ex.model(gm).degradation.T
        ex.generate(gm, 1, 0.002, 0)  # load
        walls = {}
        for K in (None, default_steps(T)):
            t0 = time.perf_counter()
            ex.generate(gm, 16, 0.002, 1, steps=K)
            walls[K] = time.perf_counter() - t0
        K = default_steps(T)
        print(f"generation of 16 images with TACoS, {gm}: all T = {T} steps {walls[None]:.2f} s; "
              f"default K = {K} steps {walls[K]:.2f} s ({walls[None] / walls[K]:.1f}x faster)")
    if not gen_model:
        print("generation: no cifar10-blur-generation model in the model directory (skipped)")

    # ---------------------------------------------------------------- over HTTP
    if not args.no_server:
        import httpx

        from explorer.app import build_app, launch

        demo = build_app(model_dir, args.data_dir)
        port = _free_port()
        launch(demo, port=port, prevent_thread_lock=True, quiet=True)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}/", timeout=120) as http:
                with open(img32, "rb") as fh:
                    path = http.post("gradio_api/upload", files={"files": fh}).json()[0]
                image = {"path": path, "meta": {"_type": "gradio.FileData"}}
                rest_call(http, "forward", [image, preset, 1, 0])
                times = []
                for i in range(args.repeats):
                    t0 = time.perf_counter()
                    rest_call(http, "forward", [image, preset, i % (T + 1), 0])
                    times.append(time.perf_counter() - t0)
                print(f"\nforward scrub, {preset}, 32x32 (HTTP request to the app): {_stats(times)}")
                if compare_model:
                    rest_call(http, "compare", [compare_model, None, 0, 0.0])
                    times = []
                    for seed in range(1, args.compare_repeats + 1):
                        t0 = time.perf_counter()
                        rest_call(http, "compare", [compare_model, None, seed, 0.0])
                        times.append(time.perf_counter() - t0)
                    print(f"Algorithm 1 vs TACoS, {compare_model} (HTTP /compare, images and "
                          f"galleries included): {_stats(times)}")
                if gen_model:
                    t0 = time.perf_counter()
                    K = default_steps(ex.model(gen_model).degradation.T)
                    rest_call(http, "generate", [gen_model, 16, 0.002, 2, "tacos", K])
                    print(f"generation of 16 CIFAR-10 images (HTTP /generate, default K = {K}): "
                          f"{time.perf_counter() - t0:.2f} s")
        finally:
            demo.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
