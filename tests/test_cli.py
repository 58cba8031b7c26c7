"""The cold command end to end at smoke scale, and its one-line errors."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import cold
from cold.cli import main

needs_data = pytest.mark.skipif(not (Path(os.environ.get("COLD_DATA_DIR", "")) / "mnist.npz").is_file(),
                                reason="MNIST/CIFAR-10 not found in COLD_DATA_DIR")


def run(*args):
    return main([str(a) for a in args])


@pytest.fixture(scope="module")
def blur_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "blur"
    assert run("train", "mnist-blur", "--scale", "smoke", "--out", out, "--no-progress",
               "--set", "train.steps=4", "--set", "train.save_every=2") == 0
    return out


@needs_data
def test_train_sample_restore_info_export(blur_run, tmp_path, capsys):
    assert cold.load(blur_run).step == 4
    grid = tmp_path / "grid.png"
    assert run("sample", blur_run, "--n", 3, "--method", "tacos", "--out", grid) == 0
    im = Image.open(grid)
    assert im.size[0] > 4 * 32 and im.size[1] > 3 * 32  # 4 columns, 3 rows of 32 px digits
    assert "RMSE" in capsys.readouterr().out
    # restore a user's own image: any size and mode is converted to the model's 1x32x32
    src = tmp_path / "mine.png"
    Image.fromarray((np.random.default_rng(0).random((50, 70, 3)) * 255).astype(np.uint8)).save(src)
    assert run("restore", blur_run, src, "--t", 5, "--out", tmp_path / "restored") == 0
    out = Image.open(tmp_path / "restored" / "mine-restored.png")
    assert out.size == (32, 32)
    assert "mine-restored.png" in capsys.readouterr().out
    assert run("info", blur_run) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["step"] == 4 and info["degradation"]["T"] == 20 and info["parameters"] > 0
    assert run("export", blur_run, "--name", "tiny", "--out", tmp_path / "models", "--n", 2) == 0
    card = (tmp_path / "models" / "tiny" / "README.md").read_text()
    assert "mnist-blur" in card and "hardware" in card and (tmp_path / "models" / "tiny" / "samples.png").is_file()
    os.environ["COLD_MODEL_DIR"] = str(tmp_path / "models")
    try:
        m = cold.load("tiny")
        assert m.model.init.weight.dtype == torch.float32 and m.step == 4
    finally:
        del os.environ["COLD_MODEL_DIR"]


def spy_sampler(monkeypatch):
    """Record (method, steps, the steps at which R was called) for every cold.sampling.sample call."""
    import cold.sampling

    real, seen = cold.sampling.sample, []

    def spy(R, D, x_t, t, method="tacos", **kw):
        calls = []
        out = real(lambda x, s: (calls.append(int(s.max())), R(x, s))[1], D, x_t, t, method, **kw)
        seen.append((method, kw.get("steps"), calls))
        return out

    monkeypatch.setattr(cold.sampling, "sample", spy)
    return seen


@needs_data
def test_steps(blur_run, tmp_path, capsys, monkeypatch):
    """--steps K (strided sampling, our extension beyond the paper) reaches the sampler."""
    T = cold.load(blur_run).degradation.T
    seen = spy_sampler(monkeypatch)
    assert run("sample", blur_run, "--n", 2, "--steps", 4, "--out", tmp_path / "grid.png") == 0
    assert seen == [("direct", None, [T]), ("tacos", 4, cold.strided_schedule(T, 4)[:-1])]
    assert "tacos (4 steps)" in capsys.readouterr().out
    src = tmp_path / "mine.png"
    Image.fromarray((np.random.default_rng(0).random((32, 32)) * 255).astype(np.uint8)).save(src)
    seen.clear()
    assert run("restore", blur_run, src, "--t", 9, "--steps", 3, "--method", "naive",
               "--out", tmp_path / "restored") == 0
    assert seen == [("naive", 3, [9, 6, 3])]
    # without --steps: every step, as before; --steps T is the same
    seen.clear()
    assert run("sample", blur_run, "--n", 2, "--t", 5, "--out", tmp_path / "a.png") == 0
    assert run("sample", blur_run, "--n", 2, "--t", 5, "--steps", 5, "--out", tmp_path / "b.png") == 0
    assert seen[1] == ("tacos", None, [5, 4, 3, 2, 1]) and seen[3] == ("tacos", 5, [5, 4, 3, 2, 1])
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    capsys.readouterr()
    # direct ignores --steps (with a note); out of range is one line
    assert run("sample", blur_run, "--n", 2, "--method", "direct", "--steps", 3,
               "--out", tmp_path / "d.png") == 0
    assert "ignored by --method direct" in capsys.readouterr().err
    assert run("sample", blur_run, "--steps", T + 1, "--out", tmp_path / "x.png") == 1
    err = capsys.readouterr().err
    assert err.startswith("cold: error: --steps") and f"out of range 1..{T}" in err
    assert not (tmp_path / "x.png").exists()
    assert run("sample", blur_run, "--t", 0, "--steps", 1, "--out", tmp_path / "x.png") == 1
    assert "nothing to sample" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run("sample", blur_run, "--steps", 0)
    assert "--steps must be at least 1" in capsys.readouterr().err


@needs_data
def test_generate(tmp_path, monkeypatch, capsys):
    out = tmp_path / "gen"
    assert run("train", "cifar10-blur-generation", "--scale", "smoke", "--out", out, "--no-progress",
               "--set", "train.steps=2", "--set", "train.save_every=2") == 0
    m = cold.load(out)
    assert m.prior is not None and m.prior.kind == "mean_color_gmm"
    assert run("generate", out, "--n", 3, "--noise-std", 0.002, "--out", tmp_path / "g") == 0
    assert len(list((tmp_path / "g").glob("0*.png"))) == 3
    # --steps K: strided sampling (our extension) from the prior's x_T
    seen = spy_sampler(monkeypatch)
    assert run("generate", out, "--n", 2, "--steps", 3, "--out", tmp_path / "g3") == 0
    assert seen == [("tacos", 3, cold.strided_schedule(m.degradation.T, 3)[:-1])]
    assert "tacos (3 steps)" in capsys.readouterr().out
    assert len(list((tmp_path / "g3").glob("0*.png"))) == 2
    assert run("generate", out, "--steps", m.degradation.T + 1, "--out", tmp_path / "g4") == 1
    assert "out of range" in capsys.readouterr().err and not (tmp_path / "g4").exists()


@needs_data
def test_errors_are_one_line(blur_run, tmp_path, capsys):
    assert run("info", tmp_path / "nothing") == 1
    err = capsys.readouterr().err
    assert err.startswith("cold: error:") and "no checkpoint" in err and "Traceback" not in err
    assert run("restore", blur_run, tmp_path / "missing.png") == 1
    assert "no such image file" in capsys.readouterr().err
    bad = tmp_path / "bad.png"
    bad.write_text("not an image")
    assert run("restore", blur_run, bad) == 1
    assert "not an image" in capsys.readouterr().err
    assert run("restore", blur_run, bad, "--t", 99) == 1
    assert "out of range" in capsys.readouterr().err
    assert run("generate", blur_run) == 1
    assert "without a generation prior" in capsys.readouterr().err
    assert run("train", "mnist-sharpen", "--scale", "smoke", "--out", tmp_path / "z") == 1
    assert "unknown training preset" in capsys.readouterr().err
    assert run("train", "celeba-blur", "--scale", "smoke", "--out", tmp_path / "c") == 1
    assert "data.folder" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run("sample", blur_run, "--method", "ddpm")


def test_help_lists_commands():
    out = subprocess.run([sys.executable, "-m", "cold.cli", "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    for cmd in ("train", "sample", "restore", "generate", "info", "export"):
        assert cmd in out.stdout
