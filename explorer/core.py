"""The explorer's computations, free of any user interface (no gradio import, no text rendering).

:class:`Explorer` holds the model directory, the data directory and a few small, bounded caches
(every model is loaded once; sample images and degradations are kept per name, and the set of
names is finite; comparisons and generations sit in small LRU caches).  Its methods are what the
Gradio views and the named API endpoints call:

* :meth:`Explorer.forward`  -- x_t = D(x0, t) for a shipped model's D or any degradation preset
  (view 1, ``/forward``); :meth:`Explorer.forward_movie` every x_t for a GIF (``/forward_gif``)
* :meth:`Explorer.strip`    -- the paper's Figure 1: x0 -> x_T -> back with a sampler (``/strip``)
* :meth:`Explorer.compare`  -- Algorithm 1 vs TACoS from the same x_T (view 2, ``/compare``):
  Figure 2 -- generation from a GMM colour for generation models, restoration otherwise
* :meth:`Explorer.generate` -- generation from the fitted prior or a picked colour (view 3,
  ``/generate``); :meth:`Explorer.swatches` the x_T it starts from, :meth:`Explorer.prior_colors`
  the fitted GMM and the training set's mean colours
* :meth:`Explorer.restore`  -- restore an uploaded image (view 4, ``/restore``);
  :meth:`Explorer.example_input` a test image degraded by the model's D
* :meth:`Explorer.model_card` -- what a model is (view 5), as a :class:`ModelCard`

They return torch tensors, numpy arrays or dataclasses (:class:`Comparison`, :class:`Generation`,
:class:`Strip`, :class:`PriorColors`, :class:`ModelCard`, :class:`SampleGrid`); turning those into
markdown, captions, plots, GIFs and strips is :mod:`explorer.render`'s and
:mod:`explorer.export`'s job.  Presets, model configs and datasets are looked up through
``cold``'s public API (``cold.degradation_preset``, ``cold.presets.data_geometry``,
``cold.checkpoint.read_config``, ``cold.data``), never re-implemented here.

In-domain images everywhere: a model is shown test images of its own dataset -- from the data
directory when the dataset is there, else the real test images bundled with ``cold``
(:func:`cold.data.bundled_samples`: MNIST, Fashion-MNIST, CIFAR-10, Olivetti faces).  A photo
only goes through a model when the user uploads one.

Images are torch tensors (B, C, H, W) in [-1, 1] inside, uint8 numpy arrays (H, W, 3) outside.
Distances are RMSE in [0, 1] units: rmse(a, b) = sqrt(mean(((a − b) / 2)²)).
Invalid input raises :class:`InputError` (a ``ValueError``) with a message meant for the user;
out-of-range parameters are rejected, never clamped.
"""
from __future__ import annotations

import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

import cold.data as cdata
from cold.build import test_indices
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
#: the paper's symmetry-breaking noise (Section 5.2), used when a model's config names none
DEFAULT_NOISE_STD = 0.002
#: number of frames in filmstrips and trajectory galleries
FRAMES = 9
#: the generate view's default strided TACoS (our extension): K = T / STEPS_DIVISOR network calls,
#: 5x fewer than the paper's T.  benchmarks/sampling.py measured FID at K = T/5 within a few
#: percent of all T steps for the shipped generation models (README, "Faster sampling").
STEPS_DIVISOR = 5


def default_steps(T: int) -> int:
    """The generate view's default number of network calls K for a model with T steps."""
    return max(1, -(-int(T) // STEPS_DIVISOR))
#: test images a model's views draw from (``seed`` picks one)
POOL = 16
#: images per set in the sample dropdown of the forward view
SAMPLES_PER_SET = 8
#: |x_s − D(x̂, s)| is shown multiplied by this (white = a difference of 1/AMPLIFY in [0, 1] units)
AMPLIFY = 4
#: the generation models the comparison view opens on, in order of preference (the first one
#: shipped is chosen at start-up; else any generation model, else a restoration model)
PREFERRED_GENERATION = ("mnist-blur-generation", "olivetti-blur-generation", "cifar10-blur-generation")
#: a "degradation source" of the forward view is a preset name or MODEL_PREFIX + a model name
MODEL_PREFIX = "model:"
#: sample sets of the forward view: (label, dataset).  Bundled sets (cold.data.BUNDLED) are
#: always there; the others only when their files are in the data directory.
SAMPLE_SETS = (("mnist", "mnist"), ("fashion_mnist", "fashion_mnist"), ("cifar10", "cifar10"),
               ("olivetti", "olivetti"), ("celebahq", "celebahq_sample"), ("afhq", "afhq_sample"))
#: dataset of a preset family, with a bundled stand-in of the same domain when it is absent
FAMILY_DATASETS = {"mnist": ("mnist",), "fashion_mnist": ("fashion_mnist",), "cifar10": ("cifar10",),
                   "olivetti": ("olivetti",), "celeba": ("celebahq_sample", "olivetti"),
                   "afhq": ("afhq_sample", "cifar10")}
#: partner images of animorph: AFHQ when on disk, else the bundled Fashion-MNIST images (the
#: partner dataset of cold's MNIST animorph preset)
ANIMORPH_PARTNERS = ("afhq_sample", "fashion_mnist")
#: (channels, size) the forward view uses for a preset whose dataset family ``cold`` does not know
DEFAULT_GEOMETRY = (3, 64)
#: LRU sizes of computed comparisons, generations and strips (bounded memory)
COMPARE_CACHE = 8
GENERATE_CACHE = 6
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


def to_native(x: torch.Tensor) -> np.ndarray:
    """One image in [-1, 1] -> uint8 (H, W, C) with its own channels (1 for grey: a third of
    :func:`to_uint8`'s memory, for trajectories kept per session)."""
    a = to_uint8(x)
    return a[:, :, :1] if (x[0] if x.dim() == 4 else x).shape[0] == 1 else a


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


def rmse(a: torch.Tensor, b: torch.Tensor) -> float:
    """Root mean squared difference of two images in [-1, 1], in [0, 1] units:
    sqrt(mean(((a − b) / 2)²))."""
    return float((((a.double() - b.double()) / 2) ** 2).mean().sqrt())


def difference_image(a: np.ndarray, b: np.ndarray, amplify: float = AMPLIFY) -> np.ndarray:
    """|a − b| of two uint8 images in [0, 1] units (channel mean), times ``amplify``, as a grey
    uint8 (H, W, 3) image: white is a difference of 1/amplify or more."""
    d = np.abs(a.astype(np.int16) - b.astype(np.int16)).mean(axis=2) / 255.0
    g = np.clip(d * amplify * 255.0, 0, 255).round().astype(np.uint8)
    return np.repeat(g[:, :, None], 3, axis=2)


def swatch_chips(x_T: torch.Tensor, size: int = 64) -> list[np.ndarray]:
    """The x_T of a batch (n, C, H, W) as upscaled uint8 images (the s = T column)."""
    return [upscale(to_uint8(x), size) for x in x_T]


def load_image(src, channels: int, size: int, max_bytes: int = MAX_UPLOAD_MB * 2 ** 20,
               max_pixels: int = MAX_PIXELS) -> torch.Tensor:
    """:func:`cold.data.load_image` with its errors as :class:`InputError` for the user."""
    try:
        return cdata.load_image(src, channels, size, max_bytes=max_bytes, max_pixels=max_pixels)
    except cdata.ImageError as e:
        raise InputError(str(e)) from None


def _evenly(T: int, n: int, descending: bool = False) -> list[int]:
    """About ``n`` evenly spaced integers in 0..T, both ends included."""
    steps = sorted({int(round(s)) for s in np.linspace(0, T, min(n, T + 1))})
    return steps[::-1] if descending else steps


# ----------------------------------------------------------------------------- results
@dataclass
class Comparison:
    """Algorithm 1 vs TACoS from the same x_T; trajectories are indexed by s = 0..T.

    ``kind``: ``"generation"`` (x_T drawn from the model's prior: a GMM colour plus
    ``noise_std`` noise; the paper's Figure 2) or ``"restoration"`` (x_T = D(x0, T)).
    ``naive[s]`` / ``tacos[s]`` are (x_s, x̂0 at step s); at s = 0 both are the final image.
    ``reference`` is the image whose degradation path ``truth[s]`` = D(reference, s) the
    trajectories are measured against: x0 when there is one, else the final TACoS sample
    (generation has no x0).  ``dist_*[s]`` = rmse(x_s, D(reference, s)) in [0, 1] units.
    """

    model: str
    T: int
    kind: str
    x0: torch.Tensor | None
    x_T: torch.Tensor
    direct: torch.Tensor
    naive: list
    tacos: list
    truth: list
    reference: torch.Tensor
    reference_label: str
    dist_naive: list
    dist_tacos: list
    noise_std: float = 0.0
    source: str = ""                      # where x0 / x_T comes from, in words

    def frames(self, which: str, n: int = FRAMES) -> list[tuple[int, torch.Tensor]]:
        """About ``n`` evenly spaced (s, x_s) from s = T down to 0."""
        traj = self.naive if which == "naive" else self.tacos
        return [(s, traj[s][0]) for s in _evenly(self.T, n, descending=True)]

    def distances(self) -> dict:
        """The distances as JSON: ``s``, ``naive``, ``tacos`` (RMSE in [0, 1] units per s),
        ``reference`` (what D(·, s) is applied to) and ``metric``."""
        return {"s": list(range(self.T + 1)), "naive": [round(v, 5) for v in self.dist_naive],
                "tacos": [round(v, 5) for v in self.dist_tacos], "reference": self.reference_label,
                "metric": "rmse(x_s, D(reference, s)) in [0, 1] units"}


@dataclass
class Generation:
    """``n`` images generated from x_T (prior colour + ``noise_std`` noise, or a picked colour)
    by ``method``.  ``frames`` are about :data:`FRAMES` (s, x_s) from s = T down to s = 0 (the
    images); ``movie`` holds every step for GIFs: uint8 (len(steps), n, H, W, 3) at ``steps``
    (s = T, T−1, …, 0; just T and 0 for the direct sampler)."""

    model: str
    T: int
    x_T: torch.Tensor                     # (n, C, H, W)
    images: torch.Tensor                  # (n, C, H, W)
    frames: list = field(default_factory=list)  # [(s, x_s (n, C, H, W))], s = T..0
    method: str = "tacos"
    noise_std: float = 0.0
    steps: list = field(default_factory=list)
    movie: np.ndarray | None = None

    def trajectory_grid(self) -> np.ndarray:
        """Rows: images; columns: x_s from the solid colour (s = T) to the image (s = 0)."""
        rows = [[to_uint8(x[i]) for _, x in self.frames] for i in range(self.images.shape[0])]
        return upscale(tile(rows, pad=1), 1024)


@dataclass
class Strip:
    """The paper's Figure 1 for one image: ``forward`` (t, x_t) for t = 0..T, then ``backward``
    (s, x_s) from s = T down to 0 with ``method`` (s = 0 is the result)."""

    model: str
    T: int
    method: str
    forward: list
    backward: list
    noise_std: float = 0.0
    source: str = ""


@dataclass
class PriorColors:
    """The fitted GMM of a generation model (``means`` (K, C), ``covariances`` (K, C, C),
    ``weights`` (K,)) and the mean colours it is compared with: ``data`` (N, C) in [-1, 1] or
    None, and ``data_source`` saying what they are."""

    model: str
    means: np.ndarray
    covariances: np.ndarray
    weights: np.ndarray
    data: np.ndarray | None
    data_source: str


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


class _LRU:
    """A small thread-safe LRU cache."""

    def __init__(self, size: int):
        self.size = size
        self._d: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            if key in self._d:
                self._d.move_to_end(key)
                return self._d[key]
        return None

    def put(self, key, value):
        with self._lock:
            self._d[key] = value
            self._d.move_to_end(key)
            while len(self._d) > self.size:
                self._d.popitem(last=False)
        return value

    def __len__(self):
        return len(self._d)


# ----------------------------------------------------------------------------- the explorer
class Explorer:
    """Models, sample images and the computations of every view.  Thread-safe.

    Args:
        model_dir: directory of exported models (``<name>/config.json`` ...); default: cold's
            :func:`cold.checkpoint.models_dir` (``$COLD_MODEL_DIR``, a checkout's ``models/``, or
            the copy installed with the package).
        data_dir: data directory for dataset images (default: ``cold.data.data_dir()``, i.e.
            ``$COLD_DATA_DIR``); when a dataset's files are missing, the test images bundled with
            ``cold`` (:func:`cold.data.bundled_samples`) of the same dataset are used instead.
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
        self._datasets: dict = {}          # (dataset, ...) -> tensor (finite set of keys)
        self._colors: dict = {}            # model -> PriorColors (bounded by the model directory)
        self._inputs: OrderedDict = OrderedDict()  # small LRU of converted input files
        self._inputs_max = 32
        self._comparisons = _LRU(COMPARE_CACHE)
        self._generations = _LRU(GENERATE_CACHE)

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

    def default_compare_model(self) -> str | None:
        """The model the comparison view opens on: the first of :data:`PREFERRED_GENERATION`
        that is in the model directory, else any generation model, else a restoration model."""
        gen = self.model_names("generation")
        for name in PREFERRED_GENERATION:
            if name in gen:
                return name
        if gen:
            return gen[0]
        rest = self.model_names("restoration") or self.model_names()
        return rest[0] if rest else None

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

    @staticmethod
    def is_generation(m) -> bool:
        return m.prior is not None

    @staticmethod
    def noise_std_of(m) -> float:
        """The symmetry-breaking noise a generation model was made for (its config's
        ``prior.noise_std``; the paper's 0.002 when it names none)."""
        v = (m.config.get("prior") or {}).get("noise_std")
        return float(DEFAULT_NOISE_STD if v is None else v)

    def model_noise_std(self, name: str) -> float:
        """:meth:`noise_std_of` a model, read from its config without loading the weights."""
        from cold.checkpoint import CheckpointError, read_config

        check_choice("model", name, self.model_names())
        try:
            v = (read_config(self.model_dir / name).get("prior") or {}).get("noise_std")
        except CheckpointError:
            v = None
        return float(DEFAULT_NOISE_STD if v is None else v)

    # ------------------------------------------------------------------ images of a dataset
    def has_dataset(self, name: str) -> bool:
        """Whether the files of ``cold.data.dataset_info(name)`` are in the data directory."""
        try:
            files = cdata.dataset_info(name).files
        except ValueError:
            return False
        return bool(files) and all((self.data_dir / f).is_file() for f in files)

    def dataset_images(self, dataset: str, channels: int | None = None, size: int | None = None,
                       n: int = 8, split: str = "test") -> torch.Tensor:
        """The first ``n`` images of a dataset split (cached; raises FileNotFoundError if absent)."""
        key = ("disk", dataset, split, channels, size, n)
        if key not in self._datasets:
            x = cdata.load_images(dataset, split, n=n, image_size=size, channels=channels,
                                  data_dir=self.data_dir).clone()
            with self._lock:
                self._datasets[key] = x
            # cold.data memoises whole dataset files (CIFAR-10: ~180 MB); the explorer keeps
            # only these few images, so let the full arrays go.
            cdata.clear_cache()
        return self._datasets[key]

    def bundled_images(self, dataset: str, channels: int | None = None, size: int | None = None,
                       n: int | None = None) -> torch.Tensor:
        """The first ``n`` of the test images of ``dataset`` bundled with cold (cached)."""
        key = ("bundled", dataset, channels, size, n)
        if key not in self._datasets:
            try:
                x = cdata.bundled_samples(dataset, image_size=size, channels=channels).tensor(n).clone()
            except (ValueError, FileNotFoundError) as e:
                raise InputError(str(e)) from None
            with self._lock:
                self._datasets[key] = x
        return self._datasets[key]

    def test_images(self, dataset: str, channels: int, size: int, n: int = POOL) -> tuple[torch.Tensor, str]:
        """Test images of ``dataset`` at (channels, size) and where they come from: the data
        directory when the dataset is there, else the images bundled with cold.  A dataset that
        is neither (a folder of the user's, CelebA) raises :class:`InputError`."""
        if self.has_dataset(dataset):
            try:
                return self.dataset_images(dataset, channels, size, n), f"{dataset} test split ({self.data_dir})"
            except (FileNotFoundError, OSError, ValueError):
                pass
        if dataset in cdata.BUNDLED:
            x = self.bundled_images(dataset, channels, size)
            return x[:n], f"{dataset} test images bundled with cold ({x.shape[0]})"
        raise InputError(f"no test images of {dataset!r}: its files are not in {self.data_dir} and "
                         f"cold bundles none; upload an image instead")

    def model_dataset(self, m) -> str:
        return m.config["data"].get("dataset") or "folder"

    def model_images(self, m, n: int = POOL) -> torch.Tensor:
        """Test images of a model's dataset at its size (bundled with cold if the data is absent)."""
        C, S, _ = m.image_shape
        return self.test_images(self.model_dataset(m), C, S, n)[0]

    # ------------------------------------------------------------------ sample images (view 1)
    def _sample_sets(self) -> list[tuple[str, str, int]]:
        """(label, dataset, count) of the sample sets that are available."""
        sets = []
        for label, ds in SAMPLE_SETS:
            if ds in cdata.BUNDLED and cdata.BUNDLED_PATH.is_file():
                sets.append((label, ds, SAMPLES_PER_SET))
            elif self.has_dataset(ds):
                sets.append((label, ds, min(SAMPLES_PER_SET, cdata.dataset_info(ds).n_test or 4)))
        return sets

    def sample_names(self) -> list[str]:
        """Names of the sample images: ``"<set> #<i>"``, the real test images bundled with cold
        (MNIST, Fashion-MNIST, CIFAR-10, Olivetti), then CelebA-HQ / AFHQ samples when present."""
        return [f"{label} #{i}" for label, _, n in self._sample_sets() for i in range(n)]

    def _sample_tensor(self, name: str) -> torch.Tensor:
        check_choice("sample image", name, self.sample_names())
        label, _, which = name.partition(" #")
        ds, n = next((d, n) for lab, d, n in self._sample_sets() if lab == label)
        if ds in cdata.BUNDLED:
            x = self.bundled_images(ds, n=n)
        else:
            x = self.dataset_images(ds, n=n)
        return x[int(which)]

    def sample_image(self, name: str) -> np.ndarray:
        """A sample image at its own resolution, uint8 (H, W) or (H, W, 3)."""
        x = self._sample_tensor(name)
        a = to_uint8(x)
        return a[:, :, 0] if x.shape[0] == 1 else a

    def source_dataset(self, source: str) -> str | None:
        """The dataset whose images suit a degradation source: a model's own dataset, or the
        dataset of a preset's family (a bundled stand-in of the same domain when it is absent)."""
        if source.startswith(MODEL_PREFIX):
            from cold.checkpoint import CheckpointError, read_config

            name = source[len(MODEL_PREFIX):]
            if name in self._models:
                return self.model_dataset(self._models[name])
            try:  # the config only: choosing a sample must not load the weights
                return read_config(self.model_dir / name)["data"].get("dataset") or "folder"
            except (CheckpointError, KeyError, OSError):
                return None
        family = source.split("-")[0]
        for ds in FAMILY_DATASETS.get(family, ()):
            if ds in cdata.BUNDLED or self.has_dataset(ds):
                return ds
        return None

    def default_sample(self, source: str) -> str | None:
        """The first sample image of the dataset that suits ``source`` (None if there is none)."""
        ds = self.source_dataset(source)
        for label, d, n in self._sample_sets():
            if d == ds:
                return f"{label} #0"
        names = self.sample_names()
        return names[0] if names else None

    def sample_matches(self, name: str | None, source: str) -> bool:
        """Whether sample ``name`` is an image of the dataset that suits ``source``."""
        if not name:
            return False
        ds = self.source_dataset(source)
        label = name.partition(" #")[0]
        return any(lab == label and d == ds for lab, d, _ in self._sample_sets())

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

    @staticmethod
    def _image_key(image):
        """A cache key for an input image (a file: path, size, mtime); None: not cacheable."""
        if image is None:
            return "test"
        if isinstance(image, dict) and "path" in image:
            image = image["path"]
        if isinstance(image, (str, os.PathLike)) and Path(image).is_file():
            st = Path(image).stat()
            return (str(image), st.st_size, st.st_mtime_ns)
        return None

    # ------------------------------------------------------------------ degradation sources
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

    def sources(self) -> list[str]:
        """The degradation sources of the forward view: ``model:<name>`` for every model (its D
        as trained), then every preset of ``cold.DEGRADATION_PRESETS``."""
        return [MODEL_PREFIX + n for n in self.model_names()] + list(DEGRADATION_PRESETS)

    def _check_source(self, source) -> str:
        if isinstance(source, str) and source.startswith(MODEL_PREFIX):
            name = source[len(MODEL_PREFIX):]
            if name not in self.model_names():
                raise InputError(f"unknown model {name!r}; models in {self.model_dir}: "
                                 f"{', '.join(self.model_names()) or 'none'}")
            return source
        return check_choice("degradation preset", source, list(DEGRADATION_PRESETS))

    def source_geometry(self, source: str) -> tuple[int, int]:
        """(channels, size) x0 is converted to for a source: the model's, or the preset's."""
        self._check_source(source)
        if source.startswith(MODEL_PREFIX):
            C, S, _ = self.model(source[len(MODEL_PREFIX):]).image_shape
            return C, S
        return self.preset_geometry(source)

    def source_T(self, source: str) -> int:
        self._check_source(source)
        if source.startswith(MODEL_PREFIX):
            return self.model_T(source[len(MODEL_PREFIX):])
        return self.degradation_T(source)

    def degradation(self, source: str):
        """The degradation D of a source: a model's D, or a preset's (cached); animorph gets
        partner images (AFHQ when on disk, else the bundled Fashion-MNIST images)."""
        source = self._check_source(source)
        if source.startswith(MODEL_PREFIX):
            return self.model(source[len(MODEL_PREFIX):]).degradation
        preset = source
        if preset not in self._degradations:
            kw = {}
            if DEGRADATION_PRESETS[preset][0] == "animorph":
                C, S = self.preset_geometry(preset)
                kw["partners"] = self.partner_images(C, S)
            D = degradation_preset(preset, **kw)
            with self._lock:
                self._degradations[preset] = D
        return self._degradations[preset]

    def partner_images(self, channels: int, size: int) -> torch.Tensor:
        """Animorph partners at (channels, size): AFHQ samples, else bundled Fashion-MNIST."""
        disk, bundled = ANIMORPH_PARTNERS
        if self.has_dataset(disk):
            try:
                return self.dataset_images(disk, channels, size, 8)
            except (FileNotFoundError, OSError, ValueError):
                pass
        return self.bundled_images(bundled, channels, size, 8)

    def partner_source(self) -> str:
        """Where the animorph partner images z come from, in words."""
        disk, bundled = ANIMORPH_PARTNERS
        if self.has_dataset(disk):
            return f"{disk} images ({self.data_dir})"
        return f"{bundled} test images bundled with cold ({disk} is not in {self.data_dir})"

    # ------------------------------------------------------------------ view 1: forward
    def _forward_setup(self, image, source, seed):
        D = self.degradation(source)
        seed = check_int("seed", seed, 0, MAX_SEED)
        C, S = self.source_geometry(source)
        x0 = self.input_tensor(image, C, S)
        if source.startswith(MODEL_PREFIX):
            x0 = x0.to(self._device(self.model(source[len(MODEL_PREFIX):])))
        state = D.sample_state(x0, generator=torch.Generator().manual_seed(seed)) if D.random else None
        return D, x0, state

    @torch.no_grad()
    def forward_tensor(self, image, preset: str, t, seed=0) -> torch.Tensor:
        """x_t = D(x0, t, state) with the state drawn from ``seed``; (1, C, S, S).  ``preset``:
        a preset name or ``"model:<name>"`` (that model's D)."""
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
        return [(t, D(x0, t, state)) for t in _evenly(D.T, n)]

    @torch.no_grad()
    def forward_movie(self, image, preset: str, seed=0) -> list[tuple[int, np.ndarray]]:
        """Every x_t, t = 0..T (T + 1 frames), as (t, uint8 (H, W, 3)); one batched call of D."""
        D, x0, state = self._forward_setup(image, preset, seed)
        ts = torch.arange(D.T + 1, device=x0.device)
        xs = x0.expand(D.T + 1, *x0.shape[1:])
        if state is not None:
            from cold.degradations import index_state
            state = index_state(state, torch.zeros(D.T + 1, dtype=torch.long))
        out = D(xs, ts, state)
        return [(t, to_uint8(out[t])) for t in range(D.T + 1)]

    # ------------------------------------------------------------------ Figure 1
    @torch.no_grad()
    def strip(self, model: str, image=None, seed=0, method: str = "tacos", noise_std=None,
              n: int = 7) -> Strip:
        """The paper's Figure 1 for one image and a model: x0 (``image``, or test image number
        ``seed``) degraded by the model's D from t = 0 to T, then x_T brought back with
        ``method``.  Generation models start the way back from x_T plus ``noise_std`` noise
        (default: the model's, the broken symmetry of Section 5.2), so the result is a new
        image; restoration models restore x0."""
        from cold.sampling import sample

        m = self.model(model)
        seed = check_int("seed", seed, 0, MAX_SEED)
        check_choice("method", method, METHODS)
        D, R = m.degradation, m.model
        C, S, _ = m.image_shape
        dev = self._device(m)
        gen = self.is_generation(m)
        noise_std = (self.noise_std_of(m) if noise_std is None
                     else check_float("noise_std", noise_std, 0.0, MAX_NOISE_STD)) if gen else 0.0
        x0, source = self._x0(m, image, seed)
        x0 = x0.to(dev)
        g = torch.Generator().manual_seed(seed)
        state = D.sample_state(x0, generator=g) if D.random else None
        T = D.T
        forward = [(t, D(x0, t, state)) for t in _evenly(T, n)]
        x_T = forward[-1][1]
        if noise_std > 0:
            x_T = (x_T + noise_std * torch.randn(x_T.shape, generator=g, dtype=torch.float64)
                   .to(x_T.dtype).to(dev))
            forward[-1] = (T, x_T)
        keep = set(_evenly(T, n, descending=True)) - {T}
        seen = []

        def record(s, x_s, x0_hat):
            if s in keep:
                seen.append((s, x_s.clone()))

        out = sample(R, D, x_T, T, method=method, state=state, callback=record, generator=g)
        backward = seen + [(0, out)] if method != "direct" else [(0, out)]
        return Strip(model, T, method, forward, backward, noise_std, source)

    def _x0(self, m, image, seed: int) -> tuple[torch.Tensor, str]:
        """x0 for a model: the uploaded ``image`` at its size, or test image number ``seed``
        (mod the pool) of its dataset."""
        C, S, _ = m.image_shape
        if image is not None:
            return self.input_tensor(image, C, S), "your image"
        pool, where = self.test_images(self.model_dataset(m), C, S, POOL)
        i = seed % pool.shape[0]
        return pool[i][None], f"test image #{i} ({where})"

    # ------------------------------------------------------------------ view 2: compare
    @torch.no_grad()
    def compare(self, model: str, image=None, seed=0, noise_std=None) -> Comparison:
        """Algorithm 1 and TACoS from the same x_T (the paper's Figure 2 for generation models).

        Generation model, no ``image``: x_T is drawn from the model's prior with ``seed`` -- a
        GMM colour plus ``noise_std`` per-pixel noise (default: the model's own, 0.002), the
        same x_T for both samplers -- and the trajectories are measured against the path
        D(x̂, s) of the final TACoS sample x̂.  Otherwise x0 is ``image`` (converted to the
        model's size) or test image number ``seed`` of the model's dataset (bundled with cold
        when the data is absent), x_T = D(x0, T, state) (plus ``noise_std`` noise for
        generation models), and the yardstick is D(x0, s).  Both samplers run as one batch
        (:func:`cold.sampling.sample_side_by_side`).  Results are cached (LRU).
        """
        from cold.sampling import sample, sample_side_by_side

        m = self.model(model)
        seed = check_int("seed", seed, 0, MAX_SEED)
        gen = self.is_generation(m)
        if gen:
            noise_std = (self.noise_std_of(m) if noise_std is None
                         else check_float("noise_std", noise_std, 0.0, MAX_NOISE_STD))
        else:
            noise_std = 0.0
        ikey = self._image_key(image)
        key = (model, seed, noise_std, ikey)
        if ikey is not None:
            hit = self._comparisons.get(key)
            if hit is not None:
                return hit
        D, R = m.degradation, m.model
        C, H, W = m.image_shape
        dev = self._device(m)
        T = D.T
        g = torch.Generator().manual_seed(seed)
        if gen and image is None:
            x0 = None
            x_T, state = m.prior.start(D, 1, (C, H, W), noise_std=noise_std, generator=g, device=dev)
            source = (f"x_T drawn from the fitted prior (seed {seed}) + noise std {noise_std:g}")
        else:
            x0, source = self._x0(m, image, seed)
            x0 = x0.to(dev)
            state = D.sample_state(x0, generator=g) if D.random else None
            x_T = D(x0, T, state)
            if noise_std > 0:
                x_T = (x_T + noise_std * torch.randn(x_T.shape, generator=g, dtype=torch.float64)
                       .to(x_T.dtype).to(dev))
        direct = sample(R, D, x_T, T, method="direct", state=state)
        # Algorithm 1 and TACoS as one batch: one network call per step for both
        methods = ("naive", "tacos")
        B = x_T.shape[0]
        trajs = {k: [None] * (T + 1) for k in methods}

        def record(s, x_s, x0_hat):
            for i, k in enumerate(methods):
                trajs[k][s] = (x_s[i * B:(i + 1) * B].clone(), x0_hat[i * B:(i + 1) * B].clone())

        finals = sample_side_by_side(R, D, x_T, T, methods=methods, state=state, callback=record)
        for k in methods:
            trajs[k][0] = (finals[k], finals[k])
        if x0 is None:
            reference, label = trajs["tacos"][0][0], "the final TACoS sample"
        else:
            reference, label = x0, "x₀"
        truth = [D(reference, s, state) for s in range(T + 1)]
        dist = {k: [rmse(trajs[k][s][0], truth[s]) for s in range(T + 1)] for k in trajs}
        c = Comparison(model, T, "generation" if gen else "restoration", x0, x_T, direct,
                       trajs["naive"], trajs["tacos"], truth, reference, label,
                       dist["naive"], dist["tacos"], noise_std, source)
        return self._comparisons.put(key, c) if ikey is not None else c

    # ------------------------------------------------------------------ view 3: generate
    def generation_model(self, name: str):
        m = self.model(name)
        if m.prior is None:
            raise InputError(f"{name!r} is a restoration model without a generation prior; choose "
                             f"one of: {', '.join(self.model_names('generation')) or 'none'}")
        return m

    def start(self, model: str, n=8, noise_std=DEFAULT_NOISE_STD, seed=0):
        """The x_T that :meth:`generate` starts from (n, C, H, W) and the state of D: drawn from
        the model's prior with ``seed`` (``m.prior.start``).  The prior's colours are drawn before
        the noise, so ``noise_std = 0`` (perfect symmetry) and ``noise_std > 0`` (broken
        symmetry) with one seed start from the same colours."""
        m = self.generation_model(model)
        n = check_int("n", n, 1, MAX_SWATCHES)
        noise_std = check_float("noise_std", noise_std, 0.0, MAX_NOISE_STD)
        seed = check_int("seed", seed, 0, MAX_SEED)
        C, H, W = m.image_shape
        g = torch.Generator().manual_seed(seed)
        return m.prior.start(m.degradation, n, (C, H, W), noise_std=noise_std, generator=g,
                             device=self._device(m))

    def swatches(self, model: str, n=8, seed=0, noise_std=DEFAULT_NOISE_STD) -> tuple[torch.Tensor, np.ndarray]:
        """The x_T of the ``n`` images :meth:`generate` makes with the same (n, noise_std, seed):
        their colours (n, C) (the mean of each x_T) and an image of them as swatches (the s = T
        column of the trajectories, one chip per image)."""
        x_T, _ = self.start(model, n, noise_std, seed)
        colors = x_T.double().mean(dim=(2, 3)).float().cpu()
        chips = swatch_chips(x_T)
        per_row = min(len(chips), 8)
        rows = [chips[i:i + per_row] for i in range(0, len(chips), per_row)]
        return colors, tile(rows, pad=4)

    @torch.no_grad()
    def generate(self, model: str, n=8, noise_std=DEFAULT_NOISE_STD, seed=0, color=None,
                 method: str = "tacos", frames: int = FRAMES, steps=None) -> Generation:
        """Generate ``n`` images: x_T from the prior (:meth:`start`; or the solid ``color``, a
        C-vector in [-1, 1] or a "#rrggbb" string) plus ``noise_std`` Gaussian noise, then the
        sampler ``method`` (TACoS, Algorithm 1 "naive" or "direct") with ``steps`` = K network
        calls (strided sampling, our extension; None or T: all T steps, the paper).  Cached (LRU)."""
        from cold.sampling import sample, strided_schedule

        m = self.generation_model(model)
        n = check_int("n", n, 1, MAX_GENERATE)
        noise_std = check_float("noise_std", noise_std, 0.0, MAX_NOISE_STD)
        seed = check_int("seed", seed, 0, MAX_SEED)
        check_choice("method", method, METHODS)
        D, R = m.degradation, m.model
        steps = None if steps in (None, "") else check_int("steps", steps, 1, D.T)
        if steps == D.T:
            steps = None
        C, H, W = m.image_shape
        dev = self._device(m)
        key = (model, n, noise_std, seed, None if color is None else str(color), method, frames, steps)
        hit = self._generations.get(key)
        if hit is not None:
            return hit
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
        keep = set(_evenly(T, frames, descending=True))
        if steps is not None:  # strided: the frames are the steps taken (at most ``frames``)
            taken = strided_schedule(T, steps)[:-1]
            keep = {taken[i] for i in _evenly(len(taken) - 1, min(frames, len(taken)))}
        got, taken_steps, movie = [], [], []

        def record(s, x_s, x0_hat):
            taken_steps.append(s)
            movie.append(np.stack([to_uint8(x) for x in x_s]))
            if s in keep:
                got.append((s, x_s.clone()))

        x0 = sample(R, D, x_T, T, method=method, state=state, callback=record, generator=g, steps=steps)
        if method == "direct":
            got, taken_steps, movie = [(T, x_T)], [T], [np.stack([to_uint8(x) for x in x_T])]
        got.append((0, x0))
        taken_steps.append(0)
        movie.append(np.stack([to_uint8(x) for x in x0]))
        out = Generation(model, T, x_T, x0, got, method, noise_std, taken_steps, np.stack(movie))
        return self._generations.put(key, out)

    def prior_colors(self, model: str) -> PriorColors:
        """The fitted GMM of a generation model and the mean colours of its training images
        (``prior.fit_n`` evenly spaced ones of the train split, what the GMM was fitted on).  Without the
        dataset on disk: the mean colours of the bundled test images, or none."""
        m = self.generation_model(model)
        if model in self._colors:
            return self._colors[model]
        p = m.prior
        if not hasattr(p, "means") or p.means is None:
            raise InputError(f"the prior of {model!r} ({type(p).__name__}) is not a GMM of mean colours")
        C = m.image_shape[0]
        ds = self.model_dataset(m)
        fit_n = (m.config.get("prior") or {}).get("fit_n")
        data, where = None, f"the {ds} training set is not in {self.data_dir}: the GMM alone"
        if self.has_dataset(ds):
            try:
                d = cdata.load_dataset(ds, "train", data_dir=self.data_dir)
                imgs = d.images[test_indices(len(d.images), fit_n)] if fit_n else d.images
                means = _mean_colors(imgs)  # (N, C_native)
                if means.shape[1] != C:
                    means = means.mean(dim=1, keepdim=True) if C == 1 else means.expand(-1, C)
                data = means.numpy()
                where = f"mean colours of {len(data)} {ds} training images (what the GMM was fitted on)"
            except (FileNotFoundError, OSError, ValueError):
                pass
            cdata.clear_cache()
        if data is None and ds in cdata.BUNDLED:
            x = self.bundled_images(ds, C, None)
            data = x.double().mean(dim=(2, 3)).numpy()
            where = (f"the {ds} training set is not in {self.data_dir}: mean colours of the "
                     f"{len(data)} bundled test images instead")
        out = PriorColors(model, p.means.numpy(), p.covariances.numpy(), p.weights.numpy(), data, where)
        with self._lock:
            self._colors[model] = out
        return out

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
    def example_input(self, model: str, t=None, index=0) -> tuple[np.ndarray, str]:
        """A test image of the model's dataset (number ``index``; bundled with cold when the data
        is absent) degraded by the model's D to severity ``t`` (default T), at the model's
        resolution: uint8 (S, S) or (S, S, 3), and a sentence saying what it is."""
        m = self.model(model)
        D = m.degradation
        t = D.T if t is None else check_int("t", t, 0, D.T)
        index = check_int("index", index, 0, MAX_SEED)
        x0, source = self._x0(m, None, index)
        x0 = x0.to(self._device(m))
        state = D.sample_state(x0, generator=torch.Generator().manual_seed(index)) if D.random else None
        x = D(x0, t, state)
        a = to_uint8(x)
        return (a[:, :, 0] if x.shape[1] == 1 else a), f"{source}, degraded to t = {t}"

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
            noise = self.noise_std_of(m)
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


def _mean_colors(images: torch.Tensor, chunk: int = 4096) -> torch.Tensor:
    """Per-image channel means (N, C) in [-1, 1] of uint8 images (N, C, H, W), in chunks (a
    float64 copy of all 60,000 MNIST images at once would take 380 MB)."""
    parts = [images[i:i + chunk].double().mean(dim=(2, 3)) for i in range(0, images.shape[0], chunk)]
    return torch.cat(parts) / 127.5 - 1


def clean_readme(text: str) -> str:
    """A model's README.md for the card view: images that point at files next to it (which the
    page cannot load; the card shows the sample grid beside the text) are removed, and a table
    with an empty header row gets a readable one."""
    # a line that is only an image goes, but not the blank lines around it (a table followed by
    # an image and a caption must stay a table followed by a paragraph)
    text = re.sub(r"^[ \t]*!\[[^\]]*\]\((?!https?:)[^)]*\)[ \t]*$\n?", "", text, flags=re.M)
    text = re.sub(r"!\[[^\]]*\]\((?!https?:)[^)]*\)", "", text)
    return re.sub(r"^\|\s*\|\s*\|\s*\n(\|\s*-+\s*\|\s*-+\s*\|)", r"| property | value |\n\1", text,
                  flags=re.M)


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
