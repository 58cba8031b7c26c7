"""Training presets: one per experiment of the paper, each at three scales.

A preset is a complete experiment config (a plain dict, stored as JSON with every checkpoint):

* ``degradation``: ``{"preset": <degradation preset>, "overrides": {...}}`` (see
  :data:`cold.DEGRADATION_PRESETS`)
* ``data``: ``{"dataset", "image_size", "channels", "augment", "folder", "partners"}``
* ``model``: the :class:`cold.UNet` keyword arguments
* ``train``: optimiser and schedule (Appendix A: Adam lr 2e-5, batch 32, gradient accumulation
  2, EMA decay 0.995 updated every 10 steps)
* ``prior``: for generation models, the distribution of x_T fitted on the training set
  (Section 5.2 GMM of mean colours, 5.3 low-resolution Gaussian / random colour), else ``None``

Scales:

* ``smoke`` -- seconds; for tests and CI.  Tiny U-Net, a handful of steps.
* ``cpu``   -- a real, visibly working model on 2 CPU cores in at most 30 minutes.  Where the
  paper's degradation is too severe to learn in that budget the cpu scale says so in
  ``notes`` and changes it explicitly (e.g. the MNIST blur of σ = 7 becomes σ = 0.35 + 0.01 t,
  T = 20), so a cpu-scale model is never mistaken for the paper's.
* ``paper`` -- the paper's settings (for a GPU): 700k steps (60k for inpainting, batch 64).

Stand-ins: CelebA and AFHQ are not available offline.  Their presets read a folder of images
(``--set data.folder=/path/to/celeba``); the ``cifar10-*`` generation presets and
``mnist-animorph`` (MNIST -> Fashion-MNIST) are explicit offline stand-ins, never silent
substitutions.
"""
from __future__ import annotations

import copy
import json

from .utils import parse_value

SCALES = ("smoke", "cpu", "paper")

PAPER_TRAIN = dict(steps=700_000, batch_size=32, grad_accum=2, lr=2e-5, warmup=0,
                   ema_decay=0.995, ema_every=10, ema_start=2000, grad_clip=None,
                   mixed_precision="no", seed=0, save_every=5000, sample_every=5000,
                   log_every=100, keep_checkpoints=2, num_workers=0)

CPU_TRAIN = dict(PAPER_TRAIN, steps=4000, batch_size=32, grad_accum=1, lr=2e-4, warmup=100,
                 ema_decay=0.995, ema_every=1, ema_start=200, grad_clip=1.0,
                 mixed_precision="no", save_every=500, sample_every=1000, log_every=25)

SMOKE_TRAIN = dict(PAPER_TRAIN, steps=6, batch_size=4, grad_accum=1, lr=1e-3, warmup=0,
                   ema_decay=0.9, ema_every=1, ema_start=0, grad_clip=1.0,
                   mixed_precision="no", save_every=3, sample_every=6, log_every=1)

# U-Nets: the paper's (lucidrains) width 64 with multipliers (1, 2, 4, 8); for CIFAR-10 the
# authors use the DDPM CIFAR-10 network instead (ch 128, mults 1,2,2,2, two residual blocks per
# level, attention at 16 px, dropout 0.1); smaller ones on CPU.
PAPER_UNET = dict(dim=64, dim_mults=(1, 2, 4, 8))
PAPER_UNET_CIFAR10 = dict(dim=128, dim_mults=(1, 2, 2, 2), num_res_blocks=2, attn_levels=(1,),
                          dropout=0.1)
CPU_UNET = dict(dim=32, dim_mults=(1, 2, 2))
SMOKE_UNET = dict(dim=8, dim_mults=(1, 2))

# dataset name -> (training size, channels).  MNIST (and Fashion-MNIST, its animorphosis
# partner) is resized from 28 to 32 px as in the authors' code: the paper's Degraded columns
# and its 4x4 super-resolution x_T are for 32 px digits (docs/fidelity.md).
_DATA = {
    "mnist": ("mnist", 32, 1),
    "fashion_mnist": ("fashion_mnist", 32, 1),
    "cifar10": ("cifar10", 32, 3),
    "olivetti": ("olivetti", 32, 1),
    "celeba": ("folder", 128, 3),
    "afhq": ("folder", 128, 3),
}


def data_geometry(family: str) -> tuple[int, int]:
    """(channels, image size) that the presets of a dataset family train at: the one home of
    dataset geometry (``"mnist"`` -> (1, 32), ``"cifar10"`` -> (3, 32), ``"celeba"`` -> (3, 128)).

    ``family`` is a dataset name or the first word of a preset name (``"mnist-blur"`` ->
    ``"mnist"``); unknown families raise ``ValueError``."""
    key = family.split("-")[0]
    if key not in _DATA:
        raise ValueError(f"unknown dataset family {family!r}; choose one of {', '.join(_DATA)}")
    _, size, channels = _DATA[key]
    return channels, size


def _data(key, augment=False, **extra):
    dataset, size, channels = _DATA[key]
    d = dict(dataset=dataset, image_size=size, channels=channels, augment=augment, folder=None,
             partners=None, split="train")
    d.update(extra)
    return d


def _preset(name, degradation, data, prior=None, section="", notes="", cpu=None, paper=None,
            smoke=None, stand_in=False):
    """A preset: a base config plus per-scale overrides (nested dicts merged).

    Experiment traits are explicit fields: ``task`` ("generation" when there is a prior over
    x_T, else "restoration") and ``stand_in`` (an offline dataset in place of the paper's); the
    need for partner images is ``data.partners``."""
    base = dict(name=name, section=section, notes=notes, stand_in=bool(stand_in),
                task="generation" if prior else "restoration",
                degradation=dict(preset=degradation, overrides={}),
                data=data, prior=prior)
    return dict(base=base, smoke=smoke or {}, cpu=cpu or {}, paper=paper or {})


# Restoration (Section 4, Appendix A.1-A.5).  CIFAR-10 uses random crop + flip as the paper.
PRESETS: dict[str, dict] = {}


def _add(p):
    PRESETS[p["base"]["name"]] = p


_EASY_MNIST_BLUR = dict(schedule="linear", sigma_start=0.36, sigma_rate=0.01, T=20)
_add(_preset("mnist-blur", "mnist-blur", _data("mnist"), section="4.1",
             notes="cpu scale: sigma = 0.35 + 0.01 t, T = 20 instead of the paper's sigma = 7, T = 40 "
                   "(a flat grey square that needs far more than 30 CPU minutes to learn)",
             cpu=dict(degradation=dict(overrides=_EASY_MNIST_BLUR), train=dict(steps=1000)),
             smoke=dict(degradation=dict(overrides=_EASY_MNIST_BLUR))))
_add(_preset("cifar10-blur", "cifar10-blur", _data("cifar10", augment=True), section="4.1"))
_add(_preset("celeba-blur", "celeba-blur", _data("celeba"), section="4.1"))
for ds in ("mnist", "cifar10", "celeba"):
    _add(_preset(f"{ds}-inpaint", f"{ds}-inpaint", _data(ds, augment=ds == "cifar10"), section="4.2",
                 paper=dict(train=dict(steps=60_000, batch_size=64))))
    _add(_preset(f"{ds}-super_resolution", f"{ds}-super_resolution",
                 _data(ds, augment=ds == "cifar10"), section="4.3"))
for ds in ("cifar10", "celeba"):
    _add(_preset(f"{ds}-snow", f"{ds}-snow", _data(ds, augment=ds == "cifar10"), section="4.4"))
    _add(_preset(f"{ds}-desaturate", f"{ds}-desaturate", _data(ds, augment=ds == "cifar10"),
                 section="A.4"))

# Generation (Section 5).
# fit_n None: the prior is fitted on the whole training set, as the authors do.
_GMM = dict(kind="mean_color_gmm", n_components=1, fit_n=None, noise_std=0.002)
for ds in ("celeba", "afhq"):
    _add(_preset(f"{ds}-blur-generation", f"{ds}-blur-generation", _data(ds), prior=_GMM,
                 section="5.2"))
_CIFAR_GEN_BLUR = dict(T=100)
_add(_preset("cifar10-blur-generation", "celeba-blur-generation", _data("cifar10", augment=True),
             prior=_GMM, section="5.2",
             stand_in=True, notes="offline stand-in for CelebA/AFHQ 128 px: CIFAR-10 at 32 px with the paper's "
                   "27x27 kernels and sigma = e^{0.01 (t - 1)}; T = 100 already blurs 32 px images to "
                   "their mean colour (the paper's T = 300 is for 128 px)",
             cpu=dict(degradation=dict(overrides=_CIFAR_GEN_BLUR), train=dict(steps=4000)),
             smoke=dict(degradation=dict(overrides=_CIFAR_GEN_BLUR)),
             paper=dict(degradation=dict(overrides=_CIFAR_GEN_BLUR))))
# Small generation models that show Figure 2 on a CPU: digits and faces generated from a
# solid grey level.  The paper's generation blur (27x27 kernels, sigma = e^{0.01 (t - 1)},
# circular, x_T = the mean) with T = 80, which blurs 32 px images to within a few percent of
# their mean before the last step.
_SMALL_GEN_BLUR = dict(T=80)
# MNIST's symmetry-breaking noise is ours: 0.0002.  At 32 px and T = 80 the structure left in
# x_{T-1} is only ~0.007 (RMS), so the paper's 0.002 (for 128 px, T = 300) breaks the digits into
# strokes; 0.0002 keeps them recognisable and still spreads the samples over the classes
# (measured in models/mnist-blur-generation/README.md).
_add(_preset("mnist-blur-generation", "celeba-blur-generation", _data("mnist"),
             prior=dict(_GMM, noise_std=0.0002), section="5.2", stand_in=True,
             notes="offline teaching stand-in for CelebA/AFHQ: MNIST digits (32 px, grey) generated from "
                   "a grey level, the paper's 27x27 kernels and sigma = e^{0.01 (t - 1)}, T = 80; "
                   "symmetry-breaking noise 0.0002 (the paper's 0.002 breaks 32 px digits into strokes)",
             cpu=dict(degradation=dict(overrides=_SMALL_GEN_BLUR), train=dict(steps=6000)),
             smoke=dict(degradation=dict(overrides=_SMALL_GEN_BLUR)),
             paper=dict(degradation=dict(overrides=_SMALL_GEN_BLUR))))
_add(_preset("olivetti-blur-generation", "celeba-blur-generation", _data("olivetti"), prior=_GMM,
             section="5.2", stand_in=True,
             notes="offline stand-in for CelebA: the 320 Olivetti training faces (40 people, 8 each; "
                   "64 px resized to 32 px, grey) generated from a grey level, the paper's 27x27 "
                   "kernels and sigma = e^{0.01 (t - 1)}, T = 80; so few faces mean samples close "
                   "to the training faces",
             cpu=dict(degradation=dict(overrides=_SMALL_GEN_BLUR), train=dict(steps=4000)),
             smoke=dict(degradation=dict(overrides=_SMALL_GEN_BLUR)),
             paper=dict(degradation=dict(overrides=_SMALL_GEN_BLUR))))
_add(_preset("celeba-noise", "celeba-noise", _data("celeba"), prior=dict(kind="gaussian_noise"),
             section="5.1"))
_add(_preset("cifar10-noise", "celeba-noise", _data("cifar10", augment=True),
             prior=dict(kind="gaussian_noise"), section="5.1",
             stand_in=True, notes="offline stand-in for CelebA: CIFAR-10 at 32 px"))
_RC = dict(kind="random_color")
_add(_preset("celeba-inpaint-generation", "celeba-inpaint-generation", _data("celeba"), prior=_RC,
             section="5.3"))
_add(_preset("cifar10-inpaint-generation", "celeba-inpaint-generation",
             _data("cifar10", augment=True), prior=_RC, section="5.3",
             stand_in=True, notes="offline stand-in for CelebA: CIFAR-10 at 32 px; the geometric mask schedule "
                   "ends at beta = 32^2 so the final mask covers the image",
             smoke=dict(degradation=dict(overrides=dict(beta_end=1024.0))),
             cpu=dict(degradation=dict(overrides=dict(beta_end=1024.0))),
             paper=dict(degradation=dict(overrides=dict(beta_end=1024.0)))))
_LOWRES = dict(kind="low_res_gaussian", fit_n=None, noise_std=0.0)
_add(_preset("celeba-super_resolution-generation", "celeba-super_resolution", _data("celeba"),
             prior=_LOWRES, section="5.3"))
_add(_preset("cifar10-super_resolution-generation", "cifar10-super_resolution",
             _data("cifar10", augment=True), prior=_LOWRES, section="5.3",
             stand_in=True, notes="offline stand-in for CelebA: CIFAR-10 32 px down to 4x4"))
_add(_preset("celeba-animorph", "celeba-animorph", _data("celeba", partners="afhq"),
             prior=dict(kind="partners"), section="5.3",
             notes="needs data.folder (CelebA) and data.partners_folder (AFHQ)"))
_add(_preset("mnist-animorph", "celeba-animorph",
             _data("mnist", partners="fashion_mnist"), prior=dict(kind="partners"), section="5.3",
             stand_in=True, notes="offline stand-in for CelebA -> AFHQ: MNIST digits turn into Fashion-MNIST items"))


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def preset_config(name: str, scale: str = "cpu") -> dict:
    """The complete experiment config of training preset ``name`` at ``scale``."""
    if name not in PRESETS:
        raise ValueError(f"unknown training preset {name!r}; choose one of {', '.join(PRESETS)}")
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    p = PRESETS[name]
    train = {"smoke": SMOKE_TRAIN, "cpu": CPU_TRAIN, "paper": PAPER_TRAIN}[scale]
    unet = {"smoke": SMOKE_UNET, "cpu": CPU_UNET, "paper": PAPER_UNET}[scale]
    if scale == "paper" and p["base"]["data"]["dataset"] == "cifar10":
        unet = PAPER_UNET_CIFAR10
    cfg = _merge(p["base"], dict(train=dict(train), model=dict(unet), scale=scale))
    cfg["model"]["channels"] = cfg["data"]["channels"]
    cfg = _merge(cfg, p[scale])
    if scale == "smoke":
        cfg["data"]["limit"] = 64  # a few images are enough to smoke-test the pipeline
        if cfg.get("prior") and "fit_n" in cfg["prior"]:
            cfg["prior"]["fit_n"] = 64
    return json.loads(json.dumps(cfg))  # plain JSON types (tuples -> lists)


#: keys a config may gain through ``--set`` although its preset does not list them
OPTIONAL_KEYS = {
    "train": {"channels_last", "init_from"},
    "data": {"partners_folder", "limit", "folder", "partners"},
    "model": {"channels", "dim", "dim_mults", "num_res_blocks", "attn_levels", "mid_attn", "attn_heads",
              "attn_dim_head", "dropout", "groups", "out_channels"},
    "prior": {"kind", "n_components", "fit_n", "noise_std", "dataset"},
}
#: sections whose keys are free (checked later by the object they configure)
OPEN_SECTIONS = ("degradation.overrides",)
#: lower bounds of numeric settings (a value below is refused with the key in the message)
MINIMUM = {"train.steps": 1, "train.batch_size": 1, "train.grad_accum": 1, "train.save_every": 1,
           "train.sample_every": 1, "train.log_every": 1, "train.ema_every": 1,
           "train.keep_checkpoints": 1, "train.num_workers": 0, "train.warmup": 0, "train.ema_start": 0,
           "data.limit": 1, "data.image_size": 1, "data.channels": 1}
POSITIVE = {"train.lr"}


def _all_keys(cfg: dict, prefix: str = "") -> list[str]:
    out = []
    for k, v in cfg.items():
        key = f"{prefix}{k}"
        out.append(key)
        if isinstance(v, dict):
            out += _all_keys(v, key + ".")
    for section, extra in OPTIONAL_KEYS.items():
        if not prefix and section in cfg:
            out += [f"{section}.{k}" for k in extra]
    return sorted(set(out))


def _kind(v) -> str:
    if isinstance(v, bool):
        return "true or false"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "a list such as [1,2]"
    if isinstance(v, dict):
        return "a section"
    return type(v).__name__


def _check_value(key: str, old, new):
    """``new`` converted to the type of the preset's value ``old``, or a ValueError naming ``key``."""
    import math

    if isinstance(new, str) and isinstance(old, (int, float)) and not isinstance(old, bool):
        try:  # nan, inf: refused below as not finite
            new = float(new)
        except ValueError:
            pass
    if new is None and key not in MINIMUM and key not in POSITIVE:
        return None  # null: "not set" (e.g. train.grad_clip=null, prior.fit_n=null)
    if isinstance(new, float) and not math.isfinite(new):
        raise ValueError(f"{key} must be a finite number, got {new!r}")
    if old is not None and not isinstance(old, dict):
        if isinstance(old, bool):
            if not isinstance(new, bool):
                raise ValueError(f"{key} must be true or false, got {new!r}")
        elif isinstance(old, int):
            if isinstance(new, float) and new.is_integer():
                new = int(new)
            if isinstance(new, bool) or not isinstance(new, int):
                raise ValueError(f"{key} must be a whole number, got {new!r}")
        elif isinstance(old, float):
            if isinstance(new, bool) or not isinstance(new, (int, float)):
                raise ValueError(f"{key} must be a number, got {new!r}")
            new = float(new)
        elif isinstance(old, list):
            if not isinstance(new, list):
                raise ValueError(f"{key} must be a list such as [1,2], got {new!r}")
        elif isinstance(old, str):
            if not isinstance(new, str):
                new = str(new) if not isinstance(new, (list, dict)) else new
                if not isinstance(new, str):
                    raise ValueError(f"{key} must be a string, got {new!r}")
    if isinstance(new, dict):
        raise ValueError(f"{key}: set the keys of a section one by one (e.g. --set {key}.KEY=VALUE)")
    if key in MINIMUM and new is not None:
        if isinstance(new, bool) or not isinstance(new, (int, float)) or (isinstance(new, float)
                                                                       and not new.is_integer()):
            raise ValueError(f"{key} must be a whole number, got {new!r}")
        new = int(new)
        if new < MINIMUM[key]:
            raise ValueError(f"{key} must be at least {MINIMUM[key]}, got {new}")
    if key in POSITIVE and (isinstance(new, bool) or not isinstance(new, (int, float)) or new <= 0):
        raise ValueError(f"{key} must be a positive number, got {new!r}")
    return new


def apply_overrides(cfg: dict, sets: list[str] | None) -> dict:
    """Apply ``key.path=value`` overrides (values parsed as JSON when possible, else strings).

    ``train.steps=100``, ``degradation.overrides.T=20``, ``data.folder=/data/celeba``,
    ``model.dim_mults=[1,2,4]``.  Keys must exist in the preset's config (or be one of
    :data:`OPTIONAL_KEYS`; ``degradation.overrides.*`` is free): an unknown key is an error that
    suggests the closest valid one.  Values must have the type of the preset's value (a number
    for ``train.lr``, a whole number for ``train.steps``), be finite, and respect
    :data:`MINIMUM` (``train.steps``, ``train.batch_size``, ``train.grad_accum`` >= 1).
    """
    import difflib

    cfg = copy.deepcopy(cfg)
    valid = _all_keys(cfg)
    for item in sets or []:
        if "=" not in item:
            raise ValueError(f"--set expects key=value, got {item!r}")
        key, value = item.split("=", 1)
        key = key.strip()
        parts = key.split(".")
        if parts[0] not in cfg:
            close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
            raise ValueError(f"--set {key}: unknown section {parts[0]!r}; "
                             + (f"did you mean {close[0]}? " if close else "")
                             + f"sections are {', '.join(sorted(cfg))}")
        open_section = any(key.startswith(s + ".") and len(parts) > len(s.split(".")) for s in OPEN_SECTIONS)
        if not open_section and key not in valid:
            close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]}?" if close else \
                f"; valid keys start with {', '.join(sorted(k for k in cfg if isinstance(cfg[k], dict)))}"
            raise ValueError(f"--set {key}: unknown key{hint}")
        node = cfg
        for p in parts[:-1]:
            if node.get(p) is None:
                node[p] = {}
            if not isinstance(node[p], dict):
                raise ValueError(f"--set {key}: {p!r} is not a section")
            node = node[p]
        if isinstance(node.get(parts[-1]), dict):
            raise ValueError(f"--set {key}: {key} is a section; set its keys one by one "
                             f"(e.g. --set {key}.KEY=VALUE)")
        node[parts[-1]] = _check_value(key, node.get(parts[-1]), parse_value(value))
    return cfg
