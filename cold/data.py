"""Image datasets for Cold Diffusion: float32 tensors (C, H, W) in [-1, 1].

Entry point: :func:`load_dataset` (a ``torch.utils.data.Dataset`` of images) and
:func:`load_images` (the first ``n`` images as one batch).  A uint8 value ``v`` maps to
``v / 127.5 - 1``, so 0 -> -1 and 255 -> 1 exactly.

Datasets (``DATASETS``) and their files, looked up in the data directory:

=================  =============================  ======  ==  ============  ==============================
name               file                           size    C   train / test  split rule
=================  =============================  ======  ==  ============  ==============================
mnist              mnist.npz                      28      1   60000/10000   official
fashion_mnist      train-/t10k-images-idx3-ubyte  28      1   60000/10000   official
                   .gz (else /usr/share/datasets/
                   fashion-mnist/, Debian package
                   ``dataset-fashion-mnist``)
cifar10            cifar10-jpeg.tar.gz            32      3   50000/10000   official
olivetti           olivetti-faces.npz             64      1   320/80        per identity: images 0-7 train,
                                                                            8-9 test
celebahq_sample    celebahq-sample-128.npz        128     3   48/8          last 8 images are the test set
afhq_sample        afhq-sample-128.npz            128     3   35/8          last 8 images are the test set
folder             any folder of images           --      3   --            ``<folder>/train`` and
                                                                            ``<folder>/test`` if both exist,
                                                                            else every 10th file (sorted
                                                                            path, index % 10 == 9) is test
=================  =============================  ======  ==  ============  ==============================

``split="all"`` gives train followed by test.  Image order is deterministic: the files' own order
(MNIST canonical order, first train labels 5, 0, 4, 1, 9), CIFAR-10 sorted by (class index, file
name), folders sorted by relative path.  ``.labels`` holds class/identity labels where known.

Directories:

* data directory (read-only is fine): ``data_dir=`` argument, else ``$COLD_DATA_DIR``, else
  ``$XDG_CACHE_HOME/cold/data`` (default ``~/.cache/cold/data``).
* cache directory (written): ``$COLD_CACHE_DIR``, else ``$XDG_CACHE_HOME/cold`` (default
  ``~/.cache/cold``).  It holds the decoded CIFAR-10 JPEGs (``cifar10-jpeg.npz``, written once
  atomically, rebuilt when the tarball's size or mtime changes) and torchvision downloads
  (``torchvision/``).

Missing files raise ``FileNotFoundError`` naming the expected path(s) and ``COLD_DATA_DIR``.
With ``download=True`` (or ``COLD_DOWNLOAD=1``) MNIST, Fashion-MNIST and CIFAR-10 are instead
fetched by torchvision into the cache; a copy downloaded earlier is reused offline.  Downloaded
CIFAR-10 is the lossless original in the official order (the JPEG tarball is quality-75 lossy).

Resizing (``image_size``) uses bilinear interpolation, antialiased when downscaling, on the float
image.  Folder images are instead resized with PIL bicubic so the short side is ``image_size``,
then centre-cropped; transparent images are composited on white.  ``channels`` converts grey to
RGB (repeat) or RGB to grey (channel mean).

Augmentation (``augment=True``, the paper's CIFAR-10 recipe): random crop with 4-pixel reflect
padding and random horizontal flip, drawn from the torch RNG (so ``torch.manual_seed`` and the
DataLoader's per-worker seeding make it reproducible).  It applies to every dataset except the
digits (mnist, fashion_mnist), for which ``augment`` is ignored: flips and shifts change digits.
"""
from __future__ import annotations

import functools
import gzip
import io
import os
import tarfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

from . import utils

__all__ = [
    "DATASETS", "CIFAR10_CLASSES", "IMAGE_EXTENSIONS", "DatasetInfo", "dataset_info", "data_dir",
    "cache_dir", "clear_cache", "load_dataset", "load_images", "to_channels", "ArrayDataset", "FolderDataset",
    "ImageError", "load_image", "array_to_pil", "BUNDLED", "bundled_samples", "build_bundled_samples",
]

DATASETS = ("mnist", "fashion_mnist", "cifar10", "olivetti", "celebahq_sample", "afhq_sample", "folder")
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff", ".ppm", ".pgm")
FASHION_MNIST_SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")
SAMPLE_TEST_SIZE = 8  # the last 8 images of the CelebA-HQ / AFHQ samples form their test split
NO_AUGMENT = ("mnist", "fashion_mnist")
AUGMENT_PAD = 4


@dataclass(frozen=True)
class DatasetInfo:
    """Static facts about a named dataset (``None`` where they depend on the folder)."""

    name: str
    size: Optional[int]
    channels: int
    n_train: Optional[int]
    n_test: Optional[int]
    files: tuple
    description: str


_INFO = {
    "mnist": DatasetInfo("mnist", 28, 1, 60000, 10000, ("mnist.npz",), "MNIST digits, official split"),
    "fashion_mnist": DatasetInfo(
        "fashion_mnist", 28, 1, 60000, 10000, ("train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"),
        "Fashion-MNIST, official split (Debian package dataset-fashion-mnist)"),
    "cifar10": DatasetInfo("cifar10", 32, 3, 50000, 10000, ("cifar10-jpeg.tar.gz",),
                           "CIFAR-10 as quality-75 JPEGs, official split"),
    "olivetti": DatasetInfo("olivetti", 64, 1, 320, 80, ("olivetti-faces.npz",),
                            "Olivetti faces, 40 identities; images 0-7 of each train, 8-9 test"),
    "celebahq_sample": DatasetInfo("celebahq_sample", 128, 3, 48, 8, ("celebahq-sample-128.npz",),
                                   "56 CelebA-HQ faces (demo only); last 8 test"),
    "afhq_sample": DatasetInfo("afhq_sample", 128, 3, 35, 8, ("afhq-sample-128.npz",),
                               "43 AFHQ animal faces (demo only); last 8 test"),
    "folder": DatasetInfo("folder", None, 3, None, None, (),
                          "any folder of images; <folder>/train,test or every 10th file is test"),
}


def dataset_info(name: str) -> DatasetInfo:
    """Native size, channels, train/test counts and source file(s) of dataset ``name``."""
    if name not in _INFO:
        raise ValueError(f"unknown dataset {name!r}; choose one of {DATASETS}")
    return _INFO[name]


# --------------------------------------------------------------------------- directories
def _xdg_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


def data_dir(data_dir: Optional[str | os.PathLike] = None) -> Path:
    """The data directory: ``data_dir`` if given, else ``$COLD_DATA_DIR``, else ``~/.cache/cold/data``."""
    chosen = data_dir or os.environ.get("COLD_DATA_DIR")
    return Path(chosen).expanduser() if chosen else _xdg_cache() / "cold" / "data"


_data_dir = data_dir  # reachable inside functions whose argument is named data_dir


def cache_dir() -> Path:
    """The writable cache directory (created): ``$COLD_CACHE_DIR``, else ``~/.cache/cold``
    (:func:`cold.utils.cache_dir`, the one rule every cache of ``cold`` follows)."""
    return utils.cache_dir()


def _atomic_savez(path: Path, **arrays) -> None:
    """Write an uncompressed .npz atomically (:func:`cold.utils.atomic_path`)."""
    with utils.atomic_path(path, suffix=".tmp") as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)


@functools.lru_cache(maxsize=4)
def _read_npz(path: str, stamp: tuple) -> dict:
    """All arrays of an .npz, memoised on (path, size, mtime) so train and test loads share one read."""
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def clear_cache() -> None:
    """Forget the in-memory copies of decoded dataset files (the next load reads the disk again).

    Long-running processes (the explorer) call it to give the memory back after sampling a few
    test images."""
    _read_npz.cache_clear()


def _npz(path: Path) -> dict:
    st = path.stat()
    return _read_npz(str(path), (st.st_size, st.st_mtime_ns))


# --------------------------------------------------------------------------- tensor helpers
def _to_float(x: torch.Tensor) -> torch.Tensor:
    """uint8 -> float32 in [-1, 1] (0 -> -1, 255 -> 1 exactly)."""
    return x.float().div_(127.5).sub_(1.0)


def to_channels(x: torch.Tensor, channels: Optional[int]) -> torch.Tensor:
    """Match ``channels`` on dim -3: repeat grey to 3 channels, or average RGB to 1; else unchanged."""
    c = x.shape[-3]
    if channels is None or channels == c:
        return x
    if c == 1 and channels == 3:
        return x.expand(*x.shape[:-3], 3, *x.shape[-2:]).clone()
    if c == 3 and channels == 1:
        return x.float().mean(dim=-3, keepdim=True)
    raise ValueError(f"cannot convert {c} channels to {channels}")


def _resize(x: torch.Tensor, size: Optional[int]) -> torch.Tensor:
    """Bilinear resize of float (..., C, H, W) to size x size (antialiased when shrinking)."""
    if size is None or tuple(x.shape[-2:]) == (size, size):
        return x
    batch = x.reshape(-1, *x.shape[-3:])
    out = F.interpolate(batch, size=(size, size), mode="bilinear", align_corners=False,
                        antialias=size < max(x.shape[-2:]))
    return out.clamp_(-1, 1).reshape(*x.shape[:-2], size, size)


def _augment(x: torch.Tensor, pad: int = AUGMENT_PAD,
             generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Random crop with ``pad``-pixel reflect padding, then random horizontal flip (drawn from
    ``generator``, else torch's global RNG)."""
    h, w = x.shape[-2:]
    pad = min(pad, h - 1, w - 1)  # reflect padding must be smaller than the image
    dy, dx = torch.randint(0, 2 * pad + 1, (2,), generator=generator).tolist()
    x = F.pad(x[None], (pad, pad, pad, pad), mode="reflect")[0, :, dy:dy + h, dx:dx + w]
    if torch.rand((), generator=generator) < 0.5:
        x = x.flip(-1)
    return x.contiguous()


# --------------------------------------------------------------------------- datasets
class _ImageDataset(Dataset):
    """Shared pipeline: uint8 (C, H, W) -> [-1, 1] float -> channels -> resize -> augment."""

    labels: Optional[torch.Tensor] = None

    def __init__(self, image_size: Optional[int], channels: Optional[int], augment: bool):
        self.image_size, self.channels, self.augment = image_size, channels, augment

    def _raw(self, i: int) -> torch.Tensor:  # uint8 (C, H, W)
        raise NotImplementedError

    def _finish(self, x: torch.Tensor) -> torch.Tensor:
        return _resize(to_channels(_to_float(x), self.channels), self.image_size)

    def __getitem__(self, i: int) -> torch.Tensor:
        x = self._finish(self._raw(i))
        return _augment(x) if self.augment else x

    def _finish_batch(self, indices: Sequence[int]) -> torch.Tensor:
        return torch.stack([self._finish(self._raw(int(i))) for i in indices])

    def batch(self, indices: Sequence[int], seeds: Optional[Sequence[int]] = None) -> torch.Tensor:
        """Items ``indices`` as one (B, C, H, W) batch.  With augmentation, item k's random crop
        and flip are drawn from a generator seeded by ``seeds[k]`` (the global RNG when ``seeds``
        is ``None``), so a batch is reproducible wherever it is built (e.g. in a worker)."""
        x = self._finish_batch(indices)
        if self.augment:
            for k in range(x.shape[0]):
                g = None if seeds is None else torch.Generator().manual_seed(int(seeds[k]))
                x[k] = _augment(x[k], generator=g)
        return x

    def __getitems__(self, indices: Sequence[int]) -> list:
        """Batched fetch (used by ``DataLoader``): one vectorised conversion for the whole batch."""
        return list(self.batch(indices))

    def tensor(self, n: Optional[int] = None) -> torch.Tensor:
        """The first ``n`` images (all if ``None``) as one (n, C, H, W) batch, never augmented."""
        n = len(self) if n is None else min(n, len(self))
        if n == 0:
            raise ValueError("dataset is empty")
        return torch.stack([self._finish(self._raw(i)) for i in range(n)])


class ArrayDataset(_ImageDataset):
    """Images held in memory as a uint8 tensor (N, C, H, W), converted to [-1, 1] per item.

    ``images`` may share memory with other datasets loaded from the same file: treat it as read-only.
    """

    def __init__(self, images, labels=None, image_size: Optional[int] = None,
                 channels: Optional[int] = None, augment: bool = False):
        super().__init__(image_size, channels, augment)
        images = torch.as_tensor(images)
        if images.dtype != torch.uint8 or images.ndim != 4:
            raise ValueError(f"expected uint8 images (N, C, H, W), got {images.dtype} {tuple(images.shape)}")
        self.images = images
        self.labels = None if labels is None else torch.as_tensor(np.asarray(labels)).long()

    def __len__(self) -> int:
        return len(self.images)

    def _raw(self, i: int) -> torch.Tensor:
        return self.images[i]

    def _finish_batch(self, indices: Sequence[int]) -> torch.Tensor:
        return self._finish(self.images[torch.as_tensor(list(indices), dtype=torch.long)])

    def tensor(self, n: Optional[int] = None) -> torch.Tensor:
        return self._finish(self.images[:n])


def _list_images(root: Path) -> list:
    """Image files under ``root`` (recursive, by extension, hidden files skipped), sorted by relative path."""
    files = [p for p in root.rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file()
             and not any(part.startswith(".") for part in p.relative_to(root).parts)]
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())


def _load_pil(path: Path, size: int) -> np.ndarray:
    """Decode ``path`` to RGB uint8 (size, size, 3): short side resized to ``size``, centre crop."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            im.load()
            if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
                im = im.convert("RGBA")
                im = Image.alpha_composite(Image.new("RGBA", im.size, (255, 255, 255, 255)), im)
            im = im.convert("RGB")
    except Exception as err:  # PIL raises many types for bad files
        raise OSError(f"cannot read image {path}: {err}") from err
    w, h = im.size
    scale = size / min(w, h)
    nw, nh = max(size, round(w * scale)), max(size, round(h * scale))
    if (nw, nh) != (w, h):
        im = im.resize((nw, nh), Image.BICUBIC)
    left, top = (nw - size) // 2, (nh - size) // 2
    return np.array(im.crop((left, top, left + size, top + size)))


class FolderDataset(_ImageDataset):
    """Any folder of images (recursive), loaded lazily per item and cropped to a square.

    ``files`` are the image paths; non-image files (by extension) are skipped and an unreadable image
    raises ``OSError`` naming it when accessed.  If every file sits in a sub-folder, ``labels`` is the
    index of its top-level sub-folder (sorted), as in torchvision's ``ImageFolder``.
    """

    def __init__(self, root, image_size: int, channels: Optional[int] = 3, augment: bool = False,
                 files: Optional[Sequence[Path]] = None):
        if not image_size:
            raise ValueError("a folder dataset needs image_size")
        super().__init__(image_size, channels, augment)
        self.root = Path(root)
        self.files = list(files) if files is not None else _list_images(self.root)
        tops = [p.relative_to(self.root).parts for p in self.files]
        if self.files and all(len(t) > 1 for t in tops):
            classes = sorted({t[0] for t in tops})
            self.classes = classes
            self.labels = torch.tensor([classes.index(t[0]) for t in tops])

    def __len__(self) -> int:
        return len(self.files)

    def _raw(self, i: int) -> torch.Tensor:
        return torch.from_numpy(_load_pil(self.files[i], self.image_size)).permute(2, 0, 1)


# --------------------------------------------------------------------------- file readers
def _missing(name: str, paths: Sequence[Path], hint: str = "") -> FileNotFoundError:
    listed = "\n  ".join(str(p) for p in paths)
    return FileNotFoundError(
        f"dataset {name!r}: expected file not found:\n  {listed}\n"
        f"Point the COLD_DATA_DIR environment variable (or data_dir=) at the folder holding it.{hint}")


_DOWNLOAD_HINT = " Or pass download=True / set COLD_DOWNLOAD=1 to fetch it with torchvision (needs internet)."


def _torchvision(name: str, train: bool, download: bool):
    """(images uint8 (N, H, W[, 3]), labels) from torchvision's copy in the cache, or ``None``."""
    import torchvision.datasets as tvd

    cls = {"mnist": tvd.MNIST, "fashion_mnist": tvd.FashionMNIST, "cifar10": tvd.CIFAR10}[name]
    root = cache_dir() / "torchvision"
    if not download and not root.is_dir():
        return None
    try:
        ds = cls(str(root), train=train, download=download)
    except RuntimeError:  # torchvision's "Dataset not found" when not downloaded
        if download:
            raise
        return None
    return np.asarray(ds.data), np.asarray(ds.targets)


def _read_idx(path: Path) -> np.ndarray:
    """Parse a gzipped IDX file (big-endian header: magic with dtype code and rank, then dims)."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[:2] != b"\0\0" or data[2] != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte IDX file")
    rank = data[3]
    dims = np.frombuffer(data, dtype=">u4", count=rank, offset=4).astype(int)
    return np.frombuffer(bytearray(data), dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def _decode_jpegs(blobs: list) -> np.ndarray:
    """Decode JPEG byte strings of equal size to uint8 (N, H, W, 3).

    Uses torchvision's batched libjpeg decoder (about 2x faster than PIL here, identical pixels on
    CIFAR-10), falling back to PIL where it is unavailable.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # torchvision.io decoders, deprecated 0.29
            from torchvision.io import ImageReadMode, decode_jpeg

            tensors = [torch.frombuffer(bytearray(b), dtype=torch.uint8) for b in blobs]
            return torch.stack(decode_jpeg(tensors, mode=ImageReadMode.RGB)).permute(0, 2, 3, 1).numpy()
    except (ImportError, AttributeError, TypeError):
        from PIL import Image

        def pil(b):
            with Image.open(io.BytesIO(b)) as im:
                return np.asarray(im.convert("RGB"))
        return np.stack([pil(b) for b in blobs])


def _decode_cifar_tar(path: Path) -> dict:
    """Decode every JPEG of the CIFAR-10 tarball after one sequential pass; sorted by (class, file name)."""
    found = {"train": [], "test": []}
    with tarfile.open(path, "r:gz") as tar:
        for member in tar:
            parts = member.name.split("/")
            if member.isfile() and len(parts) >= 3 and parts[-3] in found and parts[-2] in CIFAR10_CLASSES:
                found[parts[-3]].append((CIFAR10_CLASSES.index(parts[-2]), parts[-1], tar.extractfile(member).read()))
    out = {}
    for split, items in found.items():
        items.sort(key=lambda t: t[:2])
        out[f"x_{split}"] = _decode_jpegs([t[2] for t in items]) if items else np.zeros((0, 32, 32, 3), np.uint8)
        out[f"y_{split}"] = np.array([t[0] for t in items], dtype=np.int64)
    return out


def _cifar_from_tar(path: Path) -> dict:
    """The decoded tarball, from the cache (``cifar10-jpeg.npz``) or decoded once and cached atomically."""
    st = path.stat()
    stamp = np.array([st.st_size, st.st_mtime_ns], dtype=np.int64)
    cached = cache_dir() / "cifar10-jpeg.npz"
    if cached.is_file():
        arrays = _npz(cached)
        if np.array_equal(arrays.get("source_stamp"), stamp):
            return arrays
    start = time.perf_counter()
    arrays = _decode_cifar_tar(path)
    arrays["source_stamp"] = stamp
    arrays["decode_seconds"] = np.array(time.perf_counter() - start)
    try:
        _atomic_savez(cached, **arrays)
    except OSError as err:
        warnings.warn(f"could not cache decoded CIFAR-10 at {cached}: {err}")
    return arrays


def _read_arrays(name: str, split: str, root: Path, download: bool):
    """(images uint8 (N, C, H, W), labels or None) for one split of a file-backed dataset."""
    train = split == "train"
    key = "train" if train else "test"
    if name in ("mnist", "cifar10"):
        path = root / _INFO[name].files[0]
        if path.is_file():
            arrays = _npz(path) if name == "mnist" else _cifar_from_tar(path)
            x, y = arrays[f"x_{key}"], arrays[f"y_{key}"]
        else:
            got = _torchvision(name, train, download)
            if got is None:
                raise _missing(name, [path], _DOWNLOAD_HINT)
            x, y = got
    elif name == "fashion_mnist":
        stem = "train" if train else "t10k"
        dirs = [root, root / "fashion-mnist", FASHION_MNIST_SYSTEM_DIR]
        images = [d / f"{stem}-images-idx3-ubyte.gz" for d in dirs]
        found = next((p for p in images if p.is_file()), None)
        if found is not None:
            x = _read_idx(found)
            label_file = found.with_name(f"{stem}-labels-idx1-ubyte.gz")
            y = _read_idx(label_file) if label_file.is_file() else None
        else:
            got = _torchvision(name, train, download)
            if got is None:
                raise _missing(name, images, " Or install the Debian package: apt-get install -y "
                                             "dataset-fashion-mnist." + _DOWNLOAD_HINT)
            x, y = got
    else:
        path = root / _INFO[name].files[0]
        if not path.is_file():
            raise _missing(name, [path], " (No downloader: this file ships with the project's offline data.)")
        arrays = _npz(path)
        x, y = arrays["x"], arrays.get("y")
        if name == "olivetti":
            in_test = (np.arange(len(x)) % 10) >= 8 if y is None else _per_identity_test(y)
        else:
            in_test = np.arange(len(x)) >= len(x) - SAMPLE_TEST_SIZE
        keep = in_test if not train else ~in_test
        x, y = x[keep], (None if y is None else y[keep])
    x = torch.from_numpy(np.ascontiguousarray(x))
    x = x[:, None] if x.ndim == 3 else x.permute(0, 3, 1, 2)
    return x, y


def _per_identity_test(y: np.ndarray) -> np.ndarray:
    """Mask of the 9th and 10th image (in file order) of each identity."""
    rank = np.zeros(len(y), dtype=int)
    for ident in np.unique(y):
        where = np.flatnonzero(y == ident)
        rank[where] = np.arange(len(where))
    return rank >= 8


# --------------------------------------------------------------------------- entry points
def _folder_dataset(folder, split, root: Path, image_size, channels, augment) -> FolderDataset:
    path = Path(folder).expanduser()
    if not path.is_dir() and not path.is_absolute() and (root / path).is_dir():
        path = root / path
    if not path.is_dir():
        raise FileNotFoundError(f"image folder not found: {path}")
    channels = 3 if channels is None else channels
    if split != "all" and (path / "train").is_dir() and (path / "test").is_dir():
        return FolderDataset(path / split, image_size, channels, augment)
    files = _list_images(path)
    if split != "all":
        test = split == "test"
        files = [p for i, p in enumerate(files) if (i % 10 == 9) == test]
    return FolderDataset(path, image_size, channels, augment, files=files)


def load_dataset(name: str, split: str = "train", data_dir: Optional[str | os.PathLike] = None,
                 image_size: Optional[int] = None, channels: Optional[int] = None, augment: bool = False,
                 folder: Optional[str | os.PathLike] = None, download: Optional[bool] = None) -> Dataset:
    """Dataset ``name`` (see ``DATASETS``), split ``"train"``, ``"test"`` or ``"all"``.

    Items are float32 images (C, H, W) in [-1, 1]; ``.labels`` holds labels where known and
    ``.tensor(n)`` the first ``n`` images as a batch.  ``image_size`` resizes, ``channels``
    converts grey/RGB, ``augment`` applies the random crop + flip (not to digits), ``folder`` is
    the image folder for ``name="folder"`` (required there; it also accepts ``train``/``test``
    sub-folders), ``download`` (default ``$COLD_DOWNLOAD == "1"``) allows torchvision downloads.
    """
    info = dataset_info(name)
    if split not in ("train", "test", "all"):
        raise ValueError(f"split must be 'train', 'test' or 'all', got {split!r}")
    if channels not in (None, 1, 3):
        raise ValueError(f"channels must be 1, 3 or None, got {channels!r}")
    root = _data_dir(data_dir)
    if name == "folder":
        if folder is None:
            raise ValueError("load_dataset('folder') needs folder=<path to images>")
        return _folder_dataset(folder, split, root, image_size, channels, augment)
    if download is None:
        download = os.environ.get("COLD_DOWNLOAD", "") == "1"
    if split == "all":
        parts = [_read_arrays(name, s, root, download) for s in ("train", "test")]
        x = torch.cat([p[0] for p in parts])
        y = None if parts[0][1] is None else np.concatenate([p[1] for p in parts])
    else:
        x, y = _read_arrays(name, split, root, download)
    assert x.shape[1] == info.channels, (name, x.shape)
    ds = ArrayDataset(x, y, image_size, channels, augment and name not in NO_AUGMENT)
    ds.name, ds.split = name, split
    return ds


def load_images(name: str, split: str = "train", n: Optional[int] = None, **kwargs) -> torch.Tensor:
    """The first ``n`` images (all if ``None``) of a dataset as one (n, C, H, W) batch in [-1, 1].

    ``kwargs`` go to :func:`load_dataset`; augmentation is never applied.
    """
    kwargs.pop("augment", None)
    return load_dataset(name, split, **kwargs).tensor(n)


# --------------------------------------------------------------------------- user images
#: real test images shipped inside the package (cold/assets/test-samples.npz, about 0.2 MB), so
#: a fresh install without datasets still shows in-domain images (provenance and licences in
#: cold/assets/README.md)
BUNDLED_PATH = Path(__file__).resolve().parent / "assets" / "test-samples.npz"
BUNDLED = ("mnist", "fashion_mnist", "cifar10", "olivetti")
BUNDLED_N = 32


def bundled_samples(name: str, image_size: Optional[int] = None, channels: Optional[int] = None) -> ArrayDataset:
    """The 32 test images of ``name`` (one of ``BUNDLED``) shipped in the package, as a dataset
    in [-1, 1] (with ``.labels``).  Digits, Fashion-MNIST and CIFAR-10: classes 0..9 in turn (the
    first test images of each class); Olivetti: one test face each of people 0..31."""
    if name not in BUNDLED:
        raise ValueError(f"no bundled samples of {name!r}; bundled: {', '.join(BUNDLED)}")
    if not BUNDLED_PATH.is_file():
        raise FileNotFoundError(f"the bundled sample images are missing ({BUNDLED_PATH}); reinstall cold")
    z = _npz(BUNDLED_PATH)
    return ArrayDataset(torch.from_numpy(z[f"{name}_x"]), z[f"{name}_y"], image_size=image_size,
                        channels=channels)


def build_bundled_samples(path: str | os.PathLike = BUNDLED_PATH, data_dir=None, n: int = BUNDLED_N) -> Path:
    """Write the bundled sample images from the full datasets (maintainers only; deterministic)."""
    arrays = {}
    for name in BUNDLED:
        ds = load_dataset(name, "test", data_dir=data_dir)
        y = np.asarray(ds.labels)
        if name == "olivetti":
            idx = [int(np.flatnonzero(y == k)[0]) for k in range(n)]
        else:
            per = {c: list(np.flatnonzero(y == c)) for c in range(10)}
            idx = [int(per[k % 10][k // 10]) for k in range(n)]
        arrays[f"{name}_x"] = ds.images[torch.as_tensor(idx)].numpy()
        arrays[f"{name}_y"] = y[idx].astype(np.int64)
        arrays[f"{name}_index"] = np.asarray(idx, dtype=np.int64)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with utils.atomic_path(path, suffix=".npz") as tmp:
        np.savez_compressed(tmp, **arrays)
    return path


class ImageError(ValueError):
    """A user's image cannot be used (not an image, too large, empty)."""


def _fit(im, channels: int, size: int) -> torch.Tensor:
    """A PIL image -> (1, C, size, size) in [-1, 1]: alpha on white, centre square crop, resize."""
    from PIL import Image

    if im.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F") or im.mode.startswith("I;"):
        # high bit depth greyscale: scale by the full range of its type (65535 for 16 bit), never
        # by the image's own min and max (an all-white 16-bit image stays white)
        im = Image.fromarray(_high_depth_to_uint8(np.asarray(im), im.mode), "L")
    if im.mode in ("RGBA", "LA", "P", "PA") or "transparency" in im.info:
        im = im.convert("RGBA")
        im = Image.alpha_composite(Image.new("RGBA", im.size, (255, 255, 255, 255)), im)
    im = im.convert("L" if channels == 1 else "RGB")
    if im.size != (size, size):
        # centre crop to a square first (equivalent to resizing the short side and cropping,
        # but never builds a huge intermediate image for extreme aspect ratios), then resize
        side = min(im.size)
        left, top = (im.width - side) // 2, (im.height - side) // 2
        im = im.crop((left, top, left + side, top + side)).resize((size, size), Image.BICUBIC)
    a = np.asarray(im, dtype=np.float32)
    a = a[None] if a.ndim == 2 else a.transpose(2, 0, 1)
    return torch.from_numpy(a / 127.5 - 1.0)[None].contiguous()


def _high_depth_to_uint8(a: np.ndarray, mode: str = "") -> np.ndarray:
    """A high bit depth image (uint16, int32 of a 16-bit file, float) -> uint8 by its type's full
    range: 16 bit / 65535, 32-bit integers / (2^32 - 1) (or 65535 when the values fit 16 bits, as
    PIL's mode "I" holds 16-bit PNGs), floats as [0, 1].  NaN or infinite values raise ImageError."""
    a = np.asarray(a)
    if a.dtype.kind == "f":
        a = a.astype(np.float64)
        if not np.isfinite(a).all():
            raise ImageError("the image has NaN or infinite pixel values; fix or replace the image")
        scale = 1.0
    elif a.dtype.kind in "ui":
        if a.dtype.itemsize <= 1:
            scale = 255.0
        elif a.dtype.itemsize == 2 or mode.startswith("I;16"):
            scale = 65535.0
        else:  # 32-bit integers: PIL's mode "I" holds 16-bit PNGs and TIFFs as int32
            scale = 65535.0 if (a.size == 0 or (a.min() >= 0 and a.max() <= 65535)) else 2.0 ** 32 - 1
        a = a.astype(np.float64)
    else:
        raise ImageError(f"not an image: pixel type {a.dtype}")
    return (np.clip(a / scale, 0.0, 1.0) * 255).round().astype(np.uint8)


def array_to_pil(a: np.ndarray):
    """A numpy image (H, W), (H, W, 1|3|4), uint8/bool/float in [0, 1] -> PIL image."""
    from PIL import Image

    a = np.asarray(a)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (3, 4)) or min(a.shape[:2]) < 1:
        raise ImageError(f"not an image: expected an array (H, W) or (H, W, 3|4), got shape {a.shape}")
    if a.dtype.kind in "fc" and not np.isfinite(a).all():
        raise ImageError("the image has NaN or infinite pixel values; fix or replace the image")
    if a.dtype == bool:
        a = a.astype(np.uint8) * 255
    elif a.dtype.kind == "u" and a.dtype.itemsize >= 2:  # 16-bit (and wider) images: full range
        a = _high_depth_to_uint8(a)
    elif a.dtype != np.uint8:
        a = a.astype(np.float64)
        if a.size and a.max() <= 1.0 and a.min() >= 0.0:
            a = a * 255
        a = np.clip(a, 0, 255).round().astype(np.uint8)
    return Image.fromarray(a)


def load_image(src, channels: int, size: int, max_bytes: int = 20 * 2 ** 20,
               max_pixels: int = 40_000_000) -> torch.Tensor:
    """An image (file path, numpy array or PIL image) as a (1, C, size, size) tensor in [-1, 1].

    Any size, mode and format PIL reads is converted: greyscale or RGB, transparency composited
    on white, the centre square cropped and resized (bicubic) to ``size``.  A file larger than
    ``max_bytes``, an image of more than ``max_pixels`` pixels, or something that is not an image
    raises :class:`ImageError`.
    """
    from PIL import Image, UnidentifiedImageError

    if src is None:
        raise ImageError("no image given: upload an image or pick a sample")
    if isinstance(src, np.ndarray):
        if src.size > max_pixels * 4:
            raise ImageError(f"image of {src.shape} is larger than the limit of {max_pixels:,} pixels")
        return _fit(array_to_pil(src), channels, size)
    if isinstance(src, Image.Image):
        if src.width * src.height > max_pixels:
            raise ImageError(f"image of {src.width}x{src.height} pixels is larger than the limit "
                             f"of {max_pixels:,} pixels")
        return _fit(src, channels, size)
    if isinstance(src, dict) and "path" in src:  # a gradio FileData dict
        src = src["path"]
    if not isinstance(src, (str, os.PathLike)):
        raise ImageError(f"not an image: got {type(src).__name__}")
    path = Path(src)
    if not path.is_file():
        raise ImageError(f"no such image file: {path.name}")
    n_bytes = path.stat().st_size
    if n_bytes > max_bytes:
        raise ImageError(f"{path.name} is {n_bytes / 2 ** 20:.1f} MB, larger than the upload limit "
                         f"of {max_bytes / 2 ** 20:g} MB")
    if n_bytes == 0:
        raise ImageError(f"{path.name} is empty: not an image")
    try:
        with Image.open(path) as im:  # reads the header only: check the size before decoding
            if im.width * im.height > max_pixels:
                raise ImageError(f"{path.name}: image of {im.width}x{im.height} pixels is larger "
                                 f"than the limit of {max_pixels:,} pixels")
            im.seek(0)  # first frame of animations
            im.load()
            try:
                return _fit(im, channels, size)
            except ImageError as e:
                raise ImageError(f"{path.name}: {e}") from None
    except ImageError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError) as e:
        raise ImageError(f"{path.name} is not an image PIL can read ({type(e).__name__})") from None
    except (OSError, SyntaxError, ValueError) as e:
        raise ImageError(f"{path.name} is not a readable image (corrupt or truncated: {e})") from None
