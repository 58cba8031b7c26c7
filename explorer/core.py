"""The explorer's computations, free of any user interface (no gradio import, no text rendering).

:class:`Explorer` holds the model directory, the data directory and a few small, bounded caches
(every model is loaded once; sample images and degradations are kept per name, and the set of
names is finite).  Its methods are what the Gradio views and the named API endpoints call:

* :meth:`Explorer.forward`  -- x_t = D(x0, t) for any degradation preset (view 1, ``/forward``)
* :meth:`Explorer.compare`  -- Algorithm 1 vs TACoS from the same x_T (view 2, ``/compare``)
* :meth:`Explorer.generate` -- generation from the fitted prior or a picked colour (view 3, ``/generate``)
* :meth:`Explorer.restore`  -- restore an uploaded image (view 4, ``/restore``)
* :meth:`Explorer.model_card` -- what a model is (view 5), as a :class:`ModelCard`

They return torch tensors, numpy arrays or dataclasses (:class:`Comparison`, :class:`Generation`,
:class:`ModelCard`, :class:`SampleGrid`); turning those into markdown, captions and plots is
:mod:`explorer.render`'s job.  Presets, model configs and datasets are looked up through
``cold``'s public API (``cold.degradation_preset``, ``cold.presets.data_geometry``,
``cold.checkpoint.read_config``, ``cold.data``), never re-implemented here.

Images are torch tensors (B, C, H, W) in [-1, 1] inside, uint8 numpy arrays (H, W, 3) outside.
Invalid input raises :class:`InputError` (a ``ValueError``) with a message meant for the user;
out-of-range parameters are rejected, never clamped.
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

import cold.data as cdata
from cold.degradations import DEGRADATION_PRESETS, degradation_preset
from cold.presets import data_geometry
from cold.sampling import METHODS

#: upload limits (documented in explorer/README.md); ``--max-upload-mb`` changes the first
MAX_UPLOAD_MB = 20
MAX_PIXELS = 40_000_000
#: small images are upscaled (nearest neighbour) to at least this many pixels for display
DISPLAY_SIZE = 256
#: parameter limits
MAX_SEED = 2 ** 31 - 1
MAX_GENERATE = 16
MAX_NOISE_STD = 0.01
MAX_SWATCHES = 64
#: number of frames in filmstrips and trajectory galleries
FRAMES = 9

#: images bundled with scikit-image (no download needed) offered as samples
SKIMAGE_SAMPLES = ("astronaut", "chelsea", "coffee", "rocket", "camera", "coins", "moon",
                   "colorwheel", "immunohistochemistry", "clock")
#: datasets offered as samples when their files are in the data directory: (name, split, n, label)
DATASET_SAMPLES = (("mnist", "test", 8, "mnist"), ("cifar10", "test", 8, "cifar10"),
                   ("celebahq_sample", "test", 4, "celebahq"), ("afhq_sample", "test", 4, "afhq"))
#: (channels, size) the forward view uses for a preset whose dataset family ``cold`` does not know
DEFAULT_GEOMETRY = (3, 64)
#: the samplers are ``cold.sampling.METHODS``: "direct" R(x_T, T), "naive" Algorithm 1, "tacos" TACoS


class InputError(ValueError):
    """Invalid user input (bad image, out-of-range parameter, unknown name)."""


# ----------------------------------------------------------------------------- validation
def check_int(name: str, value, lo: int, hi: int) -> int:
    """``value`` as an int in lo..hi, else :class:`InputError` (floats must be whole numbers)."""
    if value is None or isinstance(value, bool):
        raise InputError(f"{name} must be an integer in {lo}..{hi}, got {value!r}")
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be an integer in {lo}..{hi}, got {value!r}") from None
    if not np.isfinite(f) or f != int(f):
        raise InputError(f"{name} must be an integer in {lo}..{hi}, got {value!r}")
    if not lo <= int(f) <= hi:
        raise InputError(f"{name}={int(f)} is out of range: it must lie in {lo}..{hi}")
    return int(f)


def check_float(name: str, value, lo: float, hi: float) -> float:
    if value is None or isinstance(value, bool):
        raise InputError(f"{name} must be a number in [{lo}, {hi}], got {value!r}")
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number in [{lo}, {hi}], got {value!r}") from None
    if not np.isfinite(f) or not lo <= f <= hi:
        raise InputError(f"{name}={value!r} is out of range: it must lie in [{lo}, {hi}]")
    return f


def check_choice(name: str, value, choices) -> str:
    if value not in choices:
        raise InputError(f"unknown {name} {value!r}; choose one of: {', '.join(map(str, choices))}")
    return value


# ----------------------------------------------------------------------------- images
def to_uint8(x: torch.Tensor) -> np.ndarray:
    """One image (C, H, W) or (1, C, H, W) in [-1, 1] -> uint8 (H, W, 3) (grey repeated)."""
    if x.dim() == 4:
        x = x[0]
    a = ((x.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    a = a.permute(1, 2, 0).numpy()
    return np.repeat(a, 3, axis=2) if a.shape[2] == 1 else np.ascontiguousarray(a[:, :, :3])


def upscale(a: np.ndarray, target: int = DISPLAY_SIZE) -> np.ndarray:
    """Nearest-neighbour upscale by the largest integer factor keeping the long side <= target."""
    k = max(1, target // max(a.shape[0], a.shape[1]))
    return a if k == 1 else np.repeat(np.repeat(a, k, axis=0), k, axis=1)


def display(x: torch.Tensor, target: int = DISPLAY_SIZE) -> np.ndarray:
    """A tensor image as an upscaled uint8 array ready to show."""
    return upscale(to_uint8(x), target)


def tile(rows: list[list[np.ndarray]], pad: int = 2, fill: int = 255) -> np.ndarray:
    """A grid (uint8) of equally sized uint8 images: ``rows[i][j]`` at row i, column j."""
    h, w = rows[0][0].shape[:2]
    R, C = len(rows), max(len(r) for r in rows)
    out = np.full((R * h + (R + 1) * pad, C * w + (C + 1) * pad, 3), fill, np.uint8)
    for i, row in enumerate(rows):
        for j, im in enumerate(row):
            y, x = pad + i * (h + pad), pad + j * (w + pad)
            out[y:y + h, x:x + w] = im
    return out


def load_image(src, channels: int, size: int, max_bytes: int = MAX_UPLOAD_MB * 2 ** 20,
               max_pixels: int = MAX_PIXELS) -> torch.Tensor:
    """:func:`cold.data.load_image` with its errors as :class:`InputError` for the user."""
    try:
        return cdata.load_image(src, channels, size, max_bytes=max_bytes, max_pixels=max_pixels)
    except cdata.ImageError as e:
        raise InputError(str(e)) from None


def skimage_image(name: str) -> np.ndarray:
    import skimage.data

    return np.asarray(getattr(skimage.data, name)())


# ----------------------------------------------------------------------------- results
@dataclass
class Comparison:
    """Algorithm 1 vs TACoS from the same x_T; trajectories are indexed by s = 0..T.

    ``naive[s]`` / ``tacos[s]`` are (x_s, x̂0 at step s); at s = 0 both are the final image.
    ``dist_*[s]`` = ‖x_s − D(x0, s)‖₂ (the distance to the true degradation trajectory).
    """

    model: str
    T: int
    x0: torch.Tensor
    x_T: torch.Tensor
    direct: torch.Tensor
    naive: list
    tacos: list
    dist_naive: list
    dist_tacos: list

    def frames(self, which: str, n: int = FRAMES) -> list[tuple[int, torch.Tensor]]:
        """About ``n`` evenly spaced (s, x_s) from s = T down to 0."""
        traj = self.naive if which == "naive" else self.tacos
        steps = sorted({int(round(s)) for s in np.linspace(self.T, 0, min(n, self.T + 1))}, reverse=True)
        return [(s, traj[s][0]) for s in steps]

    def distances(self) -> dict:
        return {"s": list(range(self.T + 1)), "naive": [round(v, 5) for v in self.dist_naive],
                "tacos": [round(v, 5) for v in self.dist_tacos]}


@dataclass
class Generation:
    """``n`` images generated from x_T (prior colour + noise, or a picked colour) by a sampler;
    ``frames`` are about :data:`FRAMES` (s, x_s) from s = T down to s = 0 (the images)."""

    model: str
    T: int
    x_T: torch.Tensor                     # (n, C, H, W)
    images: torch.Tensor                  # (n, C, H, W)
    frames: list = field(default_factory=list)  # [(s, x_s (n, C, H, W))], s = T..0

    def trajectory_grid(self) -> np.ndarray:
        """Rows: images; columns: x_s from the solid colour (s = T) to the image (s = 0)."""
        rows = [[to_uint8(x[i]) for _, x in self.frames] for i in range(self.images.shape[0])]
        return upscale(tile(rows, pad=1), 1024)


@dataclass
class SampleGrid:
    """A model's sample grid (uint8 (H, W, 3)) and where it comes from.

    ``source``: ``"file"`` (a PNG shipped in the model directory, ``path`` relative to it),
    ``"generation"`` (computed now: top row x_T drawn from the prior with ``noise_std``, bottom
    row TACoS samples) or ``"restoration"`` (computed now from test images; columns: x_T =
    D(x0, T), direct R(x_T, T), TACoS, x0).  ``seed`` seeds the computed grids.
    """

    image: np.ndarray
    source: str
    path: str | None = None
    noise_std: float | None = None
    seed: int = 0


@dataclass
class ModelCard:
    """What a model is (view 5): its experiment config, facts about the loaded D and R, its own
    README.md (if it ships one) and a sample grid."""

    name: str
    config: dict                          # the complete experiment config (``cold.load(...).config``)
    degradation: str                      # repr of the degradation D
    T: int
    n_params: int                         # parameters of the restoration network R
    ema: bool                             # EMA weights (else the online weights)
    prior: str | None                     # class of the generation prior; None: restoration model
    readme: str | None                    # the model's README.md
    grid: SampleGrid


# ----------------------------------------------------------------------------- the explorer
class Explorer:
    """Models, sample images and the computations of every view.  Thread-safe.

    Args:
        model_dir: directory of exported models (``<name>/config.json`` ...); default: cold's
            :func:`cold.checkpoint.models_dir` (``$COLD_MODEL_DIR``, a checkout's ``models/``, or
            the copy installed with the package).
        data_dir: data directory for dataset samples (default: ``cold.data.data_dir()``, i.e.
            ``$COLD_DATA_DIR``); when the files are missing, images bundled with scikit-image are
            used instead.
        max_upload_mb: upload limit in MB.
    """

    def __init__(self, model_dir=None, data_dir=None, max_upload_mb: float = MAX_UPLOAD_MB):
        from cold.checkpoint import models_dir

        self.model_dir = Path(model_dir) if model_dir else models_dir()
        self.data_dir = cdata.data_dir(data_dir)
        if not max_upload_mb or max_upload_mb <= 0:
            raise ValueError(f"max_upload_mb must be positive, got {max_upload_mb}")
        self.max_upload_mb = float(max_upload_mb)
        self.max_bytes = int(self.max_upload_mb * 2 ** 20)
        self._lock = threading.RLock()
        self._load_locks: dict[str, threading.Lock] = {}
        self._models: dict = {}            # name -> ColdModel (bounded by the model directory)
        self._degradations: dict = {}      # preset -> D (bounded by DEGRADATION_PRESETS)
        self._datasets: dict = {}          # (dataset, C, S, n) -> tensor (finite set of keys)
        self._inputs: OrderedDict = OrderedDict()  # small LRU of converted input files
        self._inputs_max = 32

    # ------------------------------------------------------------------ models
    def model_names(self, kind: str | None = None) -> list[str]:
        """Models in the model directory; ``kind``: "restoration" or "generation" (has a prior)."""
        from cold.checkpoint import CheckpointError, read_config

        if not self.model_dir.is_dir():
            return []
        names = []
        for p in sorted(self.model_dir.iterdir()):
            if p.name.startswith(".") or not (p / "config.json").is_file():
                continue  # hidden: an export in progress (or killed)
            if kind is not None:
                try:
                    gen = bool(read_config(p).get("prior_fitted"))
                except CheckpointError:
                    continue
                if (kind == "generation") != gen:
                    continue
            names.append(p.name)
        return names

    def model_T(self, name: str) -> int:
        """T of a model, from its config (``cold.build.build_degradation``) without loading
        the weights."""
        from cold.build import ConfigError, build_degradation
        from cold.checkpoint import CheckpointError, read_config

        check_choice("model", name, self.model_names())
        try:
            return int(build_degradation(read_config(self.model_dir / name)).T)
        except (CheckpointError, ConfigError) as e:
            raise InputError(f"model {name!r} has an unreadable config: {e}") from None

    def model(self, name: str):
        """The loaded model ``name`` (loaded once, then cached; thread-safe)."""
        from cold.checkpoint import CheckpointError, load

        if not name:
            raise InputError(f"no model chosen (models found in {self.model_dir}: "
                             f"{', '.join(self.model_names()) or 'none'})")
        if name in self._models:
            return self._models[name]
        if name not in self.model_names():
            raise InputError(f"unknown model {name!r}; models in {self.model_dir}: "
                             f"{', '.join(self.model_names()) or 'none'}")
        with self._lock:
            lock = self._load_locks.setdefault(name, threading.Lock())
        with lock:
            if name not in self._models:
                try:
                    m = load(str(self.model_dir / name))
                except CheckpointError as e:
                    raise InputError(f"model {name!r} cannot be loaded: {e}") from None
                m.model.requires_grad_(False)
                self._models[name] = m
        return self._models[name]

    def _device(self, m) -> torch.device:
        return next(m.model.parameters()).device

    # ------------------------------------------------------------------ sample images
    def _has_dataset(self, name: str) -> bool:
        """Whether the files of ``cold.data.dataset_info(name)`` are in the data directory."""
        return all((self.data_dir / f).is_file() for f in cdata.dataset_info(name).files)

    def sample_names(self) -> list[str]:
        """Names of the sample images: dataset images when present, then scikit-image images."""
        names = []
        for ds, _, n, label in DATASET_SAMPLES:
            if self._has_dataset(ds):
                names += [f"{label} #{i}" for i in range(n)]
        return names + [f"skimage {s}" for s in SKIMAGE_SAMPLES]

    def dataset_images(self, dataset: str, channels: int | None = None, size: int | None = None,
                       n: int = 8, split: str = "test") -> torch.Tensor:
        """The first ``n`` images of a dataset split (cached; raises FileNotFoundError if absent)."""
        key = (dataset, split, channels, size, n)
        if key not in self._datasets:
            x = cdata.load_images(dataset, split, n=n, image_size=size, channels=channels,
                                  data_dir=self.data_dir).clone()
            with self._lock:
                self._datasets[key] = x
            # cold.data memoises whole dataset files (CIFAR-10: ~180 MB); the explorer keeps
            # only these few images, so let the full arrays go.
            cdata.clear_cache()
        return self._datasets[key]

    def sample_image(self, name: str) -> np.ndarray:
        """A sample image at its own resolution, uint8 (H, W) or (H, W, 3)."""
        check_choice("sample image", name, self.sample_names())
        kind, _, which = name.partition(" ")
        if kind == "skimage":
            a = skimage_image(which)
            return a[:, :, :3] if a.ndim == 3 else a
        ds = next(d for d, _, _, label in DATASET_SAMPLES if label == kind)
        n = next(n for d, _, n, label in DATASET_SAMPLES if label == kind)
        x = self.dataset_images(ds, n=n)[int(which.lstrip("#"))]
        a = to_uint8(x)
        return a[:, :, 0] if x.shape[0] == 1 else a

    def input_tensor(self, image, channels: int, size: int) -> torch.Tensor:
        """An uploaded/picked image as (1, C, S, S); files are converted once (small LRU)."""
        if isinstance(image, dict) and "path" in image:
            image = image["path"]
        if isinstance(image, (str, os.PathLike)) and Path(image).is_file():
            st = Path(image).stat()
            key = (str(image), st.st_size, st.st_mtime_ns, channels, size)
            with self._lock:
                if key in self._inputs:
                    self._inputs.move_to_end(key)
                    return self._inputs[key]
            x = load_image(image, channels, size, self.max_bytes)
            with self._lock:
                self._inputs[key] = x
                while len(self._inputs) > self._inputs_max:
                    self._inputs.popitem(last=False)
            return x
        return load_image(image, channels, size, self.max_bytes)

    def fallback_images(self, channels: int, size: int, n: int = 8) -> torch.Tensor:
        """Images for a model whose dataset is absent: scikit-image samples at the model's size."""
        key = ("skimage", channels, size, n)
        if key not in self._datasets:
            x = torch.cat([load_image(skimage_image(s), channels, size, max_pixels=10 ** 8)
                           for s in SKIMAGE_SAMPLES[:n]])
            with self._lock:
                self._datasets[key] = x
        return self._datasets[key]

    def model_images(self, m, n: int = 8) -> torch.Tensor:
        """Test images of a model's dataset at its size (scikit-image images if the data is absent)."""
        C, S, _ = m.image_shape
        ds = m.config["data"].get("dataset")
        try:
            if cdata.dataset_info(ds).files:  # a named dataset (not a folder of the user's)
                return self.dataset_images(ds, C, S, n)
        except (FileNotFoundError, OSError, ValueError):
            pass
        return self.fallback_images(C, S, min(n, len(SKIMAGE_SAMPLES)))

    # ------------------------------------------------------------------ view 1: forward
    @staticmethod
    def preset_geometry(preset: str) -> tuple[int, int]:
        """(channels, size) of the images a preset is meant for: ``cold.presets.data_geometry``
        of its dataset family, :data:`DEFAULT_GEOMETRY` for a family ``cold`` does not know."""
        try:
            return data_geometry(preset)
        except ValueError:
            return DEFAULT_GEOMETRY

    @staticmethod
    def degradation_T(preset: str) -> int:
        """T of a preset (``cold.degradation_preset(preset).T``; without the partner images that
        :meth:`degradation` loads for animorph)."""
        check_choice("degradation preset", preset, list(DEGRADATION_PRESETS))
        return int(degradation_preset(preset).T)

    def degradation(self, preset: str):
        """The degradation of a preset (cached); animorph gets partner images (AFHQ or skimage)."""
        check_choice("degradation preset", preset, list(DEGRADATION_PRESETS))
        if preset not in self._degradations:
            kw = {}
            if DEGRADATION_PRESETS[preset][0] == "animorph":
                C, S = self.preset_geometry(preset)
                try:
                    kw["partners"] = self.dataset_images("afhq_sample", C, S, 8)
                except (FileNotFoundError, OSError, ValueError):
                    kw["partners"] = self.fallback_images(C, S, 4)[1:]  # not the default image
            D = degradation_preset(preset, **kw)
            with self._lock:
                self._degradations[preset] = D
        return self._degradations[preset]

    def _forward_setup(self, image, preset, seed):
        D = self.degradation(preset)
        seed = check_int("seed", seed, 0, MAX_SEED)
        C, S = self.preset_geometry(preset)
        x0 = self.input_tensor(image, C, S)
        state = D.sample_state(x0, generator=torch.Generator().manual_seed(seed)) if D.random else None
        return D, x0, state

    @torch.no_grad()
    def forward_tensor(self, image, preset: str, t, seed=0) -> torch.Tensor:
        """x_t = D(x0, t, state) with the state drawn from ``seed``; (1, C, S, S)."""
        D, x0, state = self._forward_setup(image, preset, seed)
        t = check_int("t", t, 0, D.T)
        return D(x0, t, state)

    def forward(self, image, preset: str, t, seed=0) -> np.ndarray:
        """``/forward``: the degraded image x_t, upscaled for display (uint8 (H, W, 3))."""
        return display(self.forward_tensor(image, preset, t, seed))

    @torch.no_grad()
    def filmstrip(self, image, preset: str, seed=0, n: int = FRAMES) -> list[tuple[int, torch.Tensor]]:
        """(t, x_t) at about ``n`` evenly spaced t from 0 to T; x_t is (1, C, S, S)."""
        D, x0, state = self._forward_setup(image, preset, seed)
        ts = sorted({int(round(t)) for t in np.linspace(0, D.T, min(n, D.T + 1))})
        return [(t, D(x0, t, state)) for t in ts]

    # ------------------------------------------------------------------ view 2: compare
    @torch.no_grad()
    def compare(self, model: str, image=None, seed=0) -> Comparison:
        """Algorithm 1 and TACoS from the same x_T = D(x0, T, state).

        x0 is ``image`` (converted to the model's size) or, without one, test image number
        ``seed`` (mod the number of samples) of the model's dataset; the state of random
        degradations is drawn from ``seed``.
        """
        from cold.sampling import sample

        m = self.model(model)
        seed = check_int("seed", seed, 0, MAX_SEED)
        D, R = m.degradation, m.model
        C, S, _ = m.image_shape
        dev = self._device(m)
        if image is not None:
            x0 = self.input_tensor(image, C, S)
        else:
            pool = self.model_images(m, 16)
            x0 = pool[seed % pool.shape[0]][None]
        x0 = x0.to(dev)
        g = torch.Generator().manual_seed(seed)
        state = D.sample_state(x0, generator=g) if D.random else None
        T = D.T
        x_T = D(x0, T, state)
        direct = sample(R, D, x_T, T, method="direct", state=state)
        truth = [D(x0, s, state) for s in range(T + 1)]
        out = {}
        for method in ("naive", "tacos"):
            traj: list = [None] * (T + 1)

            def record(s, x_s, x0_hat, traj=traj):
                traj[s] = (x_s.clone(), x0_hat.clone())

            final = sample(R, D, x_T, T, method=method, state=state, callback=record)
            traj[0] = (final, final)
            dist = [float((traj[s][0] - truth[s]).flatten().norm()) for s in range(T + 1)]
            out[method] = (traj, dist)
        return Comparison(model, T, x0, x_T, direct, out["naive"][0], out["tacos"][0],
                          out["naive"][1], out["tacos"][1])

    # ------------------------------------------------------------------ view 3: generate
    def generation_model(self, name: str):
        m = self.model(name)
        if m.prior is None:
            raise InputError(f"{name!r} is a restoration model without a generation prior; choose "
                             f"one of: {', '.join(self.model_names('generation')) or 'none'}")
        return m

    def swatches(self, model: str, n=8, seed=0) -> tuple[torch.Tensor, np.ndarray]:
        """``n`` colours drawn from the model's prior (n, C) and an image of them as swatches."""
        m = self.generation_model(model)
        n = check_int("n", n, 1, MAX_SWATCHES)
        seed = check_int("seed", seed, 0, MAX_SEED)
        if not hasattr(m.prior, "sample_colors"):
            raise InputError(f"the prior of {model!r} ({type(m.prior).__name__}) has no colours to show")
        colors = m.prior.sample_colors(n, torch.Generator().manual_seed(seed)).float()
        chips = [to_uint8(c[:, None, None].expand(-1, 40, 40)) for c in colors]
        per_row = min(n, 8)
        rows = [chips[i:i + per_row] for i in range(0, n, per_row)]
        return colors, tile(rows, pad=4)

    @torch.no_grad()
    def generate(self, model: str, n=8, noise_std=0.002, seed=0, color=None,
                 method: str = "tacos", frames: int = FRAMES) -> Generation:
        """Generate ``n`` images: x_T from the prior (or the solid ``color``, a C-vector in [-1, 1]
        or a "#rrggbb" string) plus ``noise_std`` Gaussian noise, then the sampler (TACoS)."""
        from cold.sampling import sample

        m = self.generation_model(model)
        n = check_int("n", n, 1, MAX_GENERATE)
        noise_std = check_float("noise_std", noise_std, 0.0, MAX_NOISE_STD)
        seed = check_int("seed", seed, 0, MAX_SEED)
        check_choice("method", method, METHODS)
        D, R = m.degradation, m.model
        C, H, W = m.image_shape
        dev = self._device(m)
        g = torch.Generator().manual_seed(seed)
        if color is None:
            x_T, state = m.prior.start(D, n, (C, H, W), noise_std=noise_std, generator=g, device=dev)
        else:
            c = parse_color(color, C)
            x_T = c.view(1, C, 1, 1).expand(n, C, H, W).double()
            if noise_std > 0:
                x_T = x_T + noise_std * torch.randn(x_T.shape, generator=g, dtype=torch.float64)
            x_T = x_T.float().to(dev).contiguous()
            state = D.sample_state(x_T, generator=g) if D.random else None
        T = D.T
        keep = {int(round(s)) for s in np.linspace(T, 0, min(frames, T + 1))}
        got = []

        def record(s, x_s, x0_hat):
            if s in keep:
                got.append((s, x_s.clone()))

        x0 = sample(R, D, x_T, T, method=method, state=state, callback=record, generator=g)
        if method == "direct":
            got = [(T, x_T)]
        got.append((0, x0))
        return Generation(model, T, x_T, x0, got)

    # ------------------------------------------------------------------ view 4: restore
    @torch.no_grad()
    def restore(self, model: str, image, t=None, method: str = "tacos", seed=0) -> torch.Tensor:
        """Restore an image degraded to severity ``t`` (default T); (1, C, S, S) in [-1, 1]."""
        from cold.sampling import sample

        m = self.model(model)
        D = m.degradation
        t = D.T if t is None else check_int("t", t, 0, D.T)
        check_choice("method", method, METHODS)
        seed = check_int("seed", seed, 0, MAX_SEED)
        C, S, _ = m.image_shape
        x = self.input_tensor(image, C, S).to(self._device(m))
        return sample(m.model, D, x, t, method=method, generator=torch.Generator().manual_seed(seed))

    @torch.no_grad()
    def estimate_t(self, model: str, image, seed=0) -> int:
        """The severity t in 1..T under which the image is most consistent with the model:
        argmin_t ‖D(R(x, t), t) − x‖ (R restores, D degrades again; one batched call)."""
        m = self.model(model)
        D, R = m.degradation, m.model
        seed = check_int("seed", seed, 0, MAX_SEED)
        C, S, _ = m.image_shape
        x = self.input_tensor(image, C, S).to(self._device(m))
        ts = torch.arange(1, D.T + 1, device=x.device)
        xs = x.expand(D.T, -1, -1, -1)
        state = None
        if D.random:
            state = D.sample_state(x, generator=torch.Generator().manual_seed(seed))
            from cold.degradations import index_state
            state = index_state(state, torch.zeros(D.T, dtype=torch.long))
        x0_hat = R(xs, ts)
        err = (D(x0_hat, ts, state) - xs).flatten(1).norm(dim=1)
        return int(ts[int(err.argmin())])

    # ------------------------------------------------------------------ view 5: model card
    def model_card(self, model: str) -> ModelCard:
        """What a model is: its config, D, R, prior, README.md (if any) and a sample grid."""
        m = self.model(model)
        readme = self.model_dir / model / "README.md"
        return ModelCard(
            name=model, config=m.config, degradation=repr(m.degradation), T=int(m.degradation.T),
            n_params=sum(p.numel() for p in m.model.parameters()), ema=bool(m.ema),
            prior=type(m.prior).__name__ if m.prior is not None else None,
            readme=readme.read_text(errors="replace") if readme.is_file() else None,
            grid=self.sample_grid(model))

    def sample_grid(self, model: str) -> SampleGrid:
        """The model's shipped sample grid (a PNG in its directory), else one computed now."""
        from PIL import Image

        path = self.model_dir / model
        pngs = sorted(path.glob("*.png")) + sorted(path.glob("samples/*.png"))
        preferred = [p for p in pngs if p.stem in ("samples", "grid", "sample_grid")]
        for p in preferred + pngs:
            try:
                with Image.open(p) as im:
                    if im.width * im.height <= 16_000_000:
                        return SampleGrid(upscale(np.asarray(im.convert("RGB")), 768), "file",
                                          path=p.relative_to(path).as_posix())
            except OSError:
                continue
        m = self.model(model)
        if m.prior is not None:
            noise = 0.002
            gen = self.generate(model, n=6, noise_std=noise, seed=0, frames=2)
            grid = tile([[to_uint8(x) for x in gen.x_T], [to_uint8(x) for x in gen.images]])
            return SampleGrid(upscale(grid, 768), "generation", noise_std=noise, seed=0)
        from cold.sampling import sample

        D = m.degradation
        x0 = self.model_images(m, 8)[:6].to(self._device(m))
        g = torch.Generator().manual_seed(0)
        state = D.sample_state(x0, generator=g) if D.random else None
        with torch.no_grad():
            x_t = D(x0, D.T, state)
            cols = [x_t, sample(m.model, D, x_t, D.T, "direct", state=state),
                    sample(m.model, D, x_t, D.T, "tacos", state=state), x0]
        grid = tile([[to_uint8(c[i]) for c in cols] for i in range(x0.shape[0])])
        return SampleGrid(upscale(grid, 768), "restoration", seed=0)


def parse_color(color, channels: int) -> torch.Tensor:
    """A colour as a C-vector in [-1, 1]: "#rrggbb" / "rgb(r, g, b)" (grey: channel mean) or numbers."""
    if isinstance(color, str):
        s = color.strip()
        try:
            if s.startswith("#") and len(s) in (4, 7):
                h = s[1:] if len(s) == 7 else "".join(ch * 2 for ch in s[1:])
                rgb = [int(h[i:i + 2], 16) for i in (0, 2, 4)]
            elif s.startswith("rgb"):
                rgb = [float(v) for v in s[s.index("(") + 1:s.index(")")].split(",")[:3]]
            else:
                raise ValueError
        except ValueError:
            raise InputError(f"not a colour: {color!r} (use #rrggbb)") from None
        v = torch.tensor(rgb, dtype=torch.float32) / 127.5 - 1
        return v.mean().view(1) if channels == 1 else v
    v = torch.as_tensor(color, dtype=torch.float32).flatten()
    if v.numel() != channels or not bool(torch.isfinite(v).all()):
        raise InputError(f"a colour needs {channels} finite values, got {color!r}")
    return v


def color_hex(c: torch.Tensor) -> str:
    """A C-vector in [-1, 1] as "#rrggbb" (clipped; grey repeated)."""
    v = ((c.float().clamp(-1, 1) + 1) * 127.5).round().int().tolist()
    v = v * 3 if len(v) == 1 else v[:3]
    return "#" + "".join(f"{x:02x}" for x in v)
