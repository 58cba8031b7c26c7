"""Checkpoints: safe to load, atomic to write, complete enough to resume exactly.

A checkpoint is a directory::

    config.json           the complete experiment config (degradation preset and kwargs, U-Net,
                          data, training), the step, the fitted prior and run metadata
    model.safetensors     the restoration network R (online weights)
    ema.safetensors       the exponential moving average of R (what sampling uses by default)
    training_state.pt     optimiser, LR scheduler, EMA counters and RNG states for resuming;
                          tensors and plain types only, read with torch.load(weights_only=True)

A training run directory holds ``checkpoints/step-NNNNNNN/`` and a ``latest`` file naming the
newest complete one.  A checkpoint is written into a temporary directory, flushed to disk and
renamed into place, and only then is ``latest`` replaced (write + os.replace), so a crash or
``kill -9`` at any moment leaves the previous checkpoint intact.

Nothing is ever unpickled: weights are safetensors, configs JSON, and the training state is
loaded with ``weights_only=True``.
"""
from __future__ import annotations

import errno
import io
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from . import build as _build
from .utils import atomic_path, atomic_write_text, fsync_dir

CONFIG = "config.json"
MODEL = "model.safetensors"
EMA = "ema.safetensors"
STATE = "training_state.pt"
LATEST = "latest"


class CheckpointError(RuntimeError):
    """A checkpoint is missing, corrupt, truncated or does not match its config."""


# ----------------------------------------------------------------------------- locations
def models_dir() -> Path:
    """Where shipped models live (``cold.load(name)``, ``cold explore`` and the reports look here).

    The first of:

    1. ``$COLD_MODEL_DIR``, when set (used as given, even if it does not exist);
    2. ``models/`` of the source tree, when ``cold`` runs from a checkout or an editable install
       (the directory above the ``cold`` package holds ``pyproject.toml`` and ``models/``);
    3. the installed copy, ``cold/models/`` inside the installed package: ``pip install .`` and
       wheels ship the repository's ``models/`` there as package data (see pyproject.toml).

    Without any of these it returns the installed location, which then does not exist (and
    :func:`shipped_models` is empty).
    """
    env = os.environ.get("COLD_MODEL_DIR")
    if env:
        return Path(env)
    package = Path(__file__).resolve().parent
    source = package.parent / "models"
    if source.is_dir() and (package.parent / "pyproject.toml").is_file():
        return source
    return package / "models"


def display_path(path, root=None) -> str:
    """How reports name a checkpoint: ``models/NAME`` for a shipped model, else relative to
    ``root`` (default: the working directory) when inside it, else absolute (never a path of the
    machine that ran it when that can be avoided)."""
    p = Path(path).resolve()
    base = Path(root or Path.cwd()).resolve()
    for root, prefix in ((models_dir().resolve(), "models"), (base, None)):
        try:
            rel = p.relative_to(root)
        except ValueError:
            continue
        return (Path(prefix) / rel).as_posix() if prefix else (rel.as_posix() or ".")
    return str(p)


def shipped_models() -> list[str]:
    """Names of the shipped default models (``cold.load(name)`` finds them): the directories of
    :func:`models_dir` that hold a ``config.json``."""
    root = models_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir()  # hidden: an export in progress (or killed)
                  if not p.name.startswith(".") and (p / CONFIG).is_file())


def resolve(path_or_name: str | os.PathLike) -> Path:
    """The checkpoint directory for a shipped model name, a run directory, a checkpoint
    directory or a file inside one."""
    p = Path(path_or_name).expanduser()
    if not p.exists():
        named = models_dir() / str(path_or_name)
        if isinstance(path_or_name, str) and os.sep not in path_or_name and (named / CONFIG).is_file():
            return named
        known = ", ".join(shipped_models()) or "none found in " + str(models_dir())
        raise CheckpointError(f"no checkpoint at {str(path_or_name)!r} (not a path, and not a "
                              f"shipped model name; shipped models: {known})")
    if p.is_file():
        p = p.parent
    if (p / LATEST).is_file():
        rel = (p / LATEST).read_text().strip()
        target = p / rel
        if not (target / CONFIG).is_file():
            raise CheckpointError(f"{p / LATEST} points to {rel!r}, which is not a complete checkpoint")
        return target
    if not (p / CONFIG).is_file():
        raise CheckpointError(f"{p} is not a checkpoint: it has no {CONFIG} (and no {LATEST} file)")
    return p


# ----------------------------------------------------------------------------- writing
def _state_dict_cpu(sd: dict, dtype: torch.dtype | None = None) -> dict:
    out = {}
    for k, v in sd.items():
        v = v.detach().to("cpu")
        if dtype is not None and v.is_floating_point():
            v = v.to(dtype)
        out[k] = v.contiguous()
    return out


def write_checkpoint(directory: Path, config: dict, model_sd: dict, ema_sd: dict | None = None,
                     training_state: dict | None = None, dtype: torch.dtype | None = None) -> Path:
    """Write a checkpoint directory atomically (temporary directory, fsync, rename)."""
    from safetensors.torch import save as save_tensors

    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", suffix=".tmp", dir=directory.parent))
    try:
        # every file is serialised in memory and written with plain file I/O, so that a full
        # disk is an OSError (ENOSPC) and not a library-specific error
        _write_bytes(tmp / MODEL, save_tensors(_state_dict_cpu(model_sd, dtype)))
        if ema_sd is not None:
            _write_bytes(tmp / EMA, save_tensors(_state_dict_cpu(ema_sd, dtype)))
        if training_state is not None:
            buf = io.BytesIO()
            torch.save(training_state, buf)
            _write_bytes(tmp / STATE, buf.getvalue())
        _write_bytes(tmp / CONFIG, (json.dumps(config, indent=2, sort_keys=True) + "\n").encode())
        fsync_dir(tmp)
        os.chmod(tmp, 0o755)  # mkdtemp creates 0700 directories
        if directory.exists():  # re-saving the same step: move the old one away first
            old = directory.with_name(f".{directory.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(directory, old)
            os.replace(tmp, directory)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, directory)
        fsync_dir(directory.parent)
    except BaseException as e:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(e, OSError) and e.errno == errno.ENOSPC:
            raise CheckpointError(f"no space left on device while writing {directory}; nothing was "
                                  f"changed (free some space and run again)") from None
        raise
    return directory


def _write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file and fsync it."""
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def save_run_checkpoint(run_dir: Path, step: int, config: dict, model_sd: dict, ema_sd: dict,
                        training_state: dict, keep: int = 2) -> Path:
    """Save ``checkpoints/step-NNNNNNN`` in a run directory, point ``latest`` at it, prune old ones."""
    run_dir = Path(run_dir)
    ckpt = write_checkpoint(run_dir / "checkpoints" / f"step-{step:07d}", config, model_sd, ema_sd,
                            training_state)
    try:
        atomic_write_text(run_dir / LATEST, f"checkpoints/{ckpt.name}\n")
    except OSError as e:
        if e.errno == errno.ENOSPC:
            shutil.rmtree(ckpt, ignore_errors=True)  # unless latest names it, it is not the run's
            raise CheckpointError(f"no space left on device while writing {run_dir / LATEST}; "
                                  f"nothing was changed (free some space and run again)") from None
        raise
    steps = sorted((p for p in (run_dir / "checkpoints").glob("step-*") if p.is_dir()),
                   key=lambda p: p.name)
    for old in steps[:-max(1, keep)]:
        if old != ckpt:
            shutil.rmtree(old, ignore_errors=True)
    # leftovers of a crash mid-write
    for junk in (run_dir / "checkpoints").glob(".step-*"):
        shutil.rmtree(junk, ignore_errors=True)
    return ckpt


# ----------------------------------------------------------------------------- reading
def read_config(directory: Path) -> dict:
    path = Path(directory) / CONFIG
    try:
        text = path.read_text()
    except OSError as e:
        raise CheckpointError(f"cannot read {path}: {e}") from None
    try:
        cfg = json.loads(text)
    except json.JSONDecodeError as e:
        raise CheckpointError(f"{path} is not valid JSON (corrupt or truncated?): {e}") from None
    if not isinstance(cfg, dict):
        raise CheckpointError(f"{path} is not a cold checkpoint config: it holds a JSON "
                              f"{type(cfg).__name__.replace('dict', 'object')} instead of an object "
                              f"with degradation, model and data sections")
    for key in ("degradation", "model", "data"):
        if not isinstance(cfg.get(key), dict):
            raise CheckpointError(f"{path} has no {key!r} section; it is not a cold checkpoint config")
    return cfg


def read_weights(path: Path) -> dict:
    """Read a safetensors file; a truncated or corrupt file raises :class:`CheckpointError`."""
    from safetensors.torch import load_file

    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"missing weights file {path}")
    try:
        sd = load_file(str(path))
    except Exception as e:  # safetensors raises SafetensorError / OSError on bad files
        raise CheckpointError(f"{path} is corrupt or truncated ({type(e).__name__}: {e})") from None
    bad = [k for k, v in sd.items() if v.is_floating_point() and not bool(torch.isfinite(v).all())]
    if bad:
        raise CheckpointError(f"{path} holds NaN or infinite weights ({len(bad)} tensor(s), e.g. "
                              f"{bad[0]}): the model is broken (a diverged run?); use another "
                              f"checkpoint or retrain")
    return sd


def load_state_into(model: torch.nn.Module, sd: dict, path: Path) -> None:
    """``model.load_state_dict(sd)`` with an error that names what does not match."""
    own = model.state_dict()
    missing = sorted(set(own) - set(sd))
    unexpected = sorted(set(sd) - set(own))
    shapes = [f"{k}: file {tuple(sd[k].shape)} vs model {tuple(own[k].shape)}"
              for k in own if k in sd and sd[k].shape != own[k].shape]
    if missing or unexpected or shapes:
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing (e.g. {missing[0]})")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected (e.g. {unexpected[0]})")
        if shapes:
            parts.append(f"{len(shapes)} with other shapes (e.g. {shapes[0]})")
        raise CheckpointError(f"{path} does not match the U-Net of its config: " + "; ".join(parts))
    model.load_state_dict({k: v.to(own[k].dtype) for k, v in sd.items()})


def read_training_state(directory: Path) -> dict:
    path = Path(directory) / STATE
    if not path.is_file():
        raise CheckpointError(f"{directory} has no {STATE}: it cannot be resumed (exported model?)")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise CheckpointError(f"{path} is corrupt, truncated or unsafe ({type(e).__name__}: {e})") from None


# ----------------------------------------------------------------------------- building
def build_degradation(cfg: dict):
    """D from a checkpoint's config (:func:`cold.build.build_degradation`; errors as CheckpointError)."""
    try:
        return _build.build_degradation(cfg)
    except _build.ConfigError as e:
        raise CheckpointError(str(e)) from None


def build_model(cfg: dict):
    """R from a checkpoint's config (:func:`cold.build.build_model`; errors as CheckpointError)."""
    try:
        return _build.build_model(cfg)
    except _build.ConfigError as e:
        raise CheckpointError(str(e)) from None


@dataclass
class ColdModel:
    """A loaded cold diffusion model, ready for ``cold.sample(m.model, m.degradation, ...)``.

    Attributes:
        model: the restoration network R (EMA weights unless ``ema=False``), in eval mode.
        degradation: the degradation D it was trained to invert.
        config: the complete experiment config (a dict).
        prior: for generation models, the distribution of x_T (``.sample(n, shape, ...)``).
        path: the checkpoint directory.
    """

    model: torch.nn.Module
    degradation: Any
    config: dict
    prior: Any = None
    path: Path | None = None
    ema: bool = True
    meta: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.config.get("name", "?")

    @property
    def image_shape(self) -> tuple[int, int, int]:
        d = self.config["data"]
        return (int(d["channels"]), int(d["image_size"]), int(d["image_size"]))

    @property
    def step(self) -> int:
        return int(self.config.get("step", 0))

    def to(self, device) -> "ColdModel":
        self.model.to(device)
        return self


def load(path_or_name: str | os.PathLike, ema: bool = True, device: str | torch.device = "cpu") -> ColdModel:
    """Load a checkpoint (a shipped model name such as ``"mnist-blur"``, a training run
    directory, or a checkpoint directory) without unpickling anything.

    Raises :class:`CheckpointError` naming the problem for missing, corrupt, truncated or
    mismatched files.
    """
    from .priors import prior_from_dict

    directory = resolve(path_or_name)
    cfg = read_config(directory)
    D = build_degradation(cfg)
    model = build_model(cfg)
    use_ema = (ema and (directory / EMA).is_file()) or not (directory / MODEL).is_file()
    fname = directory / (EMA if use_ema else MODEL)
    load_state_into(model, read_weights(fname), fname)
    model.eval().to(device)
    prior = None
    if cfg.get("prior_fitted"):
        try:
            prior = prior_from_dict(cfg["prior_fitted"])
        except (ValueError, KeyError, TypeError) as e:
            raise CheckpointError(f"invalid fitted prior in {directory / CONFIG}: {e}") from None
    return ColdModel(model=model, degradation=D, config=cfg, prior=prior, path=directory,
                     ema=fname.name == EMA, meta=cfg.get("meta", {}))


def export(src: str | os.PathLike, dst: str | os.PathLike, dtype: torch.dtype = torch.float16) -> Path:
    """Export the EMA weights and config of a checkpoint for shipping (no optimiser state).

    ``dtype=torch.float16`` halves the size; :func:`load` casts back to float32.
    """
    src_dir = resolve(src)
    cfg = read_config(src_dir)
    sd = read_weights(src_dir / (EMA if (src_dir / EMA).is_file() else MODEL))
    cfg = dict(cfg, weights_dtype=str(dtype).replace("torch.", ""))
    return _write_export(Path(dst), cfg, sd, dtype)


def _write_export(dst: Path, cfg: dict, sd: dict, dtype) -> Path:
    from safetensors.torch import save_file

    dst.mkdir(parents=True, exist_ok=True)
    with atomic_path(dst / EMA, suffix=".tmp") as tmp:
        save_file(_state_dict_cpu(sd, dtype), str(tmp))
    atomic_write_text(dst / CONFIG, json.dumps(cfg, indent=2, sort_keys=True) + "\n")
    return dst
