"""Tests of the Gradio explorer (explorer/): its functions and rendering, its API under
concurrency and over many requests, and the page itself in a real browser (Playwright + Debian
Chromium).

The models are smoke models trained here (``cold train PRESET --scale smoke``, 2 steps) and
exported into a temporary model directory, so nothing depends on the shipped models.  Nothing is
written into the repository: files go to pytest's temporary directories (the README screenshots
are made by ``python -m explorer.screenshots``, not by the tests).
"""
from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # explorer/ lives next to cold/ in the source tree
    sys.path.insert(0, str(ROOT))

from explorer import render  # noqa: E402
from explorer.core import (DISPLAY_SIZE, MAX_PIXELS, Explorer, InputError, check_int,  # noqa: E402
                           color_hex, load_image, parse_color, upscale)

MODELS = ("mnist-blur", "mnist-inpaint", "cifar10-blur-generation")
#: smoke settings: 2 steps; the generation model gets T = 20 (instead of 100) to sample quickly
SMOKE_SETS = ["train.steps=2", "train.save_every=2", "train.sample_every=1000"]
EXTRA_SETS = {"cifar10-blur-generation": ["degradation.overrides.T=20"]}
CHROMIUM = "/usr/bin/chromium"
SESSIONS = 30


# the app uses one torch thread per request; so do the tests (keeps a shared CPU quiet)
pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory):
    """Three smoke models (``cold train PRESET --scale smoke``, 2 steps), exported as shipped
    models are (``cold.checkpoint.export``)."""
    from cold.checkpoint import export
    from cold.presets import apply_overrides, preset_config
    from cold.training import train
    from conftest import require_data

    require_data("mnist.npz", "cifar10-jpeg.tar.gz")
    root = tmp_path_factory.mktemp("explorer")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for name in MODELS:
            cfg = apply_overrides(preset_config(name, "smoke"), SMOKE_SETS + EXTRA_SETS.get(name, []))
            run = root / "runs" / name
            train(cfg, run, progress=False, device="cpu")
            export(run, root / "models" / name)
    finally:
        torch.set_num_threads(threads)
    return root / "models"


@pytest.fixture(scope="module")
def ex(model_dir):
    return Explorer(model_dir)


@pytest.fixture(scope="module")
def cat(tmp_path_factory):
    """An RGB photo (scikit-image's chelsea) as a PNG file."""
    from PIL import Image

    from explorer.core import skimage_image

    path = tmp_path_factory.mktemp("img") / "cat.png"
    Image.fromarray(skimage_image("chelsea")).save(path)
    return str(path)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A 32x32 RGB PNG (cheap to upload many times)."""
    from PIL import Image

    rng = np.random.default_rng(1)
    path = tmp_path_factory.mktemp("img") / "small.png"
    Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(path)
    return str(path)


# ----------------------------------------------------------------------------- pure functions
def test_model_names(ex):
    assert ex.model_names() == sorted(MODELS)
    assert ex.model_names("generation") == ["cifar10-blur-generation"]
    assert ex.model_names("restoration") == ["mnist-blur", "mnist-inpaint"]
    assert ex.model("mnist-blur") is ex.model("mnist-blur")  # loaded once
    with pytest.raises(InputError, match="unknown model"):
        ex.model("nope")


def test_forward_every_preset(ex, cat):
    from cold.degradations import DEGRADATION_PRESETS

    for preset in DEGRADATION_PRESETS:
        D = ex.degradation(preset)
        C, S = ex.preset_geometry(preset)
        x0 = ex.forward_tensor(cat, preset, 0, seed=1)
        assert x0.shape == (1, C, S, S)
        assert torch.equal(x0, ex.input_tensor(cat, C, S)), preset  # D(x0, 0) = x0
        xT = ex.forward_tensor(cat, preset, D.T, seed=1)
        assert not torch.equal(xT, x0), preset
        a = ex.forward(cat, preset, D.T // 2, seed=1)
        assert a.dtype == np.uint8 and a.ndim == 3 and a.shape[2] == 3
        assert a.shape[0] >= 224  # small images are upscaled for display
    strip = ex.filmstrip(cat, "mnist-blur", seed=0)
    assert strip[0][0] == 0 and strip[-1][0] == 40 == ex.degradation("mnist-blur").T
    assert torch.equal(strip[0][1], ex.input_tensor(cat, *ex.preset_geometry("mnist-blur")))
    shown = render.gallery(strip, "t")
    assert shown[0][1] == "t=0" and shown[-1][1] == "t=40" and shown[0][0].dtype == np.uint8


def test_preset_geometry_comes_from_cold(ex):
    from cold.degradations import DEGRADATION_PRESETS
    from cold.presets import data_geometry

    for preset in DEGRADATION_PRESETS:
        assert ex.preset_geometry(preset) == data_geometry(preset)
        assert ex.degradation_T(preset) == ex.degradation(preset).T
    assert ex.preset_geometry("imagenet-blur") == (3, 64)  # a family cold does not know


def test_forward_state_follows_seed(ex, cat):
    a = ex.forward_tensor(cat, "cifar10-inpaint", 30, seed=1)
    assert torch.equal(a, ex.forward_tensor(cat, "cifar10-inpaint", 30, seed=1))
    assert not torch.equal(a, ex.forward_tensor(cat, "cifar10-inpaint", 30, seed=2))
    # deterministic degradations ignore the seed
    assert torch.equal(ex.forward_tensor(cat, "cifar10-blur", 9, seed=1),
                       ex.forward_tensor(cat, "cifar10-blur", 9, seed=2))


@pytest.mark.parametrize("kwargs, match", [
    (dict(t=41), "out of range"), (dict(t=-1), "out of range"), (dict(t=2.5), "integer"),
    (dict(t=None), "integer"), (dict(preset="mnist-nothing"), "unknown degradation preset"),
    (dict(seed=-3), "out of range"), (dict(seed=2 ** 40), "out of range")])
def test_forward_rejects_out_of_range(ex, cat, kwargs, match):
    args = dict(image=cat, preset="mnist-blur", t=3, seed=0)
    args.update(kwargs)
    with pytest.raises(InputError, match=match):
        ex.forward(**args)


def test_compare(ex, cat):
    c = ex.compare("mnist-blur", None, seed=3)
    T = c.T
    assert T == ex.model("mnist-blur").degradation.T
    assert len(c.naive) == len(c.tacos) == T + 1
    # both start from the same x_T = D(x0, T), which lies on the true trajectory
    assert torch.equal(c.naive[T][0], c.x_T) and torch.equal(c.tacos[T][0], c.x_T)
    assert c.dist_naive[T] == pytest.approx(0, abs=1e-5) and c.dist_tacos[T] == pytest.approx(0, abs=1e-5)
    assert all(np.isfinite(c.dist_naive)) and all(np.isfinite(c.dist_tacos))
    d = c.distances()
    assert len(d["s"]) == len(d["naive"]) == len(d["tacos"]) == T + 1
    frames = c.frames("tacos")
    assert frames[0][0] == T and frames[-1][0] == 0
    # an uploaded image is converted to the model's size; a random degradation uses the seed
    c2 = ex.compare("mnist-inpaint", cat, seed=1)
    assert c2.x0.shape == (1, *ex.model("mnist-inpaint").image_shape) and len(c2.tacos) == c2.T + 1
    with pytest.raises(InputError):
        ex.compare("mnist-blur", None, seed=-1)


def test_generate(ex):
    g = ex.generate("cifar10-blur-generation", n=3, noise_std=0.0, seed=0)
    assert g.images.shape == (3, 3, 32, 32) and torch.isfinite(g.images).all()
    # x_T is a solid colour per image (perfect symmetry); the trajectory starts there
    assert torch.allclose(g.x_T, g.x_T.mean(dim=(2, 3), keepdim=True).expand_as(g.x_T))
    assert g.frames[0][0] == g.T and g.frames[-1][0] == 0 and torch.equal(g.frames[-1][1], g.images)
    grid = g.trajectory_grid()
    assert grid.dtype == np.uint8 and grid.shape[2] == 3
    # seeded: same seed, same images; noise breaks the symmetry
    assert torch.equal(g.images, ex.generate("cifar10-blur-generation", 3, 0.0, 0).images)
    g2 = ex.generate("cifar10-blur-generation", n=1, noise_std=0.01, seed=0)
    assert g2.x_T.std(dim=(2, 3)).min() > 0
    # a picked colour
    g3 = ex.generate("cifar10-blur-generation", n=2, noise_std=0.0, seed=0, color="#ff0000")
    assert torch.allclose(g3.x_T[:, :, 0, 0], torch.tensor([[1.0, -1.0, -1.0]] * 2))


@pytest.mark.parametrize("kwargs, match", [
    (dict(n=0), "out of range"), (dict(n=17), "out of range"), (dict(noise_std=0.02), "out of range"),
    (dict(noise_std=-0.001), "out of range"), (dict(model="mnist-blur"), "restoration model"),
    (dict(color="not-a-colour"), "not a colour")])
def test_generate_rejects(ex, kwargs, match):
    args = dict(model="cifar10-blur-generation", n=2, noise_std=0.002, seed=0)
    args.update(kwargs)
    with pytest.raises(InputError, match=match):
        ex.generate(**args)


def test_swatches_and_colours(ex):
    colors, img = ex.swatches("cifar10-blur-generation", n=10, seed=4)
    assert colors.shape == (10, 3) and img.dtype == np.uint8
    assert torch.equal(colors, ex.swatches("cifar10-blur-generation", 10, 4)[0])
    assert color_hex(parse_color("#12ab34", 3)) == "#12ab34"
    assert parse_color("rgba(255, 255, 255, 1)", 3).tolist() == [1.0, 1.0, 1.0]
    assert parse_color("#ffffff", 1).tolist() == [1.0]
    with pytest.raises(InputError):
        ex.swatches("cifar10-blur-generation", n=0)


def test_restore_and_estimate(ex, cat):
    for method in ("direct", "naive", "tacos"):
        y = ex.restore("mnist-blur", cat, 10, method)
        assert y.shape == (1, *ex.model("mnist-blur").image_shape) and torch.isfinite(y).all()
    assert ex.restore("mnist-inpaint", cat, None, "tacos").shape == (1, *ex.model("mnist-inpaint").image_shape)
    t = ex.estimate_t("mnist-blur", cat)
    assert 1 <= t <= ex.model("mnist-blur").degradation.T
    with pytest.raises(InputError, match="out of range"):
        ex.restore("mnist-blur", cat, 21, "tacos")
    with pytest.raises(InputError, match="unknown method"):
        ex.restore("mnist-blur", cat, 5, "ddim")


def test_model_card(ex, model_dir, tmp_path):
    import shutil

    card = ex.model_card("mnist-blur")
    assert card.T == ex.model("mnist-blur").degradation.T and card.prior is None and card.readme is None
    assert card.grid.image.dtype == np.uint8 and card.grid.source in ("file", "restoration")
    md = render.model_card_markdown(card)
    assert md.startswith("## mnist-blur") and "degradation preset" in md and "| T | 20 |" in md
    assert "none (restoration model)" in md and "*Sample grid:*" in md
    # a model that ships a README.md: the card starts with it (written into a copy of the model)
    own = tmp_path / "models"
    shutil.copytree(model_dir / "mnist-inpaint", own / "mnist-inpaint")
    (own / "mnist-inpaint" / "README.md").write_text("# MNIST inpainting\nshipped card\n")
    card = Explorer(own).model_card("mnist-inpaint")
    assert card.readme.startswith("# MNIST inpainting")
    assert render.model_card_markdown(card).startswith("# MNIST inpainting")
    card = ex.model_card("cifar10-blur-generation")
    assert card.prior == "MeanColorGMM" and card.grid.image is not None
    assert "MeanColorGMM" in render.model_card_markdown(card)


def test_sample_grid_captions():
    from explorer.core import SampleGrid

    a = np.zeros((4, 4, 3), np.uint8)
    assert render.sample_grid_caption(SampleGrid(a, "file", path="samples.png")) == "`samples.png`"
    assert "noise 0.002" in render.sample_grid_caption(SampleGrid(a, "generation", noise_std=0.002))
    assert "TACoS" in render.sample_grid_caption(SampleGrid(a, "restoration"))


# ----------------------------------------------------------------------------- uploads
def _save(tmp_path, name, im, **kw):
    path = tmp_path / name
    im.save(path, **kw)
    return str(path)


def test_upload_conversion(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(0)
    rgb = Image.fromarray(rng.integers(0, 256, (90, 160, 3), dtype=np.uint8))
    files = {
        "rgb.jpg": (rgb, {}), "grey.png": (rgb.convert("L"), {}),
        "rgba.png": (rgb.convert("RGBA"), {}), "palette.gif": (rgb.convert("P"), {}),
        "tiny.bmp": (Image.new("RGB", (1, 1), (255, 0, 0)), {}),
        "strip.png": (Image.new("L", (5000, 1), 200), {}),  # extreme aspect ratio
        "deep.png": (Image.fromarray((rng.integers(0, 65535, (40, 30))).astype(np.uint16)), {}),
        "pic.webp": (rgb, {}), "pic.tiff": (rgb, {}),
    }
    for name, (im, kw) in files.items():
        path = _save(tmp_path, name, im, **kw)
        for C, S in ((1, 28), (3, 32)):
            x = load_image(path, C, S)
            assert x.shape == (1, C, S, S), name
            assert x.dtype == torch.float32 and x.min() >= -1 and x.max() <= 1, name
    # transparent pixels become white
    clear = _save(tmp_path, "clear.png", Image.new("RGBA", (10, 10), (0, 0, 0, 0)))
    assert torch.equal(load_image(clear, 3, 8), torch.ones(1, 3, 8, 8))
    # arrays (what gradio hands over for type="numpy") work too
    assert load_image(np.zeros((5, 7), np.uint8), 3, 4).shape == (1, 3, 4, 4)


def test_upload_rejections(tmp_path):
    from PIL import Image

    text = tmp_path / "notes.png"
    text.write_text("this is not an image")
    with pytest.raises(InputError, match="not an image"):
        load_image(str(text), 3, 32)
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        load_image(str(empty), 3, 32)
    truncated = tmp_path / "cut.png"
    Image.new("RGB", (64, 64), (1, 2, 3)).save(truncated)
    truncated.write_bytes(truncated.read_bytes()[:60])
    with pytest.raises(InputError):
        load_image(str(truncated), 3, 32)
    big = _save(tmp_path, "big.png", Image.new("L", (300, 300)))
    with pytest.raises(InputError, match="larger than the upload limit"):
        load_image(big, 1, 28, max_bytes=100)
    with pytest.raises(InputError, match="pixels"):
        load_image(big, 1, 28, max_pixels=300 * 299)
    # a small file that claims a huge image is rejected from its header, before decoding
    bomb = _save(tmp_path, "bomb.png", Image.new("1", (8000, 6000)))
    assert os.path.getsize(bomb) < 1_000_000 and 8000 * 6000 > MAX_PIXELS
    with pytest.raises(InputError, match="limit of 40,000,000 pixels"):
        load_image(bomb, 1, 28)
    with pytest.raises(InputError, match="no image"):
        load_image(None, 1, 28)
    with pytest.raises(InputError, match="no such"):
        load_image(str(tmp_path / "missing.png"), 1, 28)


def test_helpers():
    assert upscale(np.zeros((28, 28, 3), np.uint8)).shape == (252, 252, 3)
    assert upscale(np.zeros((300, 300, 3), np.uint8)).shape == (300, 300, 3)
    assert check_int("t", 3.0, 0, 5) == 3
    for bad in (True, "x", float("nan"), 6):
        with pytest.raises(InputError):
            check_int("t", bad, 0, 5)


def test_command_line(monkeypatch):
    """``cold explore`` (parsed in cold/cli.py) hands its options to explorer.app.run; unset
    limits take the explorer's defaults; ``python -m explorer`` is the same command."""
    import explorer.app as app
    from cold.cli import build_parser

    args = build_parser().parse_args(["explore", "--port", "7999", "--model-dir", "m", "--share",
                                      "--max-upload-mb", "5"])
    assert (args.host, args.port, args.model_dir, args.share, args.max_upload_mb) == ("127.0.0.1", 7999, "m", True, 5.0)
    seen = {}

    def fake_build_app(model_dir, data_dir, max_upload_mb):
        seen["model_dir"] = model_dir
        return _Demo()

    def fake_launch(demo, host, port, share, mb, sessions):
        seen.update(host=host, port=port, share=share, mb=mb, sessions=sessions)

    monkeypatch.setattr(app, "build_app", fake_build_app)
    monkeypatch.setattr(app, "launch", fake_launch)
    assert app.main(["--port", "7001"]) == 0
    assert (seen["host"], seen["port"], seen["share"], seen["mb"], seen["sessions"]) == (
        "127.0.0.1", 7001, False, app.MAX_UPLOAD_MB, app.MAX_SESSIONS)


class _Demo:
    class explorer:  # noqa: N801 - stands in for the Explorer the app holds
        model_dir = "m"

        @staticmethod
        def model_names():
            return []


def test_app_builds_without_models(tmp_path, cat):
    """No models (e.g. before training): the app still builds; the forward view still works."""
    pytest.importorskip("gradio")
    from explorer.app import build_app

    def snapshot():  # the explorer package's files (bytecode aside) and their modification times
        return {p: p.stat().st_mtime_ns for p in (ROOT / "explorer").rglob("*")
                if "__pycache__" not in p.parts}

    before = snapshot()
    demo = build_app(tmp_path)
    assert snapshot() == before, "building the app wrote into explorer/ (e.g. a gradio .pyi stub)"
    assert demo.explorer.model_names() == []
    _, S = demo.explorer.preset_geometry("mnist-blur")
    k = DISPLAY_SIZE // S
    assert demo.explorer.forward(cat, "mnist-blur", 5, 0).shape == (k * S, k * S, 3)
    with pytest.raises(InputError, match="no model"):
        demo.explorer.compare("", None, 0)


# ----------------------------------------------------------------------------- the server
@pytest.fixture(scope="module")
def server(model_dir):
    pytest.importorskip("gradio")
    from explorer.app import build_app, serve_in_background

    t0 = time.perf_counter()
    demo = build_app(model_dir)
    # few sessions: the memory test below runs past this bound (each plain HTTP call is a session)
    url = serve_in_background(demo, max_sessions=SESSIONS)
    print(f"explorer built and launched in {time.perf_counter() - t0:.1f} s")
    yield url
    demo.close()


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    return Client(server, verbose=False)


def test_api_endpoints(client, cat, ex):
    from gradio_client import handle_file

    api = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    for name in ("/forward", "/compare", "/generate", "/restore"):
        assert name in api
    x_t = client.predict(handle_file(cat), "cifar10-blur", 10, 0, api_name="/forward")
    assert Path(x_t).is_file()
    out = client.predict("mnist-blur", None, 2, api_name="/compare")
    x_T, direct, x0, final_naive, final_tacos, gal_naive, gal_tacos, dist = out
    assert all(Path(p).is_file() for p in (x_T, direct, x0, final_naive, final_tacos))
    assert len(gal_naive) == len(gal_tacos) >= 2 and dist["s"][-1] == len(dist["tacos"]) - 1
    images, traj = client.predict("cifar10-blur-generation", 2, 0.002, 0, api_name="/generate")
    assert len(images) == 2 and Path(traj).is_file()
    shown, download = client.predict("mnist-blur", handle_file(cat), 10, "tacos", api_name="/restore")
    from PIL import Image
    _, H, W = ex.model("mnist-blur").image_shape
    with Image.open(download) as im:
        assert im.size == (W, H)  # at the model's resolution


def test_api_rejects_bad_input(client, cat, tmp_path):
    from gradio_client import handle_file

    # beyond this model's T (20) but within the slider (the largest T of all models): ours
    with pytest.raises(Exception, match="t=30 is out of range"):
        client.predict("mnist-blur", handle_file(cat), 30, "tacos", api_name="/restore")
    with pytest.raises(Exception, match="greater than maximum|out of range"):  # gradio's slider check
        client.predict("mnist-blur", handle_file(cat), 99, "tacos", api_name="/restore")
    with pytest.raises(Exception, match="greater than maximum|out of range"):
        client.predict("cifar10-blur-generation", 2, 0.5, 0, api_name="/generate")
    with pytest.raises(Exception, match="out of range"):
        client.predict(handle_file(cat), "mnist-blur", 41, 0, api_name="/forward")
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    with pytest.raises(Exception, match="not an image"):
        client.predict("mnist-blur", handle_file(str(notes)), 5, "tacos", api_name="/restore")


def test_20_concurrent_requests(server, small):
    from gradio_client import Client, handle_file

    clients = [Client(server, verbose=False, download_files=False) for _ in range(4)]

    def call(i):
        c = clients[i % len(clients)]
        kind = i % 4
        if kind == 0:
            return c.predict(handle_file(small), "mnist-inpaint", i, i, api_name="/forward")
        if kind == 1:
            return c.predict("mnist-blur", None, i, api_name="/compare")
        if kind == 2:
            return c.predict("cifar10-blur-generation", 1, 0.002, i, api_name="/generate")
        return c.predict("mnist-inpaint", handle_file(small), 30, "tacos", api_name="/restore")

    t0 = time.perf_counter()
    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(call, range(20)))
    assert len(results) == 20 and all(r is not None for r in results)
    print(f"20 concurrent requests in {time.perf_counter() - t0:.1f} s")


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    try:
        import psutil
        return psutil.Process().memory_info().rss / 2 ** 20
    except ImportError:  # pragma: no cover
        pytest.skip("no /proc/self/status and no psutil")


def _rest_call(http, name: str, data: list):
    """One call of a named endpoint over Gradio's plain HTTP API (POST, then read the result)."""
    import json

    event = http.post(f"gradio_api/call/{name}", json={"data": data})
    event.raise_for_status()
    text = http.get(f"gradio_api/call/{name}/{event.json()['event_id']}").text
    lines = text.splitlines()
    kind = [ln for ln in lines if ln.startswith("event:")][-1].split(":", 1)[1].strip()
    return kind, json.loads([ln for ln in lines if ln.startswith("data:")][-1][5:])


def test_memory_bounded_over_200_requests(server, small):
    """The server runs in this process: its RSS must not grow with the number of requests.

    Plain HTTP calls (httpx, which gradio ships with) keep the client's own cost negligible."""
    import httpx

    with httpx.Client(base_url=server, timeout=60) as http:
        with open(small, "rb") as fh:
            path = http.post("gradio_api/upload", files={"files": fh}).json()[0]
        image = {"path": path, "meta": {"_type": "gradio.FileData"}}

        def one(i):
            preset = ("mnist-blur", "cifar10-snow", "mnist-inpaint", "cifar10-desaturate")[i % 4]
            kind, out = _rest_call(http, "forward", [image, preset, i % 21, i])
            assert kind == "complete", out
            return out

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(one, range(40)))  # warm up caches, queue, threads; fill the sessions
            before = _rss_mb()
            t0 = time.perf_counter()
            results = list(pool.map(one, range(40, 240)))
        after = _rss_mb()
        kind, err = _rest_call(http, "forward", [image, "mnist-blur", 99, 0])
    assert len(results) == 200 and kind == "error" and "out of range" in err["error"]
    print(f"200 requests in {time.perf_counter() - t0:.1f} s; RSS {before:.0f} -> {after:.0f} MB")
    assert after - before < 50, f"RSS grew by {after - before:.0f} MB over 200 requests"


# ----------------------------------------------------------------------------- the browser
@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"needs Debian's Chromium at {CHROMIUM}")
def test_browser_end_to_end(server, cat, tmp_path):
    """Every view in headless Chromium: the walk-through of ``python -m explorer.screenshots``,
    with its screenshots written into tmp_path (never over reports/explorer/)."""
    pytest.importorskip("playwright.sync_api")
    from explorer.screenshots import VIEWS, launch_chromium, sync_playwright, walk_through

    with sync_playwright() as p:
        browser = launch_chromium(p, CHROMIUM)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            shots = walk_through(page, server, cat, tmp_path / "screenshots")
        finally:
            browser.close()
    assert list(shots) == list(VIEWS)
    assert all(path.parent == tmp_path / "screenshots" and path.stat().st_size > 0
               for path in shots.values())


def test_screenshots_command_without_browser(tmp_path, monkeypatch, capsys):
    """``python -m explorer.screenshots`` says clearly what is missing, and writes nothing."""
    import explorer.screenshots as shots

    def missing():
        raise shots.ScreenshotError("Playwright is not installed: pip install playwright")

    monkeypatch.setattr(shots, "sync_playwright", missing)
    assert shots.main(["--model-dir", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    assert "error: Playwright is not installed" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    with pytest.raises(SystemExit):
        shots.main(["--model-dir", str(tmp_path)])  # --out is required


def test_chromium_missing_is_reported(tmp_path):
    import explorer.screenshots as shots

    with pytest.raises(shots.ScreenshotError, match="no Chromium at"):
        shots.launch_chromium(None, str(tmp_path / "chromium"))
