"""Small shared helpers, one home each: devices, atomic writes, cache directories, JSON, hardware.

Nothing here knows about diffusion; every other module of ``cold`` may import it, and it imports
no other module of ``cold``.

* :func:`resolve_device` -- ``"auto"``/``None`` -> CUDA when available, else the CPU; a clear
  error when CUDA is asked for but absent.
* :func:`atomic_path` / :func:`atomic_write_text` / :func:`atomic_write_bytes` -- write a file
  under a temporary name in the same directory, fsync, then ``os.replace``: readers see the old
  file or the new one, never a torn one.
* :func:`cache_dir` -- the writable cache (``$COLD_CACHE_DIR``, else ``$XDG_CACHE_HOME/cold``,
  else ``~/.cache/cold``), with an optional sub-folder.
* :func:`jsonable`, :func:`parse_value` -- plain JSON in and out; :func:`format_cell` -- the one
  formatter of report table cells (notebooks, ``cold reproduce``).
* :func:`batches` -- split an image tensor (or an iterable of batches) into batches.
* :func:`hardware` -- a one-line description of the machine, recorded in checkpoints and reports.
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import tempfile
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np
import torch

__all__ = ["resolve_device", "atomic_path", "atomic_write_text", "atomic_write_bytes", "fsync_dir",
           "cache_dir", "jsonable", "parse_value", "format_cell", "batches", "hardware"]


# ----------------------------------------------------------------------------- devices
def resolve_device(name: str | torch.device | None = None) -> torch.device:
    """The torch device for ``name``: ``None``/``"auto"`` picks CUDA when available, else the CPU.

    Raises ``ValueError`` when a CUDA device is requested on a machine without one.
    """
    if isinstance(name, torch.device):
        name = str(name)
    if name in (None, "", "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(name)
    except (RuntimeError, TypeError):
        raise ValueError(f"unknown device {name!r}; use auto, cpu or cuda[:N]") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} was asked for but no CUDA device is available")
    return dev


# ----------------------------------------------------------------------------- atomic writes
def fsync_dir(path: Path) -> None:
    """fsync a directory so a rename inside it survives a crash (best effort)."""
    try:
        fd = os.open(str(path), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success it is fsynced and renamed onto ``path``.

    Write the file to the yielded path (e.g. ``image.save(tmp)``).  On an exception the temporary
    file is removed and ``path`` is untouched.  ``suffix`` (default: ``path``'s) keeps writers
    that look at the extension happy.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix if suffix is not None else
                               (path.suffix or ".tmp"), dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates 0600 files
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


# ----------------------------------------------------------------------------- directories
def cache_dir(*sub: str) -> Path:
    """The writable cache directory (created): ``$COLD_CACHE_DIR``, else ``$XDG_CACHE_HOME/cold``
    (default ``~/.cache/cold``), joined with ``sub`` (e.g. ``cache_dir("fid")``)."""
    chosen = os.environ.get("COLD_CACHE_DIR")
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cold"
    path = (Path(chosen).expanduser() if chosen else base).joinpath(*sub)
    path.mkdir(parents=True, exist_ok=True)
    return path


# ----------------------------------------------------------------------------- JSON
def jsonable(x: Any) -> Any:
    """``x`` as plain JSON types: tensors and numpy scalars to numbers/lists, non-finite floats to
    ``None``, tuples to lists, dict keys to strings."""
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, torch.Tensor):
        return jsonable(x.tolist())
    if isinstance(x, np.ndarray):
        return jsonable(x.tolist())
    if isinstance(x, (np.floating, np.integer, np.bool_)):
        x = x.item()
    if isinstance(x, Path):
        return str(x)
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def parse_value(text: str) -> Any:
    """A command-line value: JSON where it parses (``3``, ``1e-4``, ``[1,2]``, ``true``), else the string."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


# ----------------------------------------------------------------------------- report cells
def format_cell(x: Any, digits: int = 2) -> str:
    """A markdown table cell: "—" for missing values, thousands separators, short floats."""
    if x is None:
        return "—"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return f"{x:,}" if abs(x) >= 10_000 else str(x)
    if isinstance(x, float):
        if not math.isfinite(x):
            return "—"
        if x != 0 and (abs(x) < 10 ** -digits or abs(x) >= 1e6):
            return f"{x:.2e}"
        return f"{x:.{digits}f}"
    if isinstance(x, (list, tuple)):
        return ", ".join(format_cell(v, digits) for v in x)
    return str(x).replace("|", "\\|").replace("\n", " ")


# ----------------------------------------------------------------------------- batches
def batches(images: Any, batch_size: int) -> Iterable[torch.Tensor]:
    """Yield batches of at most ``batch_size`` from a (N, C, H, W) tensor/array, or pass through the
    batches of an iterable (a DataLoader's ``(images, labels)`` tuples give their images)."""
    if isinstance(images, np.ndarray):
        images = torch.from_numpy(images)
    if isinstance(images, torch.Tensor):
        yield from torch.split(images, int(batch_size))
        return
    for batch in images:
        if isinstance(batch, (tuple, list)):
            batch = batch[0]
        yield torch.as_tensor(batch)


# ----------------------------------------------------------------------------- hardware
def hardware() -> str:
    """A one-line description of the device that ran a job (recorded in checkpoints and reports)."""
    if torch.cuda.is_available():
        return f"{torch.cuda.get_device_name(0)} (CUDA)"
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {torch.get_num_threads()} torch threads"
