"""Tests for cold.evaluate (``cold evaluate``) on smoke-scale models.

Most tests replace the Inception network by a cheap fixed random projection (``features=``) so
they check the pipeline, not the network; the ``inception`` tests run the real one end to end
through the command line (N = 6 keeps them to seconds).
"""
import json

import numpy as np
import pytest
import torch

from cold import load
from cold import evaluate as E
from cold import metrics as M
from cold.data import load_dataset
from cold.presets import preset_config
from cold.training import train

N = 6


def _have_weights():
    try:
        M.find_inception_weights()
        return True
    except (FileNotFoundError, ValueError):
        return False


needs_weights = pytest.mark.skipif(not _have_weights(), reason="FID Inception weights not found")


def projection(x: torch.Tensor) -> np.ndarray:
    """Stand-in features: a fixed random projection of the pixels to 16 dimensions."""
    P = torch.randn(x[0].numel(), 16, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    return (x.flatten(1).double() @ P).numpy() / 10


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    from conftest import require_data

    require_data("mnist.npz", "cifar10-jpeg.tar.gz")
    root = tmp_path_factory.mktemp("evaluate")
    out = {}
    for name in ("mnist-blur", "cifar10-blur-generation"):
        cfg = preset_config(name, "smoke")
        if name == "cifar10-blur-generation":
            cfg["degradation"]["overrides"]["T"] = 10  # T = 100 makes every TACoS run 10x longer
        train(cfg, root / name, progress=False, device="cpu")
        out[name] = root / name
    return out


@pytest.fixture(scope="module")
def restoration(runs):
    m = load(runs["mnist-blur"])
    kw = dict(n=N, seed=3, batch_size=4, device="cpu", progress=False, features=projection)
    return m, E.evaluate_restoration(m, keep_images=True, **kw), E.evaluate_restoration(m, **kw)


def _check_meta(meta, kind):
    for key in ("N", "split", "seed", "feature_network", "checkpoint", "scale", "step", "hardware",
                "wall_time_s", "torch", "dataset", "T"):
        assert key in meta, key
    assert meta["kind"] == kind and meta["N"] == N and meta["split"] == "test"
    assert meta["scale"] == "smoke" and meta["step"] == 6 and meta["torch"] == torch.__version__


def test_test_indices_evenly_spaced():
    assert E.test_indices(10_000, 6) == [0, 1666, 3333, 5000, 6666, 8333]
    assert E.test_indices(5, 9) == [0, 1, 2, 3, 4]
    assert E.kid_subset_size(6) == 3 and E.kid_subset_size(1000) == 500 and E.kid_subset_size(5000) == 1000


def test_restoration_rows_ranges_determinism(restoration):
    _, r, again = restoration
    _check_meta(r["meta"], "restoration")
    assert [row["name"] for row in r["rows"]] == ["Degraded", "Sampled (TACoS)", "Direct"]
    for row in r["rows"]:
        assert set(row) >= {"fid", "kid_mean", "kid_std", "ssim", "rmse"}
        assert -1 <= row["ssim"] <= 1 and row["rmse"] >= 0 and row["fid"] >= -1e-6
        assert row["kid_std"] >= 0 and np.isfinite(row["kid_mean"])
    assert again["rows"] == r["rows"]  # same seed -> identical numbers


def test_degraded_rmse_matches_numpy(restoration):
    """Rebuild the degraded test images independently and score them with numpy."""
    m, r, _ = restoration
    ds = load_dataset("mnist", "test", image_size=m.image_shape[-1])  # the preset's 32 px digits
    x0 = torch.stack([ds[i] for i in [0, 1666, 3333, 5000, 6666, 8333]])
    D = m.degradation
    degraded = np.clip((D(x0, D.T).numpy() + 1) / 2, 0, 1)
    real = np.clip((x0.numpy() + 1) / 2, 0, 1)
    np.testing.assert_allclose(r["images"]["degraded"].numpy(), degraded, atol=1e-6)
    np.testing.assert_allclose(r["images"]["real"].numpy(), real, atol=1e-6)
    row = r["rows"][0]
    assert row["rmse"] == pytest.approx(np.sqrt(np.mean((degraded - real) ** 2)), rel=1e-5)
    fid = M.fid_from_features(projection(torch.from_numpy(real)), projection(torch.from_numpy(degraded)))
    assert row["fid"] == pytest.approx(fid, rel=1e-5)


def test_random_degradation_states_per_image():
    """Image i's state depends on (seed, i) only: not on N or the batch."""
    from cold import degradation_preset
    D = degradation_preset("mnist-inpaint")
    x = torch.zeros(5, 1, 28, 28)
    a, b = E._per_image_states(D, x, 7), E._per_image_states(D, x[:3], 7)
    for k in a:
        torch.testing.assert_close(a[k][:3], b[k])
    assert not torch.equal(E._per_image_states(D, x, 8)["center"], a["center"])


def test_generation_rows_and_determinism(runs):
    m = load(runs["cifar10-blur-generation"])
    kw = dict(n=N, seed=1, batch_size=8, device="cpu", progress=False, features=projection)
    r = E.evaluate_generation(m, noise_stds=(0.0, 0.002), methods=("direct", "tacos"), **kw)
    _check_meta(r["meta"], "generation")
    assert [(row["noise_std"], row["method"]) for row in r["rows"]] == \
        [(0.0, "direct"), (0.0, "tacos"), (0.002, "direct"), (0.002, "tacos")]
    for row in r["rows"]:
        assert row["fid"] >= -1e-6 and row["kid_std"] >= 0 and "ssim" not in row
    one = E.evaluate_generation(m, noise_stds=(0.002,), methods=("tacos",), **kw)
    assert one["rows"][0] == r["rows"][3]  # same seed -> same x_T and numbers, whatever else runs
    with pytest.raises(ValueError, match="restoration model"):
        E.evaluate_generation(load(runs["mnist-blur"]), n=N, features=projection)
    with pytest.raises(ValueError, match="at least 2"):
        E.evaluate_restoration(m, n=1, features=projection)


def test_report_files(restoration, tmp_path):
    _, r, _ = restoration
    js, md = E.write_report(r, tmp_path / "rep")
    data = json.loads(js.read_text())
    assert "images" not in data and data["meta"]["N"] == N and len(data["rows"]) == 3
    text = md.read_text()
    assert "N = 6" in text and "| Sampled (TACoS) |" in text and "KID" in text and "biased" in text


def _parser():
    from cold.cli import build_parser

    return build_parser()


@pytest.mark.inception
@needs_weights
def test_cli_restoration_with_inception(runs, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(M.CACHE_DIR_ENV, str(tmp_path / "cache"))
    out = tmp_path / "report"
    args = _parser().parse_args(["evaluate", str(runs["mnist-blur"]), "--n", str(N), "--out", str(out),
                                 "--device", "cpu", "--batch-size", "4", "--no-progress"])
    r = args.fn(args)
    assert r["meta"]["feature_network"] == E.FEATURE_NETWORK
    for row in r["rows"]:
        assert -1 <= row["ssim"] <= 1 and row["rmse"] >= 0 and row["fid"] >= -1e-6
    assert len(list((tmp_path / "cache" / "fid").glob("*.npz"))) == 1  # reference statistics cached (cold.utils.cache_dir("fid"))
    text = (out / "evaluation.md").read_text()
    assert "N = 6" in text and "TF Inception-v3" in text and M.FID_WEIGHTS_SHA256 in text
    assert json.loads((out / "evaluation.json").read_text())["meta"]["N"] == N
    assert "| Degraded |" in capsys.readouterr().out


@pytest.mark.inception
@needs_weights
def test_generation_with_inception(runs, tmp_path):
    m = load(runs["cifar10-blur-generation"])
    r = E.evaluate_generation(m, n=N, noise_stds=(0.002,), methods=("tacos",), batch_size=8,
                              device="cpu", progress=False, cache_dir=tmp_path, floor=True)
    (row,) = r["rows"]
    assert r["meta"]["feature_network"] == E.FEATURE_NETWORK and row["fid"] > 0 and row["kid_std"] >= 0
    # the floor's training images are embedded once and cached beside the test images' statistics
    fl = r["meta"]["floor"]
    assert fl["split"] == "train" and fl["n"] == N and fl["fid"] > 0
    assert len(list(tmp_path.glob("*.npz"))) == 2
    train01 = M.to_unit_range(E.test_images(m, N, "train")[0])
    test01 = M.to_unit_range(E.test_images(m, N, "test")[0])
    assert fl["fid"] == pytest.approx(M.fid(test01, train01, progress=False), rel=1e-6)


def test_strided_evaluation(runs, restoration):
    """steps=T evaluates exactly what the paper's all-steps samplers give; steps=K < T other
    images, recorded in the metadata (the quality/speed table of benchmarks/sampling.py)."""
    m = load(runs["cifar10-blur-generation"])
    kw = dict(n=N, seed=1, batch_size=8, device="cpu", progress=False, features=projection,
              noise_stds=(0.002,), methods=("tacos",), keep_images=True)
    full = E.evaluate_generation(m, **kw)
    same = E.evaluate_generation(m, steps=m.degradation.T, **kw)
    few = E.evaluate_generation(m, steps=3, **kw)
    key = ("noise_std = 0.002", "tacos")
    assert torch.equal(full["images"][key], same["images"][key]) and full["rows"] == same["rows"]
    assert full["meta"]["steps"] == "all (T)" and few["meta"]["steps"] == 3
    assert not torch.equal(full["images"][key], few["images"][key])
    mr, res, _ = restoration
    again = E.evaluate_restoration(mr, n=N, seed=3, batch_size=4, device="cpu", progress=False,
                                   features=projection, steps=mr.degradation.T)
    assert again["rows"] == res["rows"]


def test_floor_scores_real_images_of_the_other_split(runs, restoration):
    """floor=True: N real images of the other split against the same N images, the score of
    perfect outputs at this N (here with the stand-in features, recomputed by hand)."""
    m, _, plain = restoration
    kw = dict(n=N, seed=3, batch_size=4, device="cpu", progress=False, features=projection)
    r = E.evaluate_restoration(m, floor=True, **kw)
    assert plain["meta"]["floor"] is None and r["rows"] == plain["rows"]
    fl = r["meta"]["floor"]
    test, _ = E.test_images(m, N, "test")
    train, _ = E.test_images(m, N, "train")
    want = M.fid_from_features(projection(M.to_unit_range(test)), projection(M.to_unit_range(train)))
    assert fl["split"] == "train" and fl["n"] == N and fl["fid"] == pytest.approx(want)
    assert f"**Floor at this N:** {N} real images of the train split" in E.format_markdown(r)
    assert "Floor at this N" not in E.format_markdown(plain)
    # evaluated on the training split, the floor comes from the test split
    g = E.evaluate_generation(load(runs["cifar10-blur-generation"]), noise_stds=(0.002,),
                              methods=("tacos",), split="train", floor=True, **kw)
    assert g["meta"]["floor"]["split"] == "test" and g["meta"]["split"] == "train"
    with pytest.raises(ValueError, match="floor=True needs split 'test' or 'train'"):
        E.evaluate_restoration(m, split="all", floor=True, **kw)

