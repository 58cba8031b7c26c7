"""The Cold Diffusion explorer: a Gradio app over :mod:`explorer.core`.

    python -m explorer [--host 127.0.0.1] [--port 7860] [--model-dir DIR] [--share] [--max-upload-mb 20]

Views (tabs), one builder each, composed by :func:`build_app`:

1. :func:`forward_tab` -- Forward process: x_t = D(x₀, t) for any preset, t slider, filmstrip;
2. :func:`compare_tab` -- Algorithm 1 vs TACoS from the same x_T, step by step;
3. :func:`generate_tab` -- Generate from the prior of fully degraded images (a GMM of colours);
4. :func:`restore_tab` -- Restore your image (R applied with TACoS, direct or Algorithm 1);
5. :func:`model_card_tab` -- Model card.

Each builder lays out its components and wires its events; :mod:`explorer.core` computes and
:mod:`explorer.render` turns results into markdown, captions and plots.  Named API endpoints:
``/forward``, ``/compare``, ``/generate``, ``/generate_color``, ``/swatches``, ``/restore``,
``/estimate_t`` (see explorer/README.md).
"""
from __future__ import annotations

import functools
import hashlib
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import render
from .core import (FRAMES, MAX_GENERATE, MAX_NOISE_STD, MAX_SEED, MAX_UPLOAD_MB,
                   Comparison, Explorer, InputError, color_hex, display, to_uint8, upscale)

#: concurrency of the Gradio queue: quick events (scrubbing, step display) and model runs
FAST_CONCURRENCY = 4
MODEL_CONCURRENCY = 2
QUEUE_MAX = 64
#: how long per-session trajectories are kept (s), and how many restored PNGs are kept on disk
STATE_TTL = 1800
MAX_DOWNLOADS = 128
#: how long (s) the app keeps the PNG files of its outputs (Gradio copies them at once)
OUTPUT_TTL = 600
#: sessions whose state Gradio keeps (least recently used evicted).  Each session costs about
#: 0.2 MB (a copy of the page's component config), and every plain API call without a session
#: is a new session, so this bounds the server's memory (Gradio's default is 10000).
MAX_SESSIONS = 200

DEFAULT_PRESET = "cifar10-blur"
DEFAULT_SAMPLE = "skimage chelsea"

CSS = """
.pixelated img, .pixelated canvas { image-rendering: pixelated; }
"""

HEADER = """# Cold Diffusion explorer
Degrade an image with any transform of the paper, invert it with **Algorithm 1** or **TACoS**
(Algorithm 2), generate from the prior of fully blurred images, or restore your own image.
Paper symbols: x₀ clean image, D(x₀, t) degradation of severity t ∈ 0..T, R(x_s, s) → x̂₀ restoration.
"""

#: event options: quick events, model runs (queue concurrency groups), events kept out of the API
FAST = dict(concurrency_id="fast", concurrency_limit=FAST_CONCURRENCY)
HEAVY = dict(concurrency_id="model", concurrency_limit=MODEL_CONCURRENCY)
PRIVATE = dict(api_visibility="private")
#: options of every output image
IMAGE = dict(format="png", interactive=False, elem_classes=["pixelated"], buttons=["download"])


class OutputFiles:
    """Every image the app returns, written by the app as a PNG under a name of its own
    (``uuid4``), atomically (:func:`cold.utils.atomic_path`: temporary name, then ``os.replace``).

    Returning numpy arrays would let Gradio write them to one content-hashed cache path with
    truncate-then-write: identical concurrent requests (a class opening the same default view)
    then rewrite a file that another request's response is streaming, and that download fails
    ("peer closed connection").  A file path with a unique name is instead copied into Gradio's
    cache under that unique name, so no file that is being served is ever rewritten.  Files
    older than ``ttl`` seconds are removed (Gradio copies them as soon as the event returns).
    """

    def __init__(self, ttl: float = OUTPUT_TTL):
        self.dir = Path(tempfile.mkdtemp(prefix="cold-explorer-out-"))
        self.ttl = ttl
        self._lock = threading.Lock()
        self._count = 0

    def save(self, a: np.ndarray, stem: str = "image") -> str:
        from PIL import Image
        from cold.utils import atomic_path

        a = np.asarray(a)
        if a.ndim == 3 and a.shape[2] == 1:
            a = a[:, :, 0]
        path = self.dir / f"{stem}-{uuid.uuid4().hex}.png"
        with atomic_path(path, suffix=".png") as tmp:
            Image.fromarray(a).save(tmp, format="PNG")
        with self._lock:
            self._count += 1
            prune = self._count % 64 == 0
        if prune:
            self.prune()
        return str(path)

    def prune(self) -> None:
        cutoff = time.time() - self.ttl
        for old in self.dir.glob("*.png"):
            try:
                if old.stat().st_mtime < cutoff:
                    old.unlink()
            except OSError:
                pass

    def convert(self, value):
        """``value`` (an event's return value) with every image array replaced by a file path;
        tuples and lists (several outputs, gallery items) are converted item by item; dicts
        (``gr.update``, JSON, session state) and everything else are returned unchanged."""
        if isinstance(value, np.ndarray) and value.dtype == np.uint8 and value.ndim in (2, 3):
            return self.save(value)
        if isinstance(value, tuple):
            return tuple(self.convert(v) for v in value)
        if isinstance(value, list):
            return [self.convert(v) for v in value]
        return value


_OUTPUTS: OutputFiles | None = None
_OUTPUTS_LOCK = threading.Lock()


def output_files() -> OutputFiles:
    """The process's :class:`OutputFiles` (created on first use)."""
    global _OUTPUTS
    with _OUTPUTS_LOCK:
        if _OUTPUTS is None or not _OUTPUTS.dir.is_dir():
            _OUTPUTS = OutputFiles()
        return _OUTPUTS


def _as_files(fn):
    """Return the images of ``fn`` as unique, atomically written PNG files (:class:`OutputFiles`)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return output_files().convert(fn(*args, **kwargs))
    return wrapper


def _user_errors(fn):
    """Turn invalid input (InputError / ValueError / a broken checkpoint) into a gr.Error with the
    message, which browser and API users (``show_error=True``) both see; images are returned as
    files (:func:`_as_files`)."""
    import gradio as gr
    from cold.checkpoint import CheckpointError

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return output_files().convert(fn(*args, **kwargs))
        except gr.Error:
            raise
        except (InputError, ValueError, CheckpointError) as e:
            raise gr.Error(str(e), print_exception=False) from None
    return wrapper


def upload_image_component(**kwargs):
    """A ``gr.Image`` input that hands the uploaded file's path to the handler undecoded, so
    that :func:`explorer.core.load_image` checks it (size limit, not an image, pixel limit) and
    the user gets a clear message instead of a preprocessing error.

    The component's ``preprocess`` is replaced on the instance rather than in a subclass:
    Gradio writes a ``.pyi`` stub next to the source file of every component subclass, which
    would write into the source tree whenever the app is built.  (No event may return a
    ``gr.update`` for this component: Gradio would then rebuild it from its class.)
    """
    import gradio as gr

    kwargs.setdefault("type", "filepath")
    kwargs.setdefault("format", "png")
    kwargs.setdefault("sources", ["upload", "clipboard"])
    kwargs.setdefault("image_mode", None)
    component = gr.Image(**kwargs)
    decode = component.preprocess

    def preprocess(payload):
        if payload is None:
            return None
        if getattr(payload, "path", None):
            return str(payload.path)
        try:
            return decode(payload)
        except Exception as e:  # e.g. a data URL that is not an image
            raise gr.Error(f"not an image ({type(e).__name__})", print_exception=False) from None

    component.preprocess = preprocess
    return component


class Downloads:
    """Restored images as PNG files in one temporary directory, at most ``keep`` of them."""

    def __init__(self, keep: int = MAX_DOWNLOADS):
        self.dir = Path(tempfile.mkdtemp(prefix="cold-explorer-"))
        self.keep = keep
        self._lock = threading.Lock()

    def save(self, a: np.ndarray, stem: str) -> str:
        from PIL import Image

        from cold.utils import atomic_path

        # a unique name, written atomically: a file another request is downloading is never rewritten
        digest = hashlib.sha1(a.tobytes() + str(a.shape).encode()).hexdigest()[:12]
        path = self.dir / f"{stem}-{digest}-{uuid.uuid4().hex[:8]}.png"
        with atomic_path(path, suffix=".png") as tmp:
            Image.fromarray(a[:, :, 0] if a.shape[2] == 1 else a).save(tmp, format="PNG")
        with self._lock:
            files = sorted(self.dir.glob("*.png"), key=lambda p: p.stat().st_mtime)
            for old in files[:-self.keep]:
                if old != path:
                    old.unlink(missing_ok=True)
        return str(path)


@dataclass
class AppContext:
    """What the tab builders share: the explorer, the page, the model lists (read once, when the
    app is built) and the bounded store of restored PNGs."""

    ex: Explorer
    demo: Any                             # the gr.Blocks being built
    downloads: Downloads
    models: list                          # every model in the model directory
    restoration: list                     # restoration models (all models if there are none)
    generation: list                      # models with a fitted prior
    samples: list                         # names of the sample images
    model_Ts: dict                        # model -> T (models whose config is readable)
    max_T: int                            # the largest T of any preset

    @classmethod
    def create(cls, ex: Explorer, demo) -> "AppContext":
        from cold.degradations import DEGRADATION_PRESETS

        models = ex.model_names()
        model_Ts = {}
        for name in models:
            try:
                model_Ts[name] = ex.model_T(name)
            except InputError as e:  # shown when the model is used
                print(f"cold explorer: warning: {e}", file=sys.stderr)
        return cls(ex, demo, Downloads(), models, ex.model_names("restoration") or models,
                   ex.model_names("generation"), ex.sample_names(), model_Ts,
                   max(ex.degradation_T(p) for p in DEGRADATION_PRESETS))

    @property
    def no_models(self) -> str:
        return render.no_models(self.ex.model_dir)


# ----------------------------------------------------------------------------- 1 forward
def forward_tab(ctx: AppContext) -> None:
    """View 1: pick a preset and x₀; the t slider updates x_t = D(x₀, t) live (``/forward``), a
    filmstrip shows x_t for t = 0 … T, *New state* redraws the state of random degradations."""
    import gradio as gr
    from cold.degradations import DEGRADATION_PRESETS

    ex = ctx.ex
    with gr.Tab("1 · Forward process", id="forward"):
        with gr.Row():
            with gr.Column(scale=1):
                preset = gr.Dropdown(list(DEGRADATION_PRESETS), value=DEFAULT_PRESET,
                                     label="Degradation preset (paper configuration)", elem_id="f-preset")
                sample = gr.Dropdown(ctx.samples, value=DEFAULT_SAMPLE, label="Sample image",
                                     elem_id="f-sample")
                image = upload_image_component(label="x₀ (a sample, or upload your own)", height=240,
                                               elem_id="f-image")
                with gr.Row():
                    seed = gr.Number(value=0, precision=0, minimum=0, maximum=MAX_SEED,
                                     label="seed of the random state", elem_id="f-seed")
                    new = gr.Button("New state", elem_id="f-new")
                info = gr.Markdown(elem_id="f-info")
            with gr.Column(scale=1):
                t = gr.Slider(0, ctx.max_T, value=25, step=1, label="t (severity)", elem_id="f-t")
                x_t = gr.Image(label="x_t = D(x₀, t)", height=300, elem_id="f-xt", **IMAGE)
        strip = gr.Gallery(format="png", label="filmstrip: x_t for t = 0 … T", columns=FRAMES, rows=1,
                           height=190, object_fit="contain", elem_id="f-strip", elem_classes=["pixelated"])

    @_user_errors
    def load_sample(name):
        return ex.sample_image(name)

    @_user_errors
    def forward(image, preset, t, seed):
        return ex.forward(image, preset, t, seed)

    def info_text(preset):
        return render.preset_info(preset, ex.degradation(preset), ex.preset_geometry(preset))

    @_user_errors
    def refresh_forward(image, preset, t, seed):
        if image is None:
            return gr.skip(), gr.skip(), gr.skip(), info_text(preset)
        D = ex.degradation(preset)
        t = min(int(t), D.T)
        return (gr.update(maximum=D.T, value=t), ex.forward(image, preset, t, seed),
                render.gallery(ex.filmstrip(image, preset, seed), "t"), info_text(preset))

    def new_state():
        return random.randint(0, MAX_SEED)

    inputs = [image, preset, t, seed]
    sample.change(load_sample, sample, image, **PRIVATE, **FAST)
    for trigger in (image.change, preset.change, seed.change):
        trigger(refresh_forward, inputs, [t, x_t, strip, info], **PRIVATE, **FAST)
    t.change(forward, inputs, x_t, api_name="forward", trigger_mode="always_last",
             show_progress="hidden", **FAST)
    new.click(new_state, None, seed, **PRIVATE, **FAST)
    ctx.demo.load(load_sample, sample, image, **PRIVATE, **FAST)


# ----------------------------------------------------------------------------- 2 compare
def _session_trajectory(c: Comparison) -> dict:
    """What a session keeps for the step slider: native-size uint8 images only."""
    return {"model": c.model, "T": c.T,
            "naive": [(to_uint8(xs), to_uint8(xh)) for xs, xh in c.naive],
            "tacos": [(to_uint8(xs), to_uint8(xh)) for xs, xh in c.tacos],
            "dist": c.distances()}


def compare_tab(ctx: AppContext) -> None:
    """View 2: Algorithm 1 and TACoS from the same x_T = D(x₀, T) (``/compare``); a step slider
    (and *Play*) shows x_s and x̂₀ = R(x_s, s) of both, and ‖x_s − D(x₀, s)‖ against s."""
    import gradio as gr

    ex, restoration = ctx.ex, ctx.restoration
    with gr.Tab("2 · Algorithm 1 vs TACoS", id="compare"):
        if not restoration:
            gr.Markdown(ctx.no_models)
        gr.Markdown("Both samplers start from the **same x<sub>T</sub>** = D(x₀, T). "
                    "Algorithm 1: x<sub>s−1</sub> = D(x̂₀, s−1); TACoS: x<sub>s−1</sub> = "
                    "x<sub>s</sub> − D(x̂₀, s) + D(x̂₀, s−1), with x̂₀ = R(x<sub>s</sub>, s).")
        with gr.Row():
            model = gr.Dropdown(restoration, value=restoration[0] if restoration else None,
                                label="Model", elem_id="c-model")
            seed = gr.Number(value=0, precision=0, minimum=0, maximum=MAX_SEED,
                             label="seed (test image and random state)", elem_id="c-seed")
            image = upload_image_component(height=140, elem_id="c-image",
                                           label="optional: your own x₀ (else a test image)")
            run = gr.Button("Run both samplers", variant="primary", elem_id="c-run")
        traj = gr.State(None, time_to_live=STATE_TTL)
        with gr.Row():
            step = gr.Slider(0, ctx.max_T, value=0, step=1, elem_id="c-step",
                             label="step s (sampling runs from T down to 0)")
            play_button = gr.Button("▶ Play", elem_id="c-play", scale=0)
            pause_button = gr.Button("Pause", elem_id="c-pause", scale=0)
        timer = gr.Timer(0.35, active=False)
        caption = gr.Markdown(elem_id="c-caption")
        col = dict(min_width=180)
        with gr.Row():
            with gr.Column(**col):
                gr.Markdown("**Algorithm 1 (naive)**")
                naive_xs = gr.Image(label="x_s", elem_id="c-naive-xs", height=200, **IMAGE)
                naive_x0 = gr.Image(label="x̂₀ = R(x_s, s)", elem_id="c-naive-x0", height=200, **IMAGE)
            with gr.Column(**col):
                gr.Markdown("**TACoS (Algorithm 2)**")
                tacos_xs = gr.Image(label="x_s", elem_id="c-tacos-xs", height=200, **IMAGE)
                tacos_x0 = gr.Image(label="x̂₀ = R(x_s, s)", elem_id="c-tacos-x0", height=200, **IMAGE)
            with gr.Column(**col):
                gr.Markdown("**Reference**")
                direct = gr.Image(label="direct R(x_T, T)", elem_id="c-direct", height=200, **IMAGE)
                original = gr.Image(label="original x₀", elem_id="c-orig", height=200, **IMAGE)
        with gr.Row():
            plot = gr.Plot(label="‖x_s − D(x₀, s)‖ against s (Figure 2 of the paper, interactive)",
                           elem_id="c-plot", scale=3)
            with gr.Column(scale=2, min_width=240):
                x_T = gr.Image(label="x_T (the shared start)", elem_id="c-xT", height=150, **IMAGE)
                with gr.Row():
                    final_naive = gr.Image(label="Algorithm 1 result", elem_id="c-final-naive",
                                           height=150, min_width=100, **IMAGE)
                    final_tacos = gr.Image(label="TACoS result", elem_id="c-final-tacos",
                                           height=150, min_width=100, **IMAGE)
        with gr.Row():
            gallery_naive = gr.Gallery(format="png", label="Algorithm 1 trajectory x_s", columns=FRAMES,
                                       height=170, elem_id="c-gal-naive", elem_classes=["pixelated"])
            gallery_tacos = gr.Gallery(format="png", label="TACoS trajectory x_s", columns=FRAMES,
                                       height=170, elem_id="c-gal-tacos", elem_classes=["pixelated"])
        with gr.Accordion("distances (JSON)", open=False):
            dist = gr.JSON(label="‖x_s − D(x₀, s)‖₂ per step")

    @_user_errors
    def compare(model, image, seed):
        c = ex.compare(model, image, seed)
        return (_session_trajectory(c), display(c.x_T), display(c.direct), display(c.x0),
                display(c.naive[0][0]), display(c.tacos[0][0]),
                render.gallery(c.frames("naive")), render.gallery(c.frames("tacos")), c.distances())

    @_as_files
    def show_step(traj, s):
        if not traj:
            return (gr.skip(),) * 6
        s = max(0, min(int(s), traj["T"]))
        (nx, nh), (tx, th) = traj["naive"][s], traj["tacos"][s]
        return (upscale(nx), upscale(nh), upscale(tx), upscale(th),
                render.distance_plot(traj["dist"], s), render.step_caption(traj["T"], s, traj["dist"]))

    @_as_files
    def after_compare(traj):
        T = traj["T"] if traj else 0
        return (gr.update(maximum=T, value=T), gr.Timer(active=False)) + show_step(traj, T)

    def play(traj, s):
        if not traj:
            raise gr.Error("run the comparison first")
        return gr.update(value=traj["T"] if int(s) <= 0 else int(s)), gr.Timer(active=True)

    def tick(traj, s):
        if not traj or int(s) <= 0:
            return gr.skip(), gr.Timer(active=False)
        s = int(s) - 1
        return gr.update(value=s), gr.Timer(active=s > 0)

    step_views = [naive_xs, naive_x0, tacos_xs, tacos_x0, plot, caption]
    run.click(compare, [model, image, seed],
              [traj, x_T, direct, original, final_naive, final_tacos, gallery_naive, gallery_tacos, dist],
              api_name="compare", **HEAVY
              ).then(after_compare, traj, [step, timer] + step_views, **PRIVATE, **FAST)
    step.change(show_step, [traj, step], step_views, trigger_mode="always_last",
                show_progress="hidden", **PRIVATE, **FAST)
    play_button.click(play, [traj, step], [step, timer], **PRIVATE, **FAST)
    pause_button.click(lambda: gr.Timer(active=False), None, timer, **PRIVATE, **FAST)
    timer.tick(tick, [traj, step], [step, timer], show_progress="hidden", **PRIVATE, **FAST)


# ----------------------------------------------------------------------------- 3 generate
def generate_tab(ctx: AppContext) -> None:
    """View 3: colours drawn from the model's prior (``/swatches``), then images generated with
    TACoS from x_T = a drawn colour + noise (``/generate``) or a picked colour (``/generate_color``)."""
    import gradio as gr

    ex, generation = ctx.ex, ctx.generation
    with gr.Tab("3 · Generate", id="generate"):
        if not generation:
            gr.Markdown(ctx.no_models if not ctx.models else
                        "No generation model (with a fitted prior) in the model directory.")
        gr.Markdown("Blur generation (Section 5.2): x_T is a solid colour drawn from a GMM "
                    "fitted to the mean colours of the training images, plus a little "
                    "symmetry-breaking noise; TACoS then deblurs it into an image.")
        with gr.Row():
            with gr.Column(scale=1):
                model = gr.Dropdown(generation, value=generation[0] if generation else None,
                                    label="Generation model", elem_id="g-model")
                seed = gr.Number(value=0, precision=0, minimum=0, maximum=MAX_SEED,
                                 label="seed", elem_id="g-seed")
                n = gr.Slider(1, MAX_GENERATE, value=4, step=1, label="number of images n", elem_id="g-n")
                noise = gr.Slider(0.0, MAX_NOISE_STD, value=0.002, step=0.0005,
                                  label="symmetry-breaking noise std", elem_id="g-noise")
                draw = gr.Button("Draw colours from the GMM", elem_id="g-draw")
                swatch = gr.Image(label="colours drawn from the prior", height=110,
                                  elem_id="g-swatches", **IMAGE)
                with gr.Row():
                    pick = gr.Dropdown([], label="pick a drawn colour", elem_id="g-pick",
                                       allow_custom_value=True)
                    color = gr.ColorPicker("#808080", label="or any colour", elem_id="g-color")
                with gr.Row():
                    run = gr.Button("Generate (TACoS)", variant="primary", elem_id="g-run")
                    run_color = gr.Button("Generate from the colour", elem_id="g-run-color")
            with gr.Column(scale=2):
                gallery = gr.Gallery(format="png", label="generated images", columns=8, height=260,
                                     elem_id="g-gallery", elem_classes=["pixelated"])
                trajectories = gr.Image(label="trajectories: from the solid colour (s = T, left) to "
                                              "the image (s = 0, right)", elem_id="g-traj", **IMAGE)

    @_user_errors
    def swatches(model, n, seed):
        colors, img = ex.swatches(model, n, seed)
        hexes = [color_hex(c) for c in colors]
        return img, gr.update(choices=hexes, value=hexes[0])

    def outputs(g):
        return render.generated_gallery(g), g.trajectory_grid()

    @_user_errors
    def generate(model, n, noise_std, seed):
        return outputs(ex.generate(model, n, noise_std, seed))

    @_user_errors
    def generate_color(model, color, n, noise_std, seed):
        if not color:
            raise InputError("pick a colour first (draw swatches or use the colour picker)")
        return outputs(ex.generate(model, n, noise_std, seed, color=color))

    draw.click(swatches, [model, n, seed], [swatch, pick], api_name="swatches", **FAST)
    pick.change(lambda c: c or gr.skip(), pick, color, **PRIVATE, **FAST)
    run.click(generate, [model, n, noise, seed], [gallery, trajectories], api_name="generate", **HEAVY)
    run_color.click(generate_color, [model, color, n, noise, seed], [gallery, trajectories],
                    api_name="generate_color", **HEAVY)


# ----------------------------------------------------------------------------- 4 restore
def restore_tab(ctx: AppContext) -> None:
    """View 4: restore an uploaded image degraded to severity t with TACoS, direct R(x_t, t) or
    Algorithm 1 (``/restore``); *Estimate t* picks argmin_t ‖D(R(x, t), t) − x‖ (``/estimate_t``)."""
    import gradio as gr

    ex, models = ctx.ex, ctx.models
    default = ctx.restoration[0] if ctx.restoration else None
    with gr.Tab("4 · Restore your image", id="restore"):
        if not models:
            gr.Markdown(ctx.no_models)
        gr.Markdown(render.upload_limits(ex.max_upload_mb))
        with gr.Row():
            with gr.Column():
                image = upload_image_component(height=240, elem_id="r-image", label="your degraded image")
                model = gr.Dropdown(models, value=default, label="Model", elem_id="r-model")
                with gr.Row():
                    t = gr.Slider(0, max(ctx.model_Ts.values(), default=ctx.max_T),
                                  value=ctx.model_Ts.get(default, 0), step=1,
                                  label="t (severity; the model's T by default)", elem_id="r-t")
                    estimate = gr.Button("Estimate t", scale=0, elem_id="r-est")
                method = gr.Radio(["tacos", "direct", "naive"], value="tacos", label="method",
                                  elem_id="r-method")
                run = gr.Button("Restore", variant="primary", elem_id="r-run")
            with gr.Column():
                seen = gr.Image(label="what the model sees (converted input)", elem_id="r-seen",
                                height=200, **IMAGE)
                out = gr.Image(label="restored", elem_id="r-out", height=240, **IMAGE)
                download = gr.File(label="download (model resolution, PNG)", elem_id="r-file")

    @_user_errors
    def restore(model, image, t, method):
        y = to_uint8(ex.restore(model, image, t, method))
        native = y[:, :, :1] if ex.model(model).image_shape[0] == 1 else y
        return upscale(y), ctx.downloads.save(native, f"{model}-restored")

    @_user_errors
    def restore_preview(model, image):
        if image is None or not model:
            return None
        C, S, _ = ex.model(model).image_shape
        return display(ex.input_tensor(image, C, S))

    @_user_errors
    def estimate_t(model, image):
        return ex.estimate_t(model, image)

    @_user_errors
    def model_T(model, t):
        if not model:
            return gr.skip()
        T = ex.model_T(model)
        return gr.update(maximum=T, value=T if t is None or int(t) > T or int(t) == 0 else int(t))

    run.click(restore, [model, image, t, method], [out, download], api_name="restore", **HEAVY)
    estimate.click(estimate_t, [model, image], t, api_name="estimate_t", **HEAVY)
    model.change(model_T, [model, t], t, **PRIVATE, **FAST)
    for trigger in (image.change, model.change):
        trigger(restore_preview, [model, image], seen, **PRIVATE, **FAST)


# ----------------------------------------------------------------------------- 5 model card
def model_card_tab(ctx: AppContext) -> None:
    """View 5: a model's README.md and config summary (:func:`explorer.render.model_card_markdown`)
    next to its sample grid."""
    import gradio as gr

    ex, models = ctx.ex, ctx.models
    with gr.Tab("5 · Model card", id="card") as tab:
        model = gr.Dropdown(models, value=models[0] if models else None, label="Model", elem_id="k-model")
        with gr.Row():
            text = gr.Markdown(ctx.no_models if not models else "", elem_id="k-md")
            grid = gr.Image(label="sample grid", elem_id="k-grid", **IMAGE)

    @_user_errors
    def model_card(model):
        if not model:
            return ctx.no_models, None
        card = ex.model_card(model)
        return render.model_card_markdown(card), card.grid.image

    model.change(model_card, model, [text, grid], **PRIVATE, **HEAVY)
    tab.select(model_card, model, [text, grid], **PRIVATE, **HEAVY)


#: the views, in the order of their tabs
TABS = (forward_tab, compare_tab, generate_tab, restore_tab, model_card_tab)


# ----------------------------------------------------------------------------- the app
def build_app(model_dir=None, data_dir=None, max_upload_mb: float = MAX_UPLOAD_MB):
    """The explorer as a ``gr.Blocks`` (queue configured; models are loaded on first use).

    ``model_dir``: exported models (default: cold's shipped models, ``$COLD_MODEL_DIR`` or
    ``models/``); ``data_dir``: dataset files for sample images (default ``$COLD_DATA_DIR``;
    scikit-image images otherwise).  The page is the header and one tab per builder in
    :data:`TABS`.
    """
    import gradio as gr

    ex = Explorer(model_dir, data_dir, max_upload_mb)
    with gr.Blocks(title="Cold Diffusion explorer", delete_cache=(900, 1800)) as demo:
        ctx = AppContext.create(ex, demo)
        gr.Markdown(HEADER)
        with gr.Tabs():
            for tab in TABS:
                tab(ctx)
    demo.queue(default_concurrency_limit=MODEL_CONCURRENCY, max_size=QUEUE_MAX)
    demo.explorer = ex  # for tests and benchmarks
    return demo


def launch(demo, host: str = "127.0.0.1", port: int = 7860, share: bool = False,
           max_upload_mb: float = MAX_UPLOAD_MB, max_sessions: int = MAX_SESSIONS, **kwargs):
    """``demo.launch`` with the explorer's CSS, upload limit and session bound; Gradio's error
    messages are shown to API users too (``show_error``), as to the browser."""
    kwargs.setdefault("show_error", True)
    return demo.launch(server_name=host, server_port=port, share=share, css=CSS,
                       max_file_size=f"{max_upload_mb:g}mb", state_session_capacity=max_sessions,
                       **kwargs)


def serve_in_background(demo, **kwargs) -> str:
    """Launch ``demo`` (see :func:`launch`) on a free local port without blocking; returns its
    URL.  Close it with ``demo.close()``.  Used by the screenshot command and the tests."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    kwargs.setdefault("quiet", True)
    launch(demo, port=port, prevent_thread_lock=True, **kwargs)
    return f"http://127.0.0.1:{port}/"


# ----------------------------------------------------------------------------- command line
def run(args) -> int:
    """Start the explorer from parsed arguments (``fn`` of ``cold explore``)."""
    import torch

    # ``cold explore`` (cold/cli.py) parses the options; None means this module's default
    args.max_upload_mb = MAX_UPLOAD_MB if args.max_upload_mb is None else args.max_upload_mb
    args.max_sessions = MAX_SESSIONS if args.max_sessions is None else args.max_sessions
    if not 1 <= args.port <= 65535:
        raise SystemExit(f"--port must lie in 1..65535, got {args.port}")
    if args.max_upload_mb <= 0:
        raise SystemExit(f"--max-upload-mb must be positive, got {args.max_upload_mb}")
    if args.max_sessions < 1:
        raise SystemExit(f"--max-sessions must be at least 1, got {args.max_sessions}")
    threads = args.threads or max(1, min(4, (os.cpu_count() or 2) // 2))
    torch.set_num_threads(threads)
    t0 = time.perf_counter()
    demo = build_app(args.model_dir, getattr(args, "data_dir", None), args.max_upload_mb)
    ex = demo.explorer
    print(f"cold explorer: models in {ex.model_dir}: {', '.join(ex.model_names()) or 'none'} "
          f"(built in {time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    launch(demo, args.host, args.port, args.share, args.max_upload_mb, args.max_sessions)
    return 0


def main(argv=None) -> int:
    """``python -m explorer [options]``: the same as ``cold explore [options]``."""
    from cold.cli import main as cold_main

    return cold_main(["explore", *(sys.argv[1:] if argv is None else list(argv))])
