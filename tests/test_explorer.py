"""Tests of the Gradio explorer (explorer/): its functions and rendering, its API under
concurrency and over many requests, and the page itself in a real browser (Playwright + Debian
Chromium).

The models are smoke models trained here (``cold train PRESET --scale smoke``, 2 steps) and
exported into a temporary model directory, so nothing depends on the shipped models.  Nothing is
written into the repository: files go to pytest's temporary directories (the README screenshots
are made by ``python -m explorer.screenshots``, not by the tests).  The "photo" uploaded here is
a synthetic RGB image (the explorer no longer ships photos).
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

from explorer import export, formulas, render  # noqa: E402
from explorer.core import (DISPLAY_SIZE, MAX_PIXELS, Explorer, InputError, check_int,  # noqa: E402
                           default_steps,
                           color_hex, load_image, parse_color, rmse, swatch_chips, tile, to_uint8,
                           upscale)

MODELS = ("mnist-blur", "mnist-inpaint", "cifar10-blur-generation", "mnist-blur-generation")
#: smoke settings: 2 steps; the generation models get T = 20 (instead of 100 / 80) to sample quickly
SMOKE_SETS = ["train.steps=2", "train.save_every=2", "train.sample_every=1000"]
EXTRA_SETS = {"cifar10-blur-generation": ["degradation.overrides.T=20"],
              "mnist-blur-generation": ["degradation.overrides.T=20"]}
#: the model the comparison view opens on (the first of explorer.core.PREFERRED_GENERATION)
DEFAULT_GEN = "mnist-blur-generation"
CHROMIUM = "/usr/bin/chromium"
SESSIONS = 30


# the app uses one torch thread per request; so do the tests (keeps a shared CPU quiet)
pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory):
    """Four smoke models (``cold train PRESET --scale smoke``, 2 steps), exported as shipped
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
    """A photo-sized RGB image (300x451, smooth gradients and a disc) as a PNG file."""
    from PIL import Image

    y, x = np.mgrid[0:300, 0:451]
    a = np.stack([x * 255 // 450, y * 255 // 299, 128 + 100 * np.sin(x / 40.0)], axis=2)
    a[(y - 150) ** 2 + (x - 225) ** 2 < 80 ** 2] = (240, 200, 40)
    path = tmp_path_factory.mktemp("img") / "cat.png"
    Image.fromarray(a.clip(0, 255).astype(np.uint8)).save(path)
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
    assert ex.model_names("generation") == ["cifar10-blur-generation", "mnist-blur-generation"]
    assert ex.model_names("restoration") == ["mnist-blur", "mnist-inpaint"]
    assert ex.default_compare_model() == DEFAULT_GEN  # preferred over cifar10-blur-generation
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


# ----------------------------------------------------------------------------- the paper out of the box
def test_compare_generation_is_figure_2(ex):
    """The comparison view's default: a generation model, both samplers from the same x_T (a GMM
    colour plus the model's own noise), measured in RMSE against the TACoS sample's path."""
    c = ex.compare(DEFAULT_GEN, None, seed=5)
    m = ex.model(DEFAULT_GEN)
    T = m.degradation.T
    noise = float(m.config["prior"]["noise_std"])
    assert noise > 0 and ex.noise_std_of(m) == noise
    assert c.kind == "generation" and c.x0 is None and c.T == T and c.noise_std == noise
    assert torch.equal(c.naive[T][0], c.x_T) and torch.equal(c.tacos[T][0], c.x_T)
    # x_T: one colour per channel plus N(0, noise²) noise, the colour drawn by the model's prior
    assert abs(float(c.x_T.std()) - noise) < 0.25 * noise
    x_T, _ = m.prior.start(m.degradation, 1, m.image_shape, noise_std=noise,
                           generator=torch.Generator().manual_seed(5))
    assert torch.equal(c.x_T, x_T)
    # the yardstick is the final TACoS sample's degradation path D(x̂, s)
    assert torch.equal(c.reference, c.tacos[0][0]) and "TACoS" in c.reference_label
    assert torch.equal(c.truth[3], m.degradation(c.reference, 3))
    assert c.dist_tacos[0] == 0.0 and c.dist_naive[0] == pytest.approx(rmse(c.naive[0][0], c.reference))
    d = c.distances()
    assert d["reference"] == c.reference_label and len(d["naive"]) == T + 1
    assert all(0 <= v <= 1 for v in d["naive"] + d["tacos"])
    # seeded and cached: the same request gives the same object; another seed another colour
    assert ex.compare(DEFAULT_GEN, None, seed=5) is c
    assert not torch.equal(ex.compare(DEFAULT_GEN, None, seed=6).x_T, c.x_T)
    # perfect symmetry: every pixel of x_T equal
    flat = ex.compare(DEFAULT_GEN, None, seed=5, noise_std=0.0).x_T
    assert float(flat.std()) == 0.0
    assert "What to look for" in render.look_for(c.kind, T, d)


def test_rmse_units():
    a, b = -torch.ones(1, 1, 4, 4), torch.ones(1, 1, 4, 4)
    assert rmse(a, b) == pytest.approx(1.0) and rmse(a, a) == 0.0
    assert rmse(a, torch.zeros_like(a)) == pytest.approx(0.5)


def test_no_dataset_uses_bundled_images(model_dir, tmp_path, monkeypatch, cat):
    """A fresh install (COLD_DATA_DIR empty): every view shows real test images of the model's
    own dataset, bundled with cold; no photo appears unless uploaded."""
    import cold.data as cdata

    empty = tmp_path / "no-data"
    empty.mkdir()
    monkeypatch.setenv("COLD_DATA_DIR", str(empty))
    ex = Explorer(model_dir)
    assert ex.data_dir == empty
    names = ex.sample_names()
    assert names and {n.split(" #")[0] for n in names} == set(cdata.BUNDLED)
    m = ex.model("mnist-blur")
    C, S, _ = m.image_shape
    mnist = cdata.bundled_samples("mnist", image_size=S, channels=C).tensor()
    # the comparison view's x0 of a restoration model: bundled test image number `seed`
    c = ex.compare("mnist-blur", None, seed=3)
    assert torch.equal(c.x0, mnist[3:4]) and "bundled" in c.source
    # the restore view's test image, degraded by the model's D
    a, note = ex.example_input("mnist-blur", 10, 2)
    assert np.array_equal(a, to_uint8(m.degradation(mnist[2:3], 10))[:, :, 0]) and "bundled" in note
    # CIFAR-10 models get CIFAR-10 images; the forward view picks images of D's dataset
    cifar = cdata.bundled_samples("cifar10", image_size=32, channels=3).tensor()
    assert torch.equal(ex.model_images(ex.model("cifar10-blur-generation"), 4), cifar[:4])
    assert ex.default_sample("model:mnist-blur").startswith("mnist #")
    assert ex.default_sample("cifar10-blur").startswith("cifar10 #")
    assert ex.default_sample("celeba-blur").startswith("olivetti #")  # faces stand in for CelebA
    assert ex.sample_image("olivetti #1").shape == (64, 64)
    # animorph's partners: the bundled Fashion-MNIST images
    x = ex.forward_tensor(cat, "celeba-animorph", 100, seed=0)
    assert x.shape == (1, 3, 128, 128) and "fashion_mnist" in ex.partner_source()
    # the GMM plot: the bundled images' mean colours, and it says so
    pc = ex.prior_colors(DEFAULT_GEN)
    assert pc.data.shape == (32, 1) and "bundled" in pc.data_source
    assert render.gmm_plot(pc, np.zeros((2, 1))) is not None
    # the app builds and its default sample is an MNIST digit
    pytest.importorskip("gradio")
    from explorer.app import build_app

    demo = build_app(model_dir, empty)
    assert demo.explorer.data_dir == empty


def test_prior_colors_with_the_training_set(ex):
    pc = ex.prior_colors(DEFAULT_GEN)
    m = ex.model(DEFAULT_GEN)
    fit_n = m.config["prior"].get("fit_n") or 60000  # what the GMM was fitted on
    assert pc.data.shape == (min(fit_n, 60000), 1) and "training images" in pc.data_source
    assert np.allclose(pc.means, m.prior.means.numpy())
    # the GMM was fitted on these colours: its mean is theirs
    assert abs(float(pc.data.mean()) - float(pc.means[0, 0])) < 0.02
    fig = render.gmm_plot(pc, ex.swatches(DEFAULT_GEN, 3, 0)[0].numpy())
    assert len(fig.axes) == 1
    assert len(render.gmm_plot(ex.prior_colors("cifar10-blur-generation")).axes) == 3
    with pytest.raises(InputError, match="restoration model"):
        ex.prior_colors("mnist-blur")


def test_generation_flow(ex):
    """The swatches are the x_T of the images generated (the s = T column), for every seed;
    perfect and broken symmetry start from the same colours; the samplers differ."""
    n, seed = 3, 11
    g = ex.generate(DEFAULT_GEN, n, 0.002, seed, method="tacos")
    colors, img = ex.swatches(DEFAULT_GEN, n, seed, 0.002)
    assert np.array_equal(img, tile([swatch_chips(g.x_T)], pad=4))
    assert torch.allclose(colors, g.x_T.mean(dim=(2, 3)))
    assert g.frames[0][0] == g.T and torch.equal(g.frames[0][1], g.x_T)
    assert np.array_equal(g.movie[0], np.stack([to_uint8(x) for x in g.x_T]))
    # a new seed: new swatches
    assert not np.array_equal(ex.swatches(DEFAULT_GEN, n, seed + 1, 0.002)[1], img)
    # perfect symmetry: the same colours, every pixel equal
    p = ex.generate(DEFAULT_GEN, n, 0.0, seed, method="tacos")
    assert torch.allclose(p.x_T.mean(dim=(2, 3)), g.x_T.mean(dim=(2, 3)), atol=1e-3)
    assert float(p.x_T.std(dim=(2, 3)).max()) == 0.0
    # every step is kept for the GIF: T + 1 frames from s = T to 0 (2 for the direct sampler)
    assert g.steps == list(range(g.T, -1, -1)) and g.movie.shape[:2] == (g.T + 1, n)
    naive = ex.generate(DEFAULT_GEN, n, 0.002, seed, method="naive")
    direct = ex.generate(DEFAULT_GEN, n, 0.002, seed, method="direct")
    assert torch.equal(naive.x_T, g.x_T) and not torch.equal(naive.images, g.images)
    assert direct.steps == [g.T, 0] and direct.movie.shape[0] == 2
    with pytest.raises(InputError, match="unknown method"):
        ex.generate(DEFAULT_GEN, n, 0.002, seed, method="ddim")


def test_forward_sources_and_movie(ex, cat):
    """The forward view offers every model's own D next to the presets; the GIF's frames are
    every x_t, t = 0..T."""
    src = "model:mnist-blur"
    m = ex.model("mnist-blur")
    assert src in ex.sources() and "mnist-blur" in ex.sources()
    assert ex.source_T(src) == m.degradation.T == 20 and ex.source_T("mnist-blur") == 40
    C, S, _ = m.image_shape
    assert ex.source_geometry(src) == (C, S)
    x0 = ex.input_tensor(cat, C, S)
    assert torch.equal(ex.forward_tensor(cat, src, 7), m.degradation(x0, 7))
    movie = ex.forward_movie(cat, src)
    assert [t for t, _ in movie] == list(range(21))
    assert np.array_equal(movie[7][1], to_uint8(m.degradation(x0, 7)))
    # a random degradation keeps one state over the movie
    movie = ex.forward_movie(cat, "mnist-inpaint", seed=3)
    assert np.array_equal(movie[30][1], to_uint8(ex.forward_tensor(cat, "mnist-inpaint", 30, seed=3)))
    with pytest.raises(InputError, match="unknown model"):
        ex.forward(cat, "model:nope", 1)
    with pytest.raises(InputError, match="out of range"):
        ex.forward(cat, src, 21)


def test_strip_is_figure_1(ex):
    st = ex.strip(DEFAULT_GEN, None, seed=2)
    T = st.T
    assert [t for t, _ in st.forward][0] == 0 and st.forward[-1][0] == T
    assert [s for s, _ in st.backward][-1] == 0 and st.backward[0][0] < T
    # generation: back from x_T plus the model's broken-symmetry noise
    assert st.noise_std == ex.noise_std_of(ex.model(DEFAULT_GEN)) > 0
    x0 = ex.model_images(ex.model(DEFAULT_GEN), 16)[2:3]
    assert torch.equal(st.forward[0][1], x0)
    fwd = [(f"t = {t}", to_uint8(x)) for t, x in st.forward]
    bwd = [(f"s = {s}", to_uint8(x)) for s, x in st.backward]
    img = export.strip_image(fwd, bwd)
    assert img.dtype == np.uint8 and img.shape[1] > img.shape[0] * 5
    st = ex.strip("mnist-blur", None, seed=2, method="direct")
    assert st.noise_std == 0.0 and [s for s, _ in st.backward] == [0]


def test_gif_frames():
    from io import BytesIO

    from PIL import Image

    same = np.zeros((8, 8, 3), np.uint8)
    frames = [export.panel(same, f"t={t}") for t in range(5)]  # identical images, own captions
    with Image.open(BytesIO(export.gif_bytes(frames))) as im:
        assert im.n_frames == 5 and im.info.get("loop") == 0
    with pytest.raises(ValueError):
        export.gif_bytes([])
    with Image.open(BytesIO(export.gif_bytes([same, np.zeros((4, 12, 3), np.uint8)]))) as im:
        assert im.size == (12, 8) and im.n_frames == 2  # padded to the largest frame


def test_formulas(ex):
    """Each view's formula of D with its current values, and the schedule against t."""
    D = ex.model("mnist-blur").degradation  # sigma_t = 0.36 + 0.01 (t - 1), T = 20
    text = formulas.formula(D, 5, 32)
    start = D.sigma_start
    assert f"σ<sub>s</sub> = {start:.4g} + 0.01·(s − 1)" in text
    assert f"σ<sub>5</sub> = {start + 0.04:.4g} px" in text
    assert "T = 20" in text
    sc = formulas.schedule(D)
    assert sc.t == list(range(1, 21)) and list(sc.curves.values())[0] == D.sigmas
    G = ex.model(DEFAULT_GEN).degradation
    assert "solid colour" in formulas.formula(G, G.T)
    for preset in ("mnist-inpaint", "cifar10-snow", "cifar10-desaturate", "celeba-noise",
                   "mnist-super_resolution", "celeba-blur"):
        D = ex.degradation(preset)
        assert f"T = {D.T}" in formulas.formula(D, 1, 32), preset
        sc = formulas.schedule(D, 32)
        assert all(len(v) == len(sc.t) for v in list(sc.curves.values()) + list(sc.curves2.values()))
        assert render.schedule_plot(D, 32, 1) is not None
    assert "x<sub>11</sub> = x<sub>12</sub> − D(x̂₀, 12) + D(x̂₀, 11)" in formulas.update_rule("tacos", 12)
    assert "x<sub>s−1</sub> = D(x̂₀, s−1)" in formulas.update_rule("naive")
    cap = render.step_caption(20, 4, ex.compare("mnist-blur", None, 0).distances(), D, 28)
    assert "s = 4" in cap and "Algorithm 1" in cap and "TACoS" in cap


def test_card_readme_is_cleaned():
    from explorer.core import ModelCard, SampleGrid

    readme = ("# m\n\n| | |\n|---|---|\n| degradation | Blur(T=20) |\n\n![samples](samples.png)\n\n"
              "`samples.png` columns: ...\n")
    card = ModelCard("m", {"data": {}, "degradation": {"preset": "p"}}, "Blur()", 20, 1, True, None,
                     readme, SampleGrid(np.zeros((2, 2, 3), np.uint8), "file", path="samples.png"))
    md = render.model_card_markdown(card)
    assert "](samples.png)" not in md and "| property | value |" in md
    assert md.count("|---|---|") == 1 and "Sample grid (shown beside this card)" in md


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
    # the comparison of a generation model: Figure 2, measured against the TACoS sample
    *_, dist = client.predict(DEFAULT_GEN, None, 1, api_name="/compare")
    assert "TACoS" in dist["reference"] and dist["tacos"][0] == 0.0
    shown, download = client.predict("mnist-blur", handle_file(cat), 10, "tacos", api_name="/restore")
    from PIL import Image
    _, H, W = ex.model("mnist-blur").image_shape
    with Image.open(download) as im:
        assert im.size == (W, H)  # at the model's resolution


def _pixels(path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def _frames(path) -> int:
    from PIL import Image

    with Image.open(path) as im:
        return im.n_frames


def test_api_generation_flow(client, ex):
    """/swatches returns the x_T of /generate's images; /generate takes the sampler (default
    TACoS, the old four inputs still work); the GIFs have one frame per step."""
    n, seed = 2, 4
    swatch, hexes = client.predict(DEFAULT_GEN, n, seed, 0.002, api_name="/swatches")
    g = ex.generate(DEFAULT_GEN, n, 0.002, seed)
    assert np.array_equal(_pixels(swatch), tile([swatch_chips(g.x_T)], pad=4))
    assert hexes == [color_hex(c) for c in g.x_T.mean(dim=(2, 3))]
    tacos = client.predict(DEFAULT_GEN, n, 0.002, seed, api_name="/generate")
    same = client.predict(DEFAULT_GEN, n, 0.002, seed, "tacos", api_name="/generate")
    naive = client.predict(DEFAULT_GEN, n, 0.002, seed, "naive", api_name="/generate")
    first = [_pixels(x["image"]) for x in tacos[0]]
    assert all(np.array_equal(a, _pixels(b["image"])) for a, b in zip(first, same[0]))
    assert not all(np.array_equal(a, _pixels(b["image"])) for a, b in zip(first, naive[0]))
    T = ex.model_T(DEFAULT_GEN)
    # strided TACoS (our extension): the default is K = T/5 network calls, one frame per step
    from explorer.core import display
    from explorer.render import THUMBNAIL

    K = default_steps(T)
    assert K < T
    assert _frames(client.predict(DEFAULT_GEN, n, 0.002, seed, "tacos", api_name="/generate_gif")) == K + 1
    assert _frames(client.predict(DEFAULT_GEN, n, 0.002, seed, "tacos", T, api_name="/generate_gif")) == T + 1
    assert _frames(client.predict(DEFAULT_GEN, n, 0.002, seed, "direct", api_name="/generate_gif")) == 2
    strided = client.predict(DEFAULT_GEN, n, 0.002, seed, "tacos", K, api_name="/generate")
    assert all(np.array_equal(a, _pixels(b["image"])) for a, b in zip(first, strided[0]))
    full = client.predict(DEFAULT_GEN, n, 0.002, seed, "tacos", T, api_name="/generate")
    every = ex.generate(DEFAULT_GEN, n, 0.002, seed, steps=None).images
    assert all(np.array_equal(display(x, THUMBNAIL), _pixels(b["image"])) for x, b in zip(every, full[0]))
    with pytest.raises(Exception, match="greater than maximum"):  # the slider spans 1..T
        client.predict(DEFAULT_GEN, n, 0.002, seed, "tacos", 10 * T, api_name="/generate")
    assert _frames(client.predict(DEFAULT_GEN, None, 0, api_name="/compare_gif")) == T + 1


def test_api_exports(client, ex, cat):
    from gradio_client import handle_file

    gif = client.predict(handle_file(cat), "model:mnist-blur", 0, api_name="/forward_gif")
    assert _frames(gif) == ex.model_T("mnist-blur") + 1
    assert _frames(client.predict(handle_file(cat), "mnist-super_resolution", 0, api_name="/forward_gif")) == 4
    x_t = client.predict(handle_file(cat), "model:mnist-blur", 20, 0, api_name="/forward")
    assert Path(x_t).is_file()
    strip = _pixels(client.predict("mnist-blur", None, 1, api_name="/strip"))
    assert strip.shape[1] > 5 * strip.shape[0]
    example, note = client.predict("mnist-blur", 10, 2, api_name="/example")
    assert "test image #2" in note and _pixels(example).shape[:2] == ex.model("mnist-blur").image_shape[1:]
    with pytest.raises(Exception, match="not in the list of choices"):  # gradio's dropdown check
        client.predict(handle_file(cat), "model:nope", 0, api_name="/forward_gif")


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
def test_browser_end_to_end(server, cat, ex, tmp_path):
    """Every view in headless Chromium: the walk-through of ``python -m explorer.screenshots``,
    with its screenshots written into tmp_path (never over reports/explorer/): the forward view
    (t slider up to T, formula, schedule, GIF, Figure 1 strip), the comparison opening on the
    generation model (Figure 2; step slider up to T, amplified differences, GIF), the generation
    flow (swatches, perfect and broken symmetry, the GMM plot, a new seed clears the old images),
    restoring a test image degraded by the model, and the model card (one table, the grid)."""
    pytest.importorskip("playwright.sync_api")
    from explorer.screenshots import VIEWS, launch_chromium, sync_playwright, walk_through

    # the sliders stop at the T of the chosen model (the forward view's and the restore view's
    # sliders start at the largest T of every D, 300, for API calls)
    Ts = {"f-t": ex.model_T(DEFAULT_GEN), "c-step": ex.model_T(DEFAULT_GEN), "r-t": ex.model_T("mnist-blur")}
    with sync_playwright() as p:
        browser = launch_chromium(p, CHROMIUM)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            shots = walk_through(page, server, cat, tmp_path / "screenshots", Ts)
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


def test_card_images_removed_without_merging_a_table_into_the_next_paragraph():
    from explorer.core import clean_readme

    md = "| a | b |\n|---|---|\n| 1 | 2 |\n\n![Figure 2](figure2.png)\n\n`figure2.png`: a caption.\n"
    out = clean_readme(md)
    assert "![" not in out and "| 1 | 2 |\n\n" in out and "\n`figure2.png`: a caption." in out
