"""Tests for cold.data: loaders, splits, value mapping, folders, augmentation, errors, pairs.

Real data comes from the project's offline data folder (``$COLD_DATA_DIR``, else ``../shared/data``
next to the checkout); tests needing a missing file are skipped.  The decoded CIFAR-10 cache goes
to a temporary cache directory shared by this module, so the ~8 s decode happens once.
"""
from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import cold.data as cd
from cold.data import (DATASETS, ArrayDataset, dataset_info, load_dataset, load_images,
                       to_channels)

DATA = Path(os.environ.get("COLD_DATA_DIR") or Path(__file__).resolve().parents[2] / "shared" / "data")
FILE_DATASETS = ["mnist", "fashion_mnist", "olivetti", "celebahq_sample", "afhq_sample", "cifar10"]


def _available(name: str) -> bool:
    if name == "fashion_mnist":
        dirs = [DATA, DATA / "fashion-mnist", cd.FASHION_MNIST_SYSTEM_DIR]
        return any((d / "train-images-idx3-ubyte.gz").is_file() for d in dirs)
    return (DATA / dataset_info(name).files[0]).is_file()


def need(name: str):
    if not _available(name):
        reason = ("Fashion-MNIST IDX files absent (apt-get install -y dataset-fashion-mnist)"
                  if name == "fashion_mnist" else f"{dataset_info(name).files[0]} not in {DATA}")
        pytest.skip(reason)


@pytest.fixture(scope="module", autouse=True)
def env(tmp_path_factory):
    """Point the module at the offline data and a private cache directory."""
    cache = tmp_path_factory.mktemp("cold_cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COLD_DATA_DIR", str(DATA))
        mp.setenv("COLD_CACHE_DIR", str(cache))
        mp.delenv("COLD_DOWNLOAD", raising=False)
        yield cache


_memo: dict = {}


def get(name: str, split: str = "train", **kw):
    """load_dataset memoised across tests (datasets are read-only)."""
    need(name)
    key = (name, split, tuple(sorted(kw.items())))
    if key not in _memo:
        _memo[key] = load_dataset(name, split, **kw)
    return _memo[key]


# --------------------------------------------------------------------------- directories and info
def test_data_dir_resolution(monkeypatch, tmp_path):
    monkeypatch.setenv("COLD_DATA_DIR", str(tmp_path / "env"))
    assert cd.data_dir(tmp_path / "explicit") == tmp_path / "explicit"
    assert cd.data_dir() == tmp_path / "env"
    monkeypatch.delenv("COLD_DATA_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cd.data_dir() == tmp_path / "xdg" / "cold" / "data"
    monkeypatch.delenv("COLD_CACHE_DIR")
    assert cd.cache_dir() == tmp_path / "xdg" / "cold" and cd.cache_dir().is_dir()
    monkeypatch.setenv("COLD_CACHE_DIR", str(tmp_path / "c"))
    assert cd.cache_dir() == tmp_path / "c"


def test_dataset_info_and_arguments():
    assert set(DATASETS) == {"mnist", "fashion_mnist", "cifar10", "olivetti", "celebahq_sample",
                             "afhq_sample", "folder"}
    assert dataset_info("cifar10").size == 32 and dataset_info("cifar10").channels == 3
    assert (dataset_info("olivetti").n_train, dataset_info("olivetti").n_test) == (320, 80)
    with pytest.raises(ValueError, match="unknown dataset"):
        load_dataset("imagenet")
    with pytest.raises(ValueError, match="split"):
        load_dataset("mnist", "val")
    with pytest.raises(ValueError, match="channels"):
        load_dataset("mnist", channels=2)


# --------------------------------------------------------------------------- named datasets
@pytest.mark.parametrize("name", FILE_DATASETS)
@pytest.mark.parametrize("split", ["train", "test"])
def test_loader_shape_range_count(name, split):
    ds = get(name, split)
    info = dataset_info(name)
    assert len(ds) == (info.n_train if split == "train" else info.n_test)
    x = ds[0]
    assert x.dtype == torch.float32 and tuple(x.shape) == (info.channels, info.size, info.size)
    batch = ds.tensor(4)
    assert batch.shape == (4, info.channels, info.size, info.size)
    assert batch.min() >= -1 and batch.max() <= 1
    # exact mapping of the stored uint8 pixels: v -> v / 127.5 - 1
    assert torch.equal(batch, ds.images[:4].float() / 127.5 - 1)
    assert torch.equal(x, batch[0])


def test_value_mapping_endpoints():
    raw = torch.tensor([0, 1, 127, 128, 254, 255], dtype=torch.uint8).view(1, 1, 2, 3)
    x = ArrayDataset(raw)[0]
    assert x.flatten().tolist()[0] == -1.0 and x.flatten().tolist()[-1] == 1.0
    assert torch.equal(x, raw[0].float() / 127.5 - 1)


def test_mnist_matches_file_and_labels():
    ds = get("mnist")
    with np.load(DATA / "mnist.npz") as f:
        first = f["x_train"][0]
    assert torch.equal(ds[0][0], torch.from_numpy(first).float() / 127.5 - 1)
    assert ds.labels[:5].tolist() == [5, 0, 4, 1, 9]
    assert get("mnist", "test").labels[:3].tolist() == [7, 2, 1]


def test_fashion_mnist_idx_parsing():
    ds = get("fashion_mnist")
    path = next(d / "train-images-idx3-ubyte.gz" for d in [DATA, DATA / "fashion-mnist", cd.FASHION_MNIST_SYSTEM_DIR]
                if (d / "train-images-idx3-ubyte.gz").is_file())
    with gzip.open(path) as f:
        magic, n, h, w = struct.unpack(">4I", f.read(16))
        first = np.frombuffer(f.read(h * w), np.uint8).reshape(h, w)
    assert (magic, n, h, w) == (2051, 60000, 28, 28)
    assert torch.equal(ds.images[0, 0], torch.from_numpy(first.copy()))
    if ds.labels is not None:
        assert ds.labels[:3].tolist() == [9, 0, 0]  # ankle boot, T-shirt, T-shirt


def test_olivetti_split_per_identity():
    train, test = get("olivetti", "train"), get("olivetti", "test")
    with np.load(DATA / "olivetti-faces.npz") as f:
        x, y = f["x"], f["y"]
    assert torch.bincount(train.labels).tolist() == [8] * 40
    assert torch.bincount(test.labels).tolist() == [2] * 40
    order = np.argsort(y, kind="stable")  # file order within each identity
    ranks = np.empty(len(y), int)
    ranks[order] = np.arange(len(y)) % 10
    assert np.array_equal(train.images[:, 0].numpy(), x[ranks < 8])
    assert np.array_equal(test.images[:, 0].numpy(), x[ranks >= 8])


@pytest.mark.parametrize("name,n", [("celebahq_sample", 56), ("afhq_sample", 43)])
def test_sample_split_last_eight_test(name, n):
    need(name)
    with np.load(DATA / dataset_info(name).files[0]) as f:
        x = f["x"]
    assert len(x) == n
    assert np.array_equal(get(name, "test").images.permute(0, 2, 3, 1).numpy(), x[-8:])
    assert np.array_equal(get(name, "train").images.permute(0, 2, 3, 1).numpy(), x[:-8])
    assert len(load_dataset(name, "all")) == n


def test_splits_are_deterministic():
    need("olivetti")
    a = load_dataset("olivetti", "test").tensor()
    b = load_dataset("olivetti", "test").tensor()
    assert torch.equal(a, b)


def test_cifar10_decode_cache_and_order(env):
    ds = get("cifar10", "train")
    cached = env / "cifar10-jpeg.npz"
    assert cached.is_file() and not list(env.glob("*.tmp"))
    assert not (DATA / "cifar10-jpeg.npz").exists()
    mtime = cached.stat().st_mtime_ns
    test = load_dataset("cifar10", "test")  # from the cache, no re-decode
    assert cached.stat().st_mtime_ns == mtime
    for d, per_class in ((ds, 5000), (test, 1000)):
        assert torch.bincount(d.labels).tolist() == [per_class] * 10
        assert bool((d.labels[1:] >= d.labels[:-1]).all())  # sorted by class index
    assert ds.images.dtype == torch.uint8 and ds.images.shape == (50000, 3, 32, 32)


def test_jpeg_decoders_agree(monkeypatch):
    import io

    import torchvision.io

    rng = np.random.default_rng(0)
    blobs = []
    for _ in range(3):
        buf = io.BytesIO()
        Image.fromarray(rng.integers(0, 256, (32, 32, 3), np.uint8)).save(buf, "JPEG", quality=75)
        blobs.append(buf.getvalue())
    fast = cd._decode_jpegs(blobs)
    monkeypatch.delattr(torchvision.io, "decode_jpeg")  # force the PIL fallback
    slow = cd._decode_jpegs(blobs)
    assert fast.shape == (3, 32, 32, 3) and fast.dtype == np.uint8
    assert np.abs(fast.astype(int) - slow).max() <= 1


# --------------------------------------------------------------------------- resize, channels, images
def test_resize_and_channels():
    small = get("olivetti", "test", image_size=32)
    assert small[0].shape == (1, 32, 32) and small.tensor().abs().max() <= 1
    rgb = get("olivetti", "test", channels=3)[0]
    assert rgb.shape == (3, 64, 64) and torch.equal(rgb[0], rgb[2])
    need("celebahq_sample")
    face = load_dataset("celebahq_sample", "test", image_size=64, channels=1)
    full = get("celebahq_sample", "test")[0]
    assert face[0].shape == (1, 64, 64)
    expected = torch.nn.functional.avg_pool2d(full.mean(0, keepdim=True)[None], 2)[0]
    assert (face[0] - expected).abs().mean() < 0.03  # antialiased 2x downscale ~ local average
    flat = ArrayDataset(torch.full((1, 3, 8, 8), 200, dtype=torch.uint8), image_size=5)[0]
    assert torch.allclose(flat, torch.full((3, 5, 5), 200 / 127.5 - 1))


def test_to_channels():
    grey = torch.rand(2, 1, 4, 4)
    assert torch.equal(to_channels(grey, 3)[:, 1:2], grey)
    rgb = torch.rand(3, 4, 4)
    assert torch.allclose(to_channels(rgb, 1), rgb.mean(0, keepdim=True))
    assert to_channels(rgb, None) is rgb
    with pytest.raises(ValueError):
        to_channels(torch.rand(4, 2, 2), 3)


def test_load_images_batch():
    need("mnist")
    batch = load_images("mnist", "test", 5, image_size=32, augment=True)
    ds = load_dataset("mnist", "test", image_size=32)
    assert batch.shape == (5, 1, 32, 32)
    assert torch.equal(batch, torch.stack([ds[i] for i in range(5)]))


# --------------------------------------------------------------------------- folders
def _make_folder(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    wide = np.zeros((20, 60, 3), np.uint8)
    wide[:, 20:40] = 255  # white centre third, black sides
    Image.fromarray(wide).save(root / "a_wide.png")
    Image.fromarray(np.full((50, 20), 100, np.uint8), "L").save(root / "b_grey.png")
    rgba = np.zeros((33, 33, 4), np.uint8)  # fully transparent -> white background
    Image.fromarray(rgba, "RGBA").save(root / "c_rgba.png")
    (root / "sub").mkdir(exist_ok=True)
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (30, 40, 3), np.uint8)).save(root / "sub" / "d.jpg")
    Image.fromarray(np.zeros((16, 16, 3), np.uint8)).save(root / "e_tiny.webp")
    (root / "notes.txt").write_text("not an image")
    return root


def test_folder_resize_crop_and_modes(tmp_path):
    root = _make_folder(tmp_path / "imgs")
    ds = load_dataset("folder", "all", folder=root, image_size=16)
    assert [p.name for p in ds.files] == ["a_wide.png", "b_grey.png", "c_rgba.png", "e_tiny.webp", "d.jpg"]
    batch = ds.tensor()
    assert batch.shape == (5, 3, 16, 16) and batch.min() >= -1 and batch.max() <= 1
    assert batch[0, :, :, 3:13].min() > 0.9 and batch[0].mean() > 0.8  # centre crop of the wide image
    grey = batch[1]
    assert torch.equal(grey[0], grey[1]) and torch.allclose(grey, torch.tensor(100 / 127.5 - 1), atol=0.02)
    assert torch.equal(batch[2], torch.ones(3, 16, 16))  # transparent -> white
    assert ds.labels is None  # not every file is in a class sub-folder
    assert load_dataset("folder", "all", folder=root, image_size=8, channels=1)[1].shape == (1, 8, 8)


def test_folder_splits_labels_and_errors(tmp_path):
    flat = tmp_path / "flat"
    flat.mkdir()
    for i in range(12):
        Image.fromarray(np.full((8, 8, 3), i * 20, np.uint8)).save(flat / f"{i:02d}.png")
    train = load_dataset("folder", "train", folder=flat, image_size=8)
    test = load_dataset("folder", "test", folder=flat, image_size=8)
    assert (len(train), len(test)) == (11, 1) and test.files[0].name == "09.png"

    split = tmp_path / "split"
    for part, cls in (("train", "cat"), ("train", "dog"), ("test", "cat")):
        (split / part / cls).mkdir(parents=True)
        Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(split / part / cls / "0.png")
    tr = load_dataset("folder", "train", folder=split, image_size=8)
    assert len(tr) == 2 and tr.labels.tolist() == [0, 1] and tr.classes == ["cat", "dog"]
    assert len(load_dataset("folder", "test", folder=split, image_size=8)) == 1

    (flat / "broken.png").write_bytes(b"garbage")
    broken = load_dataset("folder", "all", folder=flat, image_size=8)
    with pytest.raises(OSError, match="broken.png"):
        broken[[p.name for p in broken.files].index("broken.png")]
    with pytest.raises(FileNotFoundError):
        load_dataset("folder", folder=tmp_path / "nope", image_size=8)
    with pytest.raises(ValueError, match="image_size"):
        load_dataset("folder", folder=flat)
    with pytest.raises(ValueError, match="folder="):
        load_dataset("folder", image_size=8)


# --------------------------------------------------------------------------- augmentation
def _draw(ds, n=16):
    return torch.stack([ds[i] for i in range(n)])


def test_augmentation_changes_images_reproducibly():
    ds = get("cifar10", "test", augment=True)
    plain = get("cifar10", "test").tensor(16)
    torch.manual_seed(0)
    a = _draw(ds)
    torch.manual_seed(0)
    b = _draw(ds)
    torch.manual_seed(1)
    c = _draw(ds)
    assert a.shape == plain.shape and a.min() >= -1 and a.max() <= 1
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert not torch.equal(a, plain)
    # each augmented image is a reflect-padded 4-px crop of the original, possibly flipped
    padded = torch.nn.functional.pad(plain, (4, 4, 4, 4), mode="reflect")
    for i in range(4):
        crops = [p[:, y:y + 32, x:x + 32] for p in (padded[i], padded[i].flip(-1)) for y in range(9) for x in range(9)]
        assert any(torch.equal(a[i], crop) for crop in crops)


def test_no_augmentation_for_digits():
    ds = get("mnist", "test", augment=True)
    assert not ds.augment
    assert torch.equal(_draw(ds, 4), get("mnist", "test").tensor(4))


# --------------------------------------------------------------------------- missing files and download
@pytest.mark.parametrize("name,fname", [("mnist", "mnist.npz"), ("cifar10", "cifar10-jpeg.tar.gz"),
                                        ("olivetti", "olivetti-faces.npz"),
                                        ("afhq_sample", "afhq-sample-128.npz")])
def test_missing_file_message(monkeypatch, tmp_path, name, fname):
    monkeypatch.setenv("COLD_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("COLD_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(FileNotFoundError) as err:
        load_dataset(name, "test")
    msg = str(err.value)
    assert str(tmp_path / "empty" / fname) in msg and "COLD_DATA_DIR" in msg


def test_missing_fashion_mnist_message(monkeypatch, tmp_path):
    monkeypatch.setattr(cd, "FASHION_MNIST_SYSTEM_DIR", tmp_path / "system")
    monkeypatch.setenv("COLD_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(FileNotFoundError) as err:
        load_dataset("fashion_mnist", data_dir=tmp_path / "d")
    msg = str(err.value)
    assert str(tmp_path / "d" / "train-images-idx3-ubyte.gz") in msg
    assert "COLD_DATA_DIR" in msg and "dataset-fashion-mnist" in msg


def test_download_uses_torchvision_into_cache(monkeypatch, tmp_path):
    import torchvision.datasets as tvd

    calls = []

    class FakeMNIST:
        def __init__(self, root, train, download):
            calls.append((root, train, download))
            self.data = torch.arange(3 * 28 * 28, dtype=torch.int64).remainder(256).to(torch.uint8).view(3, 28, 28)
            self.targets = torch.tensor([1, 2, 3])

    monkeypatch.setattr(tvd, "MNIST", FakeMNIST)
    monkeypatch.setenv("COLD_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("COLD_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(FileNotFoundError):
        load_dataset("mnist")  # offline default: no download attempted
    assert calls == []
    ds = load_dataset("mnist", download=True)
    assert calls == [(str(tmp_path / "cache" / "torchvision"), True, True)]
    assert len(ds) == 3 and ds[0].shape == (1, 28, 28) and ds.labels.tolist() == [1, 2, 3]
    monkeypatch.setenv("COLD_DOWNLOAD", "1")
    assert len(load_dataset("mnist", "test")) == 3 and calls[-1][1:] == (False, True)


def test_bundled_samples_are_real_test_images():
    """32 test images per dataset ship in the package (no dataset needed); with the data on disk
    they are exactly the test-split images at the recorded indices."""
    import numpy as np

    from cold.data import BUNDLED, BUNDLED_PATH, bundled_samples, load_dataset

    assert BUNDLED_PATH.stat().st_size < 1 << 20
    for name in BUNDLED:
        ds = bundled_samples(name)
        assert len(ds) == 32 and ds.images.dtype == torch.uint8
        x = ds.tensor()
        assert x.min() >= -1 and x.max() <= 1
        if name != "olivetti":  # classes 0..9 in turn
            assert ds.labels.tolist() == [k % 10 for k in range(32)]
        else:  # one face each of 32 people
            assert ds.labels.tolist() == list(range(32))
    assert bundled_samples("mnist", image_size=32).tensor(2).shape == (2, 1, 32, 32)
    with pytest.raises(ValueError, match="no bundled samples"):
        bundled_samples("celebahq_sample")
    root = Path(os.environ.get("COLD_DATA_DIR", ""))
    if not (root / "mnist.npz").is_file():
        pytest.skip("the full datasets are not in COLD_DATA_DIR")
    index = np.load(BUNDLED_PATH)["mnist_index"]
    full = load_dataset("mnist", "test")
    assert torch.equal(full.images[torch.as_tensor(index)], bundled_samples("mnist").images)
