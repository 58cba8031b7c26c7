"""The Cold Diffusion explorer: a Gradio app over :mod:`explorer.core`.

    python -m explorer [--host 127.0.0.1] [--port 7860] [--model-dir DIR] [--share] [--max-upload-mb 20]

Views (tabs): 1 Forward process, 2 Algorithm 1 vs TACoS, 3 Generate, 4 Restore your image,
5 Model card.  Named API endpoints: ``/forward``, ``/compare``, ``/generate``,
``/generate_color``, ``/swatches``, ``/restore``, ``/estimate_t`` (see explorer/README.md).
"""
from __future__ import annotations

import argparse
import functools
import hashlib
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from .core import (FRAMES, MAX_GENERATE, MAX_NOISE_STD, MAX_PIXELS, MAX_SEED, MAX_UPLOAD_MB,
                   Comparison, Explorer, InputError, color_hex, display, to_uint8, upscale)

#: concurrency of the Gradio queue: quick events (scrubbing, step display) and model runs
FAST_CONCURRENCY = 4
MODEL_CONCURRENCY = 2
QUEUE_MAX = 64
#: how long per-session trajectories are kept (s), and how many restored PNGs are kept on disk
STATE_TTL = 1800
MAX_DOWNLOADS = 128
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


def _user_errors(fn):
    """Turn invalid input (InputError / ValueError) into a gr.Error the user sees."""
    import gradio as gr

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except (InputError, ValueError) as e:
            raise gr.Error(str(e), print_exception=False) from None
    return wrapper


_UPLOAD_CLASS = None


def upload_image_component(**kwargs):
    """A ``gr.Image`` input that hands the uploaded file's path to the handler undecoded, so
    that :func:`explorer.core.load_image` checks it (size limit, not an image, pixel limit) and
    the user gets a clear message instead of a preprocessing error."""
    global _UPLOAD_CLASS
    import gradio as gr

    if _UPLOAD_CLASS is None:
        class UploadImage(gr.Image):
            is_template = True  # rendered by the frontend of gr.Image

            def preprocess(self, payload):
                if payload is None:
                    return None
                if getattr(payload, "path", None):
                    return str(payload.path)
                try:
                    return super().preprocess(payload)
                except Exception as e:  # e.g. a data URL that is not an image
                    raise gr.Error(f"not an image ({type(e).__name__})", print_exception=False) from None

        _UPLOAD_CLASS = UploadImage
    kwargs.setdefault("type", "filepath")
    kwargs.setdefault("format", "png")
    kwargs.setdefault("sources", ["upload", "clipboard"])
    kwargs.setdefault("image_mode", None)
    return _UPLOAD_CLASS(**kwargs)


def _frames_gallery(frames, prefix="s") -> list[tuple[np.ndarray, str]]:
    return [(display(x, 128), f"{prefix}={s}") for s, x in frames]


class Downloads:
    """Restored images as PNG files in one temporary directory, at most ``keep`` of them."""

    def __init__(self, keep: int = MAX_DOWNLOADS):
        self.dir = Path(tempfile.mkdtemp(prefix="cold-explorer-"))
        self.keep = keep
        self._lock = threading.Lock()

    def save(self, a: np.ndarray, stem: str) -> str:
        from PIL import Image

        digest = hashlib.sha1(a.tobytes() + str(a.shape).encode()).hexdigest()[:16]
        path = self.dir / f"{stem}-{digest}.png"
        with self._lock:
            if not path.exists():
                tmp = path.with_suffix(".tmp")
                Image.fromarray(a[:, :, 0] if a.shape[2] == 1 else a).save(tmp, format="PNG")
                os.replace(tmp, path)
            files = sorted(self.dir.glob("*.png"), key=lambda p: p.stat().st_mtime)
            for old in files[:-self.keep]:
                if old != path:
                    old.unlink(missing_ok=True)
        return str(path)


# ----------------------------------------------------------------------------- the app
def build_app(model_dir=None, data_dir=None, max_upload_mb: float = MAX_UPLOAD_MB):
    """The explorer as a ``gr.Blocks`` (queue configured; models are loaded on first use).

    ``model_dir``: exported models (default: cold's shipped models, ``$COLD_MODEL_DIR`` or
    ``models/``); ``data_dir``: dataset files for sample images (default ``$COLD_DATA_DIR``;
    scikit-image images otherwise).
    """
    import gradio as gr
    from cold.degradations import DEGRADATION_PRESETS

    ex = Explorer(model_dir, data_dir, max_upload_mb)
    downloads = Downloads()
    all_models = ex.model_names()
    restoration = ex.model_names("restoration") or all_models
    generation = ex.model_names("generation")
    samples = ex.sample_names()
    max_T = max(ex.degradation_T(p) for p in DEGRADATION_PRESETS)
    model_Ts = {}
    for name in all_models:
        try:
            model_Ts[name] = ex.model_T(name)
        except InputError as e:  # shown when the model is used
            print(f"cold explorer: warning: {e}", file=sys.stderr)
    restore_default = restoration[0] if restoration else None
    limit_md = (f"Uploads: any format PIL reads, at most {ex.max_upload_mb:g} MB and "
                f"{MAX_PIXELS / 1e6:g} Mpixel; converted to the model's channels and size "
                f"(centre square crop, resized).")
    no_models = (f"**No models found in `{ex.model_dir}`.** Train and export one "
                 f"(`cold train mnist-blur`, then `cold.checkpoint.export`) or start with "
                 f"`--model-dir DIR`.")

    # ---------------------------------------------------------------- handlers: forward
    @_user_errors
    def load_sample(name):
        return ex.sample_image(name)

    @_user_errors
    def forward(image, preset, t, seed):
        return ex.forward(image, preset, t, seed)

    def preset_info(preset):
        D = ex.degradation(preset)
        C, S = ex.preset_geometry(preset)
        kind = "random (state drawn from the seed; try *New state*)" if D.random else "deterministic"
        return f"`{preset}`: {D!r} — T = {D.T}, shown at {C}×{S}×{S}, {kind}."

    @_user_errors
    def refresh_forward(image, preset, t, seed):
        if image is None:
            return gr.skip(), gr.skip(), gr.skip(), preset_info(preset)
        D = ex.degradation(preset)
        t = min(int(t), D.T)
        return (gr.update(maximum=D.T, value=t), ex.forward(image, preset, t, seed),
                ex.filmstrip(image, preset, seed), preset_info(preset))

    def new_state():
        return random.randint(0, MAX_SEED)

    # ---------------------------------------------------------------- handlers: compare
    def _traj_arrays(c: Comparison) -> dict:
        """What a session keeps for the step slider: native-size uint8 images only."""
        return {"model": c.model, "T": c.T,
                "naive": [(to_uint8(xs), to_uint8(xh)) for xs, xh in c.naive],
                "tacos": [(to_uint8(xs), to_uint8(xh)) for xs, xh in c.tacos],
                "dist": c.distances()}

    @_user_errors
    def compare(model, image, seed):
        c = ex.compare(model, image, seed)
        return (_traj_arrays(c), display(c.x_T), display(c.direct), display(c.x0),
                display(c.naive[0][0]), display(c.tacos[0][0]),
                _frames_gallery(c.frames("naive")), _frames_gallery(c.frames("tacos")), c.distances())

    def distance_plot(dist: dict, s: int | None):
        from matplotlib.figure import Figure

        fig = Figure(figsize=(6, 3.2), dpi=100)
        ax = fig.add_subplot()
        ax.plot(dist["s"], dist["naive"], label="Algorithm 1 (naive)", color="tab:red")
        ax.plot(dist["s"], dist["tacos"], label="TACoS (Algorithm 2)", color="tab:blue")
        if s is not None:
            ax.axvline(s, color="grey", lw=1, ls="--")
        ax.set_xlabel("step s")
        ax.set_ylabel("‖x_s − D(x₀, s)‖₂")
        ax.invert_xaxis()  # sampling runs from s = T down to 0
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=8)
        fig.tight_layout()
        return fig

    def show_step(traj, s):
        if not traj:
            return (gr.skip(),) * 6
        s = max(0, min(int(s), traj["T"]))
        (nx, nh), (tx, th) = traj["naive"][s], traj["tacos"][s]
        caption = (f"s = {s} of T = {traj['T']} — ‖x_s − D(x₀, s)‖: Algorithm 1 "
                   f"{traj['dist']['naive'][s]:.3f}, TACoS {traj['dist']['tacos'][s]:.3f}")
        return (upscale(nx), upscale(nh), upscale(tx), upscale(th),
                distance_plot(traj["dist"], s), caption)

    def after_compare(traj):
        T = traj["T"] if traj else 0
        return (gr.update(maximum=T, value=T), gr.Timer(active=False)) + show_step(traj, T)

    def play(traj, s):
        if not traj:
            raise gr.Error("run the comparison first")
        start = traj["T"] if int(s) <= 0 else int(s)
        return gr.update(value=start), gr.Timer(active=True)

    def tick(traj, s):
        if not traj or int(s) <= 0:
            return gr.skip(), gr.Timer(active=False)
        s = int(s) - 1
        return gr.update(value=s), gr.Timer(active=s > 0)

    # ---------------------------------------------------------------- handlers: generate
    @_user_errors
    def swatches(model, n, seed):
        colors, img = ex.swatches(model, n, seed)
        hexes = [color_hex(c) for c in colors]
        return img, gr.update(choices=hexes, value=hexes[0])

    def _generation_outputs(g):
        gallery = [(display(x, 128), f"#{i}") for i, x in enumerate(g.images)]
        return gallery, g.trajectory_grid()

    @_user_errors
    def generate(model, n, noise_std, seed):
        return _generation_outputs(ex.generate(model, n, noise_std, seed))

    @_user_errors
    def generate_color(model, color, n, noise_std, seed):
        if not color:
            raise InputError("pick a colour first (draw swatches or use the colour picker)")
        return _generation_outputs(ex.generate(model, n, noise_std, seed, color=color))

    # ---------------------------------------------------------------- handlers: restore
    @_user_errors
    def restore(model, image, t, method):
        y = to_uint8(ex.restore(model, image, t, method))
        m = ex.model(model)
        native = y[:, :, :1] if m.image_shape[0] == 1 else y
        return upscale(y), downloads.save(native, f"{model}-restored")

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

    # ---------------------------------------------------------------- handlers: model card
    @_user_errors
    def model_card(model):
        if not model:
            return no_models, None
        return ex.model_card(model)

    # ---------------------------------------------------------------- layout
    fast = dict(concurrency_id="fast", concurrency_limit=FAST_CONCURRENCY)
    heavy = dict(concurrency_id="model", concurrency_limit=MODEL_CONCURRENCY)
    private = dict(api_visibility="private")
    img = dict(format="png", interactive=False, elem_classes=["pixelated"], buttons=["download"])

    with gr.Blocks(title="Cold Diffusion explorer", delete_cache=(900, 1800)) as demo:
        gr.Markdown(HEADER)
        with gr.Tabs():
            # ------------------------------------------------------------ 1 forward
            with gr.Tab("1 · Forward process", id="forward"):
                with gr.Row():
                    with gr.Column(scale=1):
                        f_preset = gr.Dropdown(list(DEGRADATION_PRESETS), value=DEFAULT_PRESET,
                                               label="Degradation preset (paper configuration)",
                                               elem_id="f-preset")
                        f_sample = gr.Dropdown(samples, value=DEFAULT_SAMPLE, label="Sample image",
                                               elem_id="f-sample")
                        f_image = upload_image_component(label="x₀ (a sample, or upload your own)", height=240,
                                                         elem_id="f-image")
                        with gr.Row():
                            f_seed = gr.Number(value=0, precision=0, minimum=0, maximum=MAX_SEED,
                                               label="seed of the random state", elem_id="f-seed")
                            f_new = gr.Button("New state", elem_id="f-new")
                        f_info = gr.Markdown(elem_id="f-info")
                    with gr.Column(scale=1):
                        f_t = gr.Slider(0, max_T, value=25, step=1, label="t (severity)", elem_id="f-t")
                        f_xt = gr.Image(label="x_t = D(x₀, t)", height=300, elem_id="f-xt", **img)
                f_strip = gr.Gallery(format="png", label="filmstrip: x_t for t = 0 … T", columns=FRAMES, rows=1,
                                     height=190, object_fit="contain", elem_id="f-strip",
                                     elem_classes=["pixelated"])

            # ------------------------------------------------------------ 2 compare
            with gr.Tab("2 · Algorithm 1 vs TACoS", id="compare"):
                if not restoration:
                    gr.Markdown(no_models)
                gr.Markdown("Both samplers start from the **same x<sub>T</sub>** = D(x₀, T). "
                            "Algorithm 1: x<sub>s−1</sub> = D(x̂₀, s−1); TACoS: x<sub>s−1</sub> = "
                            "x<sub>s</sub> − D(x̂₀, s) + D(x̂₀, s−1), with x̂₀ = R(x<sub>s</sub>, s).")
                with gr.Row():
                    c_model = gr.Dropdown(restoration, value=restoration[0] if restoration else None,
                                          label="Model", elem_id="c-model")
                    c_seed = gr.Number(value=0, precision=0, minimum=0, maximum=MAX_SEED,
                                       label="seed (test image and random state)", elem_id="c-seed")
                    c_image = upload_image_component(height=140, elem_id="c-image",
                                                     label="optional: your own x₀ (else a test image)")
                    c_run = gr.Button("Run both samplers", variant="primary", elem_id="c-run")
                c_traj = gr.State(None, time_to_live=STATE_TTL)
                with gr.Row():
                    c_step = gr.Slider(0, max_T, value=0, step=1, elem_id="c-step",
                                       label="step s (sampling runs from T down to 0)")
                    c_play = gr.Button("▶ Play", elem_id="c-play", scale=0)
                    c_pause = gr.Button("Pause", elem_id="c-pause", scale=0)
                c_timer = gr.Timer(0.35, active=False)
                c_caption = gr.Markdown(elem_id="c-caption")
                col = dict(min_width=180)
                with gr.Row():
                    with gr.Column(**col):
                        gr.Markdown("**Algorithm 1 (naive)**")
                        c_nx = gr.Image(label="x_s", elem_id="c-naive-xs", height=200, **img)
                        c_nh = gr.Image(label="x̂₀ = R(x_s, s)", elem_id="c-naive-x0", height=200, **img)
                    with gr.Column(**col):
                        gr.Markdown("**TACoS (Algorithm 2)**")
                        c_tx = gr.Image(label="x_s", elem_id="c-tacos-xs", height=200, **img)
                        c_th = gr.Image(label="x̂₀ = R(x_s, s)", elem_id="c-tacos-x0", height=200, **img)
                    with gr.Column(**col):
                        gr.Markdown("**Reference**")
                        c_direct = gr.Image(label="direct R(x_T, T)", elem_id="c-direct", height=200, **img)
                        c_orig = gr.Image(label="original x₀", elem_id="c-orig", height=200, **img)
                with gr.Row():
                    c_plot = gr.Plot(label="‖x_s − D(x₀, s)‖ against s (Figure 2 of the paper, interactive)",
                                     elem_id="c-plot", scale=3)
                    with gr.Column(scale=2, min_width=240):
                        c_xT = gr.Image(label="x_T (the shared start)", elem_id="c-xT", height=150, **img)
                        with gr.Row():
                            c_fn = gr.Image(label="Algorithm 1 result", elem_id="c-final-naive",
                                            height=150, min_width=100, **img)
                            c_ft = gr.Image(label="TACoS result", elem_id="c-final-tacos",
                                            height=150, min_width=100, **img)
                with gr.Row():
                    c_gn = gr.Gallery(format="png", label="Algorithm 1 trajectory x_s", columns=FRAMES, height=170,
                                      elem_id="c-gal-naive", elem_classes=["pixelated"])
                    c_gt = gr.Gallery(format="png", label="TACoS trajectory x_s", columns=FRAMES, height=170,
                                      elem_id="c-gal-tacos", elem_classes=["pixelated"])
                with gr.Accordion("distances (JSON)", open=False):
                    c_dist = gr.JSON(label="‖x_s − D(x₀, s)‖₂ per step")

            # ------------------------------------------------------------ 3 generate
            with gr.Tab("3 · Generate", id="generate"):
                if not generation:
                    gr.Markdown(no_models if not all_models else
                                "No generation model (with a fitted prior) in the model directory.")
                gr.Markdown("Blur generation (Section 5.2): x_T is a solid colour drawn from a GMM "
                            "fitted to the mean colours of the training images, plus a little "
                            "symmetry-breaking noise; TACoS then deblurs it into an image.")
                with gr.Row():
                    with gr.Column(scale=1):
                        g_model = gr.Dropdown(generation, value=generation[0] if generation else None,
                                              label="Generation model", elem_id="g-model")
                        g_seed = gr.Number(value=0, precision=0, minimum=0, maximum=MAX_SEED,
                                           label="seed", elem_id="g-seed")
                        g_n = gr.Slider(1, MAX_GENERATE, value=4, step=1, label="number of images n",
                                        elem_id="g-n")
                        g_noise = gr.Slider(0.0, MAX_NOISE_STD, value=0.002, step=0.0005,
                                            label="symmetry-breaking noise std", elem_id="g-noise")
                        g_draw = gr.Button("Draw colours from the GMM", elem_id="g-draw")
                        g_swatch = gr.Image(label="colours drawn from the prior", height=110,
                                            elem_id="g-swatches", **img)
                        with gr.Row():
                            g_pick = gr.Dropdown([], label="pick a drawn colour", elem_id="g-pick",
                                                 allow_custom_value=True)
                            g_color = gr.ColorPicker("#808080", label="or any colour", elem_id="g-color")
                        with gr.Row():
                            g_run = gr.Button("Generate (TACoS)", variant="primary", elem_id="g-run")
                            g_run_c = gr.Button("Generate from the colour", elem_id="g-run-color")
                    with gr.Column(scale=2):
                        g_gallery = gr.Gallery(format="png", label="generated images", columns=8, height=260,
                                               elem_id="g-gallery", elem_classes=["pixelated"])
                        g_traj = gr.Image(label="trajectories: from the solid colour (s = T, left) to "
                                                "the image (s = 0, right)", elem_id="g-traj", **img)

            # ------------------------------------------------------------ 4 restore
            with gr.Tab("4 · Restore your image", id="restore"):
                if not all_models:
                    gr.Markdown(no_models)
                gr.Markdown(limit_md)
                with gr.Row():
                    with gr.Column():
                        r_image = upload_image_component(height=240, elem_id="r-image",
                                                         label="your degraded image")
                        r_model = gr.Dropdown(all_models, value=restore_default, label="Model",
                                              elem_id="r-model")
                        with gr.Row():
                            r_t = gr.Slider(0, max(model_Ts.values(), default=max_T),
                                            value=model_Ts.get(restore_default, 0), step=1,
                                            label="t (severity; the model's T by default)", elem_id="r-t")
                            r_est = gr.Button("Estimate t", scale=0, elem_id="r-est")
                        r_method = gr.Radio(["tacos", "direct", "naive"], value="tacos",
                                            label="method", elem_id="r-method")
                        r_run = gr.Button("Restore", variant="primary", elem_id="r-run")
                    with gr.Column():
                        r_seen = gr.Image(label="what the model sees (converted input)",
                                          elem_id="r-seen", height=200, **img)
                        r_out = gr.Image(label="restored", elem_id="r-out", height=240, **img)
                        r_file = gr.File(label="download (model resolution, PNG)", elem_id="r-file")

            # ------------------------------------------------------------ 5 model card
            with gr.Tab("5 · Model card", id="card") as card_tab:
                k_model = gr.Dropdown(all_models, value=all_models[0] if all_models else None,
                                      label="Model", elem_id="k-model")
                with gr.Row():
                    k_md = gr.Markdown(no_models if not all_models else "", elem_id="k-md")
                    k_grid = gr.Image(label="sample grid", elem_id="k-grid", **img)

        # ---------------------------------------------------------------- events
        f_inputs = [f_image, f_preset, f_t, f_seed]
        f_sample.change(load_sample, f_sample, f_image, **private, **fast)
        for trigger in (f_image.change, f_preset.change, f_seed.change):
            trigger(refresh_forward, f_inputs, [f_t, f_xt, f_strip, f_info], **private, **fast)
        f_t.change(forward, f_inputs, f_xt, api_name="forward", trigger_mode="always_last",
                   show_progress="hidden", **fast)
        f_new.click(new_state, None, f_seed, **private, **fast)
        demo.load(load_sample, f_sample, f_image, **private, **fast)

        c_run.click(compare, [c_model, c_image, c_seed],
                    [c_traj, c_xT, c_direct, c_orig, c_fn, c_ft, c_gn, c_gt, c_dist],
                    api_name="compare", **heavy
                    ).then(after_compare, c_traj,
                           [c_step, c_timer, c_nx, c_nh, c_tx, c_th, c_plot, c_caption], **private, **fast)
        c_step.change(show_step, [c_traj, c_step], [c_nx, c_nh, c_tx, c_th, c_plot, c_caption],
                      trigger_mode="always_last", show_progress="hidden", **private, **fast)
        c_play.click(play, [c_traj, c_step], [c_step, c_timer], **private, **fast)
        c_pause.click(lambda: gr.Timer(active=False), None, c_timer, **private, **fast)
        c_timer.tick(tick, [c_traj, c_step], [c_step, c_timer], show_progress="hidden", **private, **fast)

        g_draw.click(swatches, [g_model, g_n, g_seed], [g_swatch, g_pick], api_name="swatches", **fast)
        g_pick.change(lambda c: c or gr.skip(), g_pick, g_color, **private, **fast)
        g_run.click(generate, [g_model, g_n, g_noise, g_seed], [g_gallery, g_traj],
                    api_name="generate", **heavy)
        g_run_c.click(generate_color, [g_model, g_color, g_n, g_noise, g_seed], [g_gallery, g_traj],
                      api_name="generate_color", **heavy)

        r_run.click(restore, [r_model, r_image, r_t, r_method], [r_out, r_file], api_name="restore", **heavy)
        r_est.click(estimate_t, [r_model, r_image], r_t, api_name="estimate_t", **heavy)
        r_model.change(model_T, [r_model, r_t], r_t, **private, **fast)
        for trigger in (r_image.change, r_model.change):
            trigger(restore_preview, [r_model, r_image], r_seen, **private, **fast)

        k_model.change(model_card, k_model, [k_md, k_grid], **private, **heavy)
        card_tab.select(model_card, k_model, [k_md, k_grid], **private, **heavy)

    demo.queue(default_concurrency_limit=MODEL_CONCURRENCY, max_size=QUEUE_MAX)
    demo.explorer = ex  # for tests and benchmarks
    return demo


def launch(demo, host: str = "127.0.0.1", port: int = 7860, share: bool = False,
           max_upload_mb: float = MAX_UPLOAD_MB, max_sessions: int = MAX_SESSIONS, **kwargs):
    """``demo.launch`` with the explorer's CSS, upload limit and session bound."""
    return demo.launch(server_name=host, server_port=port, share=share, css=CSS,
                       max_file_size=f"{max_upload_mb:g}mb", state_session_capacity=max_sessions,
                       **kwargs)


# ----------------------------------------------------------------------------- command line
def add_arguments(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    p.add_argument("--model-dir", default=None,
                   help="directory of exported models (default: $COLD_MODEL_DIR or the shipped models/)")
    p.add_argument("--data-dir", default=None,
                   help="dataset files for sample images (default: $COLD_DATA_DIR; scikit-image images otherwise)")
    p.add_argument("--share", action="store_true", help="create a public gradio.live link")
    p.add_argument("--max-upload-mb", type=float, default=MAX_UPLOAD_MB,
                   help=f"largest accepted upload in MB (default {MAX_UPLOAD_MB}; images are also "
                        f"limited to {MAX_PIXELS // 1_000_000} Mpixel)")
    p.add_argument("--max-sessions", type=int, default=MAX_SESSIONS,
                   help=f"sessions kept in memory, least recently used evicted (default {MAX_SESSIONS})")
    p.add_argument("--threads", type=int, default=None,
                   help="torch CPU threads per request (default: half the cores, at most 4)")
    return p


def run(args) -> int:
    """Start the explorer from parsed arguments (``fn`` of ``cold explore``)."""
    import torch

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


def add_subcommand(subparsers) -> argparse.ArgumentParser:
    """Register ``explore`` on an argparse subparsers object (``cold explore``); sets ``fn``."""
    p = subparsers.add_parser("explore", help="open the interactive explorer (Gradio) in the browser",
                              description="Forward process, Algorithm 1 vs TACoS, generation and "
                                          "restoration with the shipped models, in a web page.")
    add_arguments(p)
    p.set_defaults(fn=run)
    return p


def main(argv=None) -> int:
    p = add_arguments(argparse.ArgumentParser(
        prog="python -m explorer", description="The Cold Diffusion explorer (Gradio app)."))
    return run(p.parse_args(argv))
