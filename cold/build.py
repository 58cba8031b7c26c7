"""From an experiment config to objects: D, R, the datasets, the prior, a model's test images.

An experiment config (:mod:`cold.presets`, stored as ``config.json`` with every checkpoint) is a
plain dict.  This module is the one place that turns it into objects:

* :func:`build_degradation` -- the degradation D (``degradation: {preset, overrides}``).
* :func:`build_model` -- the restoration network R (``model``: :class:`cold.UNet` kwargs).
* :func:`build_datasets` -- the training (or test) images and, for animorphosis, the partner
  images (``data``).
* :func:`build_prior` -- the (unfitted) generation prior of ``prior``, ``None`` for restoration.
* :func:`test_dataset` / :func:`test_images` -- a model's held-out images, never augmented
  (the one home every command, report and notebook uses).
* :func:`attach_partners` -- give an animorphosis D its partner images.

Experiment traits are explicit config fields, read through :func:`task` (``"restoration"`` or
``"generation"``), :func:`is_stand_in` and :func:`needs_partners`; configs written before these
fields existed fall back to what the rest of the config implies.
"""
from __future__ import annotations

import copy

import torch

__all__ = ["ConfigError", "build_degradation", "build_model", "build_datasets", "build_prior",
           "first_images", "images_at", "test_dataset", "test_images", "test_indices", "attach_partners", "task",
           "is_stand_in", "needs_partners"]

#: dataset names that read a folder of images given by ``data.folder`` / ``data.partners_folder``
FOLDER_DATASETS = ("folder", "celeba", "afhq")


class ConfigError(ValueError):
    """An experiment config that cannot be turned into objects (says which part and why)."""


# ----------------------------------------------------------------------------- traits
def task(cfg: dict) -> str:
    """``"generation"`` (the model starts from a prior over x_T) or ``"restoration"``."""
    if cfg.get("task") in ("generation", "restoration"):
        return cfg["task"]
    return "generation" if cfg.get("prior") or cfg.get("prior_fitted") else "restoration"


def is_stand_in(cfg: dict) -> bool:
    """Whether the experiment runs on an offline stand-in for the paper's dataset."""
    if "stand_in" in cfg:
        return bool(cfg["stand_in"])
    return "stand-in" in str(cfg.get("notes", ""))


def needs_partners(cfg: dict) -> bool:
    """Whether D draws its state from a second dataset (animorphosis)."""
    return bool((cfg.get("data") or {}).get("partners"))


# ----------------------------------------------------------------------------- objects
def build_degradation(cfg: dict):
    """D from an experiment config: ``cold.degradation_preset(preset, **overrides)``."""
    from .degradations import degradation_preset

    d = cfg.get("degradation")
    if not isinstance(d, dict) or "preset" not in d:
        raise ConfigError("config has no 'degradation' section with a 'preset'")
    try:
        return degradation_preset(d["preset"], **(d.get("overrides") or {}))
    except (KeyError, ValueError, TypeError) as e:
        raise ConfigError(f"invalid degradation in config: {e}") from None


def build_model(cfg: dict):
    """The restoration network R(x_t, t) (a :class:`cold.UNet`) of a config, untrained."""
    from .unet import UNet

    if not isinstance(cfg.get("model"), dict):
        raise ConfigError("config has no 'model' section")
    try:
        return UNet(**cfg["model"])
    except (TypeError, ValueError) as e:
        raise ConfigError(f"invalid model config: {e}") from None


def build_prior(cfg: dict):
    """The generation prior described by ``cfg["prior"]`` (not fitted yet), or ``None``."""
    from .priors import prior_from_config

    p = dict(cfg.get("prior") or {})
    if p.get("kind") == "partners" and not p.get("dataset"):
        p["dataset"] = (cfg.get("data") or {}).get("partners")
    return prior_from_config(p or None)


def build_datasets(cfg: dict, split: str | None = None):
    """The images of a config's ``data`` section and, for animorphosis, the partner images.

    Returns ``(dataset, partners)`` (``partners`` is ``None`` unless :func:`needs_partners`).
    Augmentation applies to the training split only; ``data.limit`` keeps the first images.
    """
    from . import data as cdata

    d = cfg["data"]
    split = split or d.get("split", "train")

    def one(name, folder, key):
        if name in FOLDER_DATASETS and folder is None:
            raise ConfigError(f"preset {cfg.get('name')!r} reads a folder of images that is not available "
                              f"offline: pass it with --set data.{key}=/path/to/images (or use a "
                              f"cifar10-*/mnist-* stand-in preset)")
        if name in FOLDER_DATASETS:
            name = "folder"
        return cdata.load_dataset(name, split=split, image_size=d["image_size"], channels=d["channels"],
                                  augment=bool(d.get("augment")) and split == "train", folder=folder)

    ds = one(d["dataset"], d.get("folder"), "folder")
    partners = None
    if needs_partners(cfg):
        partners = one(d["partners"], d.get("partners_folder"), "partners_folder")
    limit = d.get("limit")
    if limit:
        ds = torch.utils.data.Subset(ds, range(min(int(limit), len(ds))))
        if partners is not None:
            partners = torch.utils.data.Subset(partners, range(min(int(limit), len(partners))))
    return ds, partners


def first_images(ds, n: int) -> torch.Tensor:
    """The first ``n`` images of a dataset as one batch (N, C, H, W)."""
    return images_at(ds, range(min(int(n), len(ds))))


# ----------------------------------------------------------------------------- test images
def _cfg(model_or_cfg) -> dict:
    return model_or_cfg if isinstance(model_or_cfg, dict) else model_or_cfg.config


def test_dataset(model_or_cfg, split: str = "test"):
    """The held-out images of a model (or config): its dataset at its size, never augmented and
    without the training-subset ``limit`` of smoke runs."""
    cfg = copy.deepcopy(_cfg(model_or_cfg))
    cfg["data"]["augment"] = False
    cfg["data"].pop("limit", None)
    ds, _ = build_datasets(cfg, split=split)
    return ds


def test_indices(length: int, n: int) -> list[int]:
    """``n`` evenly spaced indices into a split of ``length`` images (all of them if n >= length):
    index floor(i * length / n), so class-sorted splits (CIFAR-10) are covered evenly.  The
    evaluation subset, and the images a prior with ``fit_n`` is fitted on."""
    n = min(int(n), int(length))
    return [i * length // n for i in range(n)]


def test_images(model_or_cfg, n: int, split: str = "test", spread: bool = True) -> torch.Tensor:
    """``n`` held-out images (N, C, H, W) in [-1, 1] of a model: evenly spaced over the split
    (:func:`test_indices`, the evaluation subset), or the first ``n`` with ``spread=False``."""
    ds = test_dataset(model_or_cfg, split)
    idx = test_indices(len(ds), n) if spread else list(range(min(int(n), len(ds))))
    return images_at(ds, idx)


def images_at(ds, idx) -> torch.Tensor:
    """Items ``idx`` of a dataset as one float batch (one batched read where the dataset has one)."""
    getitems = getattr(ds, "__getitems__", None)
    items = getitems(list(idx)) if getitems is not None else [ds[i] for i in idx]
    return torch.stack(list(items)).float()


def attach_partners(m, n_max: int = 256, split: str = "test") -> None:
    """Give an animorphosis model's D partner images to draw its state from (no-op otherwise)."""
    D = m.degradation
    if not needs_partners(m.config) or getattr(D, "partners", None) is not None:
        return
    cfg = copy.deepcopy(m.config)
    cfg["data"]["augment"] = False
    cfg["data"].pop("limit", None)
    _, partners = build_datasets(cfg, split=split)
    D.set_partners(first_images(partners, n_max))
