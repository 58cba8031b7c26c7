"""The bad-input catalogue (issue 10): every input that once lost data, gave a silently wrong
result or an unclear error, and the ones that were already handled, so that they stay handled.

Each test asserts the clear one-line message (``cold: error: ...`` for the command line) and that
nothing was lost or left behind.  Everything is written under pytest's ``tmp_path``; training is
at smoke scale (2 steps, seconds).
"""
from __future__ import annotations

import errno
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import cold
from cold import checkpoint as ckpt
from cold.cli import main, unique_output_names
from cold.data import ImageError, load_image

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # explorer/ lives next to cold/ in the source tree
    sys.path.insert(0, str(ROOT))

needs_data = pytest.mark.skipif(not (Path(os.environ.get("COLD_DATA_DIR", "")) / "mnist.npz").is_file(),
                                reason="MNIST not found in COLD_DATA_DIR")
SMOKE = ["--scale", "smoke", "--no-progress", "--set", "train.steps=2", "--set", "train.save_every=2",
         "--set", "train.sample_every=1000"]


def run(*args):
    return main([str(a) for a in args])


def one_line_error(capsys, *needles):
    """The command's stderr is one line ``cold: error: ...`` containing every needle."""
    err = capsys.readouterr().err.strip().splitlines()
    assert err, "no error message"
    last = err[-1]
    assert last.startswith("cold: error: "), err
    assert "Traceback" not in "\n".join(err)
    for n in needles:
        assert n in last, (n, last)
    return last


def tree(path: Path) -> dict:
    """Every file under ``path`` (hidden ones too) with its bytes: to assert nothing changed."""
    if not path.exists():
        return {}
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    if not (Path(os.environ.get("COLD_DATA_DIR", "")) / "mnist.npz").is_file():
        pytest.skip("MNIST not found in COLD_DATA_DIR")
    out = tmp_path_factory.mktemp("bad") / "run"
    assert run("train", "mnist-blur", *SMOKE, "--out", out) == 0
    return out


@pytest.fixture(scope="module")
def model_dir(smoke_run, tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    assert run("export", smoke_run, "--name", "tiny", "--out", root, "--n", 2) == 0
    return root


@pytest.fixture
def image(tmp_path):
    p = tmp_path / "in.png"
    Image.fromarray((np.random.default_rng(0).random((40, 40)) * 255).astype(np.uint8)).save(p)
    return p


# ============================================================================ data loss
@needs_data
def test_export_refuses_to_overwrite_without_force(smoke_run, model_dir, capsys):
    before = tree(model_dir)
    assert run("export", smoke_run, "--name", "tiny", "--out", model_dir, "--n", 2) == 1
    one_line_error(capsys, "already exists", "--force")
    assert tree(model_dir) == before  # untouched, no temporary folder left
    assert run("export", smoke_run, "--name", "tiny", "--out", model_dir, "--n", 2, "--force") == 0
    assert sorted(p.name for p in model_dir.iterdir()) == ["tiny"]
    assert cold.load(model_dir / "tiny").step == 2


@needs_data
def test_failed_export_leaves_nothing(smoke_run, tmp_path, monkeypatch, capsys):
    import cold.build

    def missing(*a, **k):
        raise FileNotFoundError("dataset mnist not found (simulated)")

    models = tmp_path / "models"
    assert run("export", smoke_run, "--name", "m", "--out", models, "--n", 2) == 0
    before = tree(models)
    monkeypatch.setattr(cold.build, "test_images", missing)
    assert run("export", smoke_run, "--name", "m", "--out", models, "--n", 2, "--force") == 1
    one_line_error(capsys, "not found")
    assert tree(models) == before  # the old model is intact, no partial new one beside it
    assert run("export", smoke_run, "--name", "new", "--out", models, "--n", 2) == 1
    assert sorted(p.name for p in models.iterdir()) == ["m"]


def test_train_refuses_a_folder_that_is_not_a_run(tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "config.json").write_text('{"my": "settings"}\n')
    (mine / "log.csv").write_text("date,value\n2024-01-01,3\n")
    before = tree(mine)
    assert run("train", "mnist-blur", *SMOKE, "--out", mine) == 1
    one_line_error(capsys, "not a training run of cold", "--out")
    assert tree(mine) == before
    other = tmp_path / "other"  # any foreign file
    other.mkdir()
    (other / "thesis.tex").write_text("x")
    assert run("train", "mnist-blur", *SMOKE, "--out", other) == 1
    one_line_error(capsys, "thesis.tex")


def test_second_trainer_on_the_same_run_fails_at_once(tmp_path, capsys):
    from cold.training import run_lock

    out = tmp_path / "run"
    out.mkdir()
    with run_lock(out):  # another `cold train` holds the run directory
        t0 = time.perf_counter()
        assert run("train", "mnist-blur", *SMOKE, "--out", out) == 1
        assert time.perf_counter() - t0 < 30
    one_line_error(capsys, "already running", str(out))
    assert [p.name for p in out.iterdir()] == [".lock"]


@needs_data
def test_resume_after_kill_keeps_log_clean(tmp_path):
    from cold.presets import apply_overrides, preset_config
    from cold.training import train

    cfg = apply_overrides(preset_config("mnist-blur", "smoke"),
                          ["train.steps=4", "train.save_every=2", "train.log_every=1",
                           "train.sample_every=1000"])
    run_dir = tmp_path / "run"
    train(cfg, run_dir, progress=False, stop_after=3)  # killed after step 3: checkpoint at 2
    assert ckpt.resolve(run_dir).name == "step-0000002"
    steps = lambda: [int(line.split(",")[0]) for line in  # noqa: E731
                     (run_dir / "log.csv").read_text().splitlines()[1:]]
    assert steps() == [1, 2, 3]
    train(cfg, run_dir, progress=False, resume=True)
    assert steps() == [1, 2, 3, 4]  # step 3 logged once, by the resumed run


@needs_data
def test_restore_writes_unique_names(smoke_run, tmp_path, capsys):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    px = (np.random.default_rng(1).random((32, 32)) * 255).astype(np.uint8)
    Image.fromarray(px).save(tmp_path / "a" / "x.png")
    Image.fromarray(255 - px).save(tmp_path / "b" / "x.jpg")
    out = tmp_path / "out"
    assert run("restore", smoke_run, tmp_path / "a" / "x.png", tmp_path / "b" / "x.jpg", "--t", 3,
               "--out", out) == 0
    assert sorted(p.name for p in out.iterdir()) == ["a-x-restored.png", "b-x-restored.png"]
    assert (out / "a-x-restored.png").read_bytes() != (out / "b-x-restored.png").read_bytes()


def test_unique_output_names():
    assert unique_output_names(["a/x.png", "b/y.png"]) == ["x-restored.png", "y-restored.png"]
    assert unique_output_names(["a/x.png", "b/x.jpg"]) == ["a-x-restored.png", "b-x-restored.png"]
    names = unique_output_names(["a/x.png", "a/x.png", "a/x.jpg"])
    assert len(set(names)) == 3


# ============================================================================ silent wrong results
def test_16_bit_images_use_the_full_range(tmp_path):
    white = np.full((16, 16), 65535, np.uint16)
    Image.fromarray(white).save(tmp_path / "white.png")
    assert torch.allclose(load_image(tmp_path / "white.png", 1, 8), torch.ones(1, 1, 8, 8))
    grey = np.full((16, 16), 16384, np.uint16)  # a quarter of the range: dark, not black or white
    for name in ("grey.png", "grey.tif"):
        Image.fromarray(grey).save(tmp_path / name)
        x = load_image(tmp_path / name, 1, 8)
        assert abs(float(x.mean()) - (64 / 127.5 - 1)) < 0.02, name
    ramp = np.arange(64, dtype=np.uint16)[None].repeat(64, 0) * 512  # 0 .. 32256: darker half
    Image.fromarray(ramp).save(tmp_path / "ramp.png")
    x = load_image(tmp_path / "ramp.png", 1, 64)
    assert float(x.max()) < 0.0 and float(x.min()) == -1.0  # not stretched to white
    rgb16 = np.full((16, 16, 3), 65535, np.uint16)  # numpy input (the explorer's)
    assert torch.allclose(load_image(rgb16, 3, 8), torch.ones(1, 3, 8, 8))


def test_nan_pixel_is_rejected(tmp_path):
    f = np.full((16, 16), 0.5, np.float32)
    f[3, 3] = np.nan
    Image.fromarray(f, "F").save(tmp_path / "nan.tif")
    with pytest.raises(ImageError, match="nan.tif.*NaN"):
        load_image(tmp_path / "nan.tif", 1, 8)
    with pytest.raises(ImageError, match="NaN"):
        load_image(f, 1, 8)


@needs_data
def test_nan_pixel_rejected_by_restore(smoke_run, tmp_path, capsys):
    f = np.full((16, 16), 0.5, np.float32)
    f[3, 3] = np.nan
    Image.fromarray(f, "F").save(tmp_path / "nan.tif")
    out = tmp_path / "out"
    assert run("restore", smoke_run, tmp_path / "nan.tif", "--out", out) == 1
    one_line_error(capsys, "NaN")
    assert not out.exists()


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "1e6"])
def test_noise_std_must_be_finite_and_in_range(value, tmp_path, capsys):
    out = tmp_path / "gen"
    assert run("generate", tmp_path / "no-model", f"--noise-std={value}", "--out", out) == 1
    one_line_error(capsys, "--noise-std")
    assert not out.exists()
    assert run("evaluate", tmp_path / "no-model", f"--noise-std={value}", "--out", out) == 1
    one_line_error(capsys, "--noise-std")


@pytest.mark.parametrize("setting, message", [
    ("train.lrr=1", "did you mean train.lr"),
    ("trian.lr=1", "did you mean train.lr"),
    ("train.lr=abc", "train.lr must be a number, got 'abc'"),
    ("train.lr=nan", "train.lr must be a finite number"),
    ("train.steps=0", "train.steps must be at least 1"),
    ("train.steps=2.5", "train.steps must be a whole number"),
    ("train.batch_size=0", "train.batch_size must be at least 1"),
    ("train.grad_accum=0", "train.grad_accum must be at least 1"),
    ("train.save_every=0", "train.save_every must be at least 1"),
    ("model.dim_mults=2", "model.dim_mults must be a list"),
])
def test_set_is_validated(setting, message, tmp_path, capsys):
    out = tmp_path / "run"
    assert run("train", "mnist-blur", *SMOKE, "--set", setting, "--out", out) == 1
    one_line_error(capsys, message)
    assert not out.exists()


def test_set_accepts_valid_and_optional_keys():
    from cold.presets import apply_overrides, preset_config

    cfg = apply_overrides(preset_config("mnist-blur", "smoke"),
                          ["train.lr=1", "train.steps=3.0", "train.grad_clip=null", "model.dropout=0.1",
                           "data.partners_folder=/x", "degradation.overrides.T=5", "train.channels_last=true"])
    assert cfg["train"]["lr"] == 1.0 and cfg["train"]["steps"] == 3 and cfg["train"]["grad_clip"] is None


@pytest.mark.parametrize("make", ["missing", "empty"])
def test_resume_needs_a_run(make, tmp_path, capsys):
    out = tmp_path / "run"
    if make == "empty":
        out.mkdir()
    assert run("train", "mnist-blur", *SMOKE, "--out", out, "--resume") == 1
    one_line_error(capsys, "nothing to resume", "without --resume")
    assert (not out.exists()) if make == "missing" else list(out.iterdir()) == []


@needs_data
def test_nan_weights_are_refused(model_dir, tmp_path, capsys):
    from safetensors.torch import load_file, save_file

    bad = tmp_path / "nan-model"
    bad.mkdir()
    for f in (model_dir / "tiny").iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    sd = load_file(str(bad / ckpt.EMA))
    k = next(iter(sd))
    sd[k] = sd[k].clone().fill_(float("nan"))
    save_file(sd, str(bad / ckpt.EMA))
    out = tmp_path / "out"
    assert run("restore", bad, tmp_path / "nan-model" / "samples.png", "--out", out) == 1
    one_line_error(capsys, "NaN or infinite weights")
    assert run("sample", bad, "--n", 2, "--out", out / "grid.png") == 1
    one_line_error(capsys, "NaN or infinite weights")
    assert not out.exists()


def test_non_finite_outputs_are_not_written():
    from cold.cli import CLIError, _check_finite

    _check_finite(torch.zeros(2), "x")
    with pytest.raises(CLIError, match="NaN or infinite values"):
        _check_finite(torch.tensor([0.0, float("inf")]), "x")


# ============================================================================ unclear errors
def _fake_checkpoint(d: Path, config) -> Path:
    d.mkdir(parents=True)
    (d / ckpt.CONFIG).write_text(json.dumps(config))
    return d


def test_config_that_is_not_an_object(tmp_path, capsys):
    d = _fake_checkpoint(tmp_path / "c", [1, 2, 3])
    with pytest.raises(ckpt.CheckpointError, match="JSON list instead of an object"):
        ckpt.read_config(d)
    assert run("info", d) == 1
    one_line_error(capsys, "not a cold checkpoint config")


@needs_data
def test_disk_full_during_a_checkpoint(tmp_path, monkeypatch, capsys):
    def full(path, data):
        with open(path, "wb") as f:
            f.write(data[: len(data) // 2])  # a partial file, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(ckpt, "_write_bytes", full)
    out = tmp_path / "run"
    assert run("train", "mnist-blur", *SMOKE, "--out", out) == 1
    one_line_error(capsys, "no space left on device while writing", "nothing was changed")
    assert not out.exists()  # a new run that could not save its first checkpoint leaves nothing


@needs_data
def test_disk_full_keeps_the_previous_checkpoint(smoke_run, tmp_path, monkeypatch):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    for p in smoke_run.rglob("*"):  # a copy of a finished run (latest -> step 2)
        if p.is_file() and not p.name.startswith("."):
            (run_dir / p.relative_to(smoke_run)).parent.mkdir(parents=True, exist_ok=True)
            (run_dir / p.relative_to(smoke_run)).write_bytes(p.read_bytes())
    before = tree(run_dir / "checkpoints")
    monkeypatch.setattr(ckpt, "_write_bytes", lambda p, d: (_ for _ in ()).throw(
        OSError(errno.ENOSPC, "No space left on device")))
    assert main(["train", "mnist-blur", *SMOKE, "--set", "train.steps=4", "--out", str(run_dir),
                 "--resume"]) == 1
    assert tree(run_dir / "checkpoints") == before and ckpt.resolve(run_dir).name == "step-0000002"


# ============================================================================ already handled
def test_corrupt_checkpoint(model_dir, tmp_path, capsys):
    d = tmp_path / "corrupt"
    d.mkdir()
    for f in (model_dir / "tiny").iterdir():
        (d / f.name).write_bytes(f.read_bytes())
    data = (d / ckpt.EMA).read_bytes()
    (d / ckpt.EMA).write_bytes(data[: len(data) // 2])
    assert run("info", d) == 1
    one_line_error(capsys, "corrupt or truncated")


@needs_data
def test_pickled_training_state_is_refused(smoke_run, tmp_path):
    import pickle

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    d = tmp_path / "ck"
    d.mkdir()
    (d / ckpt.STATE).write_bytes(pickle.dumps({"x": Evil()}))
    with pytest.raises(ckpt.CheckpointError, match="corrupt, truncated or unsafe"):
        ckpt.read_training_state(d)


def test_explorer_out_of_range_values(image):
    from explorer.core import Explorer, InputError

    ex = Explorer(image.parent)  # no models: the forward process needs none
    with pytest.raises(InputError, match="out of range"):
        ex.forward(str(image), "mnist-blur", 99, 0)


# ============================================================================ explorer under load
@pytest.fixture(scope="module")
def server(tmp_path_factory):
    pytest.importorskip("gradio")
    pytest.importorskip("gradio_client")
    from explorer.app import build_app, serve_in_background

    demo = build_app(tmp_path_factory.mktemp("no-models"))  # /forward needs no model
    yield serve_in_background(demo)
    demo.close()


def test_30_identical_concurrent_requests_download(server, image, tmp_path):
    """Identical requests give identical outputs; each is written under its own name, so no
    download is ever cut short by another request rewriting the file (issue 10)."""
    from gradio_client import Client, handle_file

    clients = [Client(server, verbose=False, download_files=str(tmp_path / f"dl{i}")) for i in range(6)]

    def one(i):
        try:
            path = clients[i % len(clients)].predict(handle_file(str(image)), "cifar10-blur", 10, 0,
                                                     api_name="/forward")
            return Path(path).read_bytes()
        except Exception as e:  # counted below, with the message
            return e

    with ThreadPoolExecutor(30) as pool:
        results = list(pool.map(one, range(30)))
    failures = [r for r in results if isinstance(r, Exception)]
    assert not failures, f"{len(failures)} of 30 failed, e.g. {failures[0]!r}"
    decoded = [np.asarray(Image.open(__import__("io").BytesIO(b))) for b in results]
    assert all(np.array_equal(d, decoded[0]) for d in decoded)


def test_api_errors_carry_the_message(server, image):
    from gradio_client import Client, handle_file

    c = Client(server, verbose=False)
    with pytest.raises(Exception) as e:
        c.predict(handle_file(str(image)), "mnist-blur", 99, 0, api_name="/forward")
    assert "out of range" in str(e.value)
    with pytest.raises(Exception) as e:
        c.predict(handle_file(str(image)), "no-such-preset", 5, 0, api_name="/forward")
    assert str(e.value).strip() and "None" != str(e.value).strip()


def test_an_interrupted_export_is_not_a_model(tmp_path, monkeypatch):
    """A killed export leaves only a hidden temporary folder, which is never listed as a model."""
    from explorer.core import Explorer

    (tmp_path / ".tiny.abc123.tmp").mkdir()
    (tmp_path / ".tiny.abc123.tmp" / ckpt.CONFIG).write_text("{}")
    monkeypatch.setenv("COLD_MODEL_DIR", str(tmp_path))
    assert ckpt.shipped_models() == [] and Explorer(tmp_path).model_names() == []


def test_evaluate_steps_in_range(tmp_path, capsys):
    """cold evaluate --steps K needs 1 <= K <= T (mnist-blur: T = 20); nothing is written."""
    out = tmp_path / "ev"
    assert run("evaluate", "mnist-blur", "--steps", "21", "--n", "4", "--out", out) == 1
    one_line_error(capsys, "--steps", "1..20")
    with pytest.raises(SystemExit) as e:  # like --n, caught while parsing
        run("evaluate", "mnist-blur", "--steps", "0", "--n", "4", "--out", out)
    assert e.value.code == 2 and "--steps must be at least 1" in capsys.readouterr().err
    assert not out.exists()
