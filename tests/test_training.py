"""Training: the loss decreases, resume is exact, a killed run recovers, checkpoints are safe."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

import cold
from cold import checkpoint as ckpt
from cold.presets import PRESETS, SCALES, apply_overrides, preset_config
from cold.loss import ColdLoss
from cold.training import BatchPlan, TrainingError, train

needs_mnist = pytest.mark.skipif(not (Path(os.environ.get("COLD_DATA_DIR", "")) / "mnist.npz").is_file(),
                                 reason="MNIST not found in COLD_DATA_DIR")


def smoke_cfg(preset="mnist-blur", **train_over):
    cfg = preset_config(preset, "smoke")
    cfg["train"].update(train_over)
    return cfg


def weights(path, name=ckpt.MODEL):
    return ckpt.read_weights(Path(path) / name)


def test_every_preset_builds_at_every_scale():
    for name in PRESETS:
        for scale in SCALES:
            cfg = preset_config(name, scale)
            assert cfg["scale"] == scale and cfg["model"]["channels"] == cfg["data"]["channels"]
            D = ckpt.build_degradation(cfg)
            assert D.T >= 1
            ckpt.build_model(cfg)
    paper = preset_config("cifar10-blur", "paper")["train"]
    assert (paper["lr"], paper["batch_size"], paper["grad_accum"], paper["ema_decay"],
            paper["ema_every"], paper["steps"]) == (2e-5, 32, 2, 0.995, 10, 700_000)
    assert preset_config("mnist-inpaint", "paper")["train"]["batch_size"] == 64
    with pytest.raises(ValueError, match="unknown training preset"):
        preset_config("mnist-sharpen")


def test_overrides():
    cfg = apply_overrides(preset_config("mnist-blur", "smoke"),
                          ["train.steps=12", "model.dim_mults=[1,2,2]", "data.folder=/x/y",
                           "degradation.overrides.T=7"])
    assert cfg["train"]["steps"] == 12 and cfg["model"]["dim_mults"] == [1, 2, 2]
    assert cfg["data"]["folder"] == "/x/y" and ckpt.build_degradation(cfg).T == 7
    with pytest.raises(ValueError, match="unknown section"):
        apply_overrides(cfg, ["nope.x=1"])
    with pytest.raises(ValueError, match="key=value"):
        apply_overrides(cfg, ["train.steps"])


def test_batch_plan_is_a_permutation_per_epoch():
    plan = BatchPlan(10, 4, seed=3)
    idx = torch.cat([plan.indices(m) for m in range(5)])  # 20 positions = 2 epochs
    assert sorted(idx[:10].tolist()) == list(range(10)) and sorted(idx[10:].tolist()) == list(range(10))
    assert torch.equal(BatchPlan(10, 4, seed=3).indices(4), plan.indices(4))


@needs_mnist
def test_loss_decreases(tmp_path):
    cfg = smoke_cfg(steps=40, batch_size=8, lr=2e-3, log_every=1, save_every=40, sample_every=40)
    train(cfg, tmp_path, progress=False)
    rows = [json.loads("[" + line + "]") for line in (tmp_path / "log.csv").read_text().split("\n")[1:] if line]
    losses = [r[1] for r in rows]
    assert len(losses) == 40
    assert sum(losses[-10:]) / 10 < 0.7 * sum(losses[:5]) / 5
    assert (tmp_path / "samples" / "step-0000040.png").is_file()


@needs_mnist
def test_resume_equals_uninterrupted(tmp_path):
    cfg = smoke_cfg(steps=6, save_every=3, grad_accum=2)
    full = train(cfg, tmp_path / "a", progress=False)
    part = train(cfg, tmp_path / "b", progress=False, stop_after=3)
    assert part.name == "step-0000003"
    with pytest.raises(TrainingError, match="--resume"):
        train(cfg, tmp_path / "b", progress=False)
    resumed = train(cfg, tmp_path / "b", progress=False, resume=True)
    for f in (ckpt.MODEL, ckpt.EMA):
        a, b = weights(full, f), weights(resumed, f)
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a), f
    changed = dict(cfg, model=dict(cfg["model"], dim=16))
    with pytest.raises(TrainingError, match="config differs"):
        train(changed, tmp_path / "b", progress=False, resume=True)


@needs_mnist
def test_recovers_after_kill_9(tmp_path):
    run = tmp_path / "run"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    cmd = [sys.executable, "-m", "cold.cli", "train", "mnist-blur", "--scale", "smoke", "--out", str(run),
           "--no-progress", "--set", "train.steps=100000", "--set", "train.save_every=2",
           "--set", "train.sample_every=100000"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            if (run / "latest").is_file() and ckpt.read_config(ckpt.resolve(run))["step"] >= 6:
                break
            time.sleep(0.2)
        else:
            pytest.fail("the training run did not reach step 6 in time")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    last = ckpt.read_config(ckpt.resolve(run))["step"]
    m = cold.load(run)  # the latest checkpoint is complete and loads
    assert m.step == last
    cfg = apply_overrides(smoke_cfg(), ["train.steps=%d" % (last + 2), "train.save_every=2",
                                        "train.sample_every=100000"])
    final = train(cfg, run, resume=True, progress=False)
    assert final.name == f"step-{last + 2:07d}"
    reference = train(cfg, tmp_path / "ref", progress=False)
    a, b = weights(final), weights(reference)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not list((run / "checkpoints").glob(".*"))  # no temporary leftovers


@needs_mnist
def test_load_errors_are_clear(tmp_path):
    path = train(smoke_cfg(steps=2, save_every=2), tmp_path / "r", progress=False)
    m = cold.load(tmp_path / "r")
    assert isinstance(m.model, cold.UNet) and not m.model.training and m.ema
    x = torch.rand(2, 1, 28, 28) * 2 - 1
    assert cold.sample(m.model, m.degradation, m.degradation(x, 5), 5).shape == x.shape

    def broken(name, mutate):
        d = tmp_path / name
        d.mkdir()
        for f in path.iterdir():
            (d / f.name).write_bytes(f.read_bytes())
        mutate(d)
        return d

    trunc = broken("trunc", lambda d: (d / ckpt.EMA).write_bytes((d / ckpt.EMA).read_bytes()[:500]))
    with pytest.raises(ckpt.CheckpointError, match="corrupt or truncated"):
        cold.load(trunc)
    garbage = broken("garbage", lambda d: (d / ckpt.EMA).write_bytes(b"\x00" * 64))
    with pytest.raises(ckpt.CheckpointError, match="corrupt or truncated"):
        cold.load(garbage)
    badjson = broken("json", lambda d: (d / "config.json").write_text('{"model": '))
    with pytest.raises(ckpt.CheckpointError, match="not valid JSON"):
        cold.load(badjson)

    def other_width(d):
        c = json.loads((d / "config.json").read_text())
        c["model"]["dim"] = 16
        (d / "config.json").write_text(json.dumps(c))
    with pytest.raises(ckpt.CheckpointError, match="does not match"):
        cold.load(broken("mismatch", other_width))
    with pytest.raises(ckpt.CheckpointError, match="missing weights"):
        cold.load(broken("missing", lambda d: (d / ckpt.EMA).unlink() or (d / ckpt.MODEL).unlink()))
    with pytest.raises(ckpt.CheckpointError, match="no checkpoint"):
        cold.load(tmp_path / "does-not-exist")

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))
    evil = broken("evil", lambda d: torch.save({"x": Evil()}, d / ckpt.STATE))
    with pytest.raises(ckpt.CheckpointError, match="unsafe"):
        ckpt.read_training_state(evil)


def test_atomic_write_leaves_old_checkpoint_on_failure(tmp_path, monkeypatch):
    sd = {"w": torch.ones(3)}
    ckpt.save_run_checkpoint(tmp_path, 1, {"model": {}, "data": {}, "degradation": {}}, sd, sd, {"step": 1})

    def boom(*a, **k):  # every checkpoint file is written through ckpt._write_bytes
        raise OSError("disk full")
    monkeypatch.setattr(ckpt, "_write_bytes", boom)
    with pytest.raises(OSError, match="disk full"):
        ckpt.save_run_checkpoint(tmp_path, 2, {"model": {}, "data": {}, "degradation": {}}, sd, sd, {"step": 2})
    assert ckpt.resolve(tmp_path).name == "step-0000001"
    assert not list((tmp_path / "checkpoints").glob(".*"))


# ----------------------------------------------------------------------------- objective and data
def test_cold_loss_is_the_papers_l1_objective():
    """ColdLoss(R, x0, g) = mean |R(D(x0, t), t) - x0| with t ~ U{1..T} and the state from g."""
    from cold.loss import ColdLoss

    D = cold.degradation_preset("mnist-inpaint")
    x0 = torch.rand(6, 1, 32, 32, generator=torch.Generator().manual_seed(0)) * 2 - 1
    loss = ColdLoss(D)
    seen = {}

    def R(x_t, t):
        seen["x_t"], seen["t"] = x_t, t
        return torch.zeros_like(x_t)

    value = loss(R, x0, torch.Generator().manual_seed(5))
    assert value.item() == pytest.approx(x0.abs().mean().item(), rel=1e-6)
    # the same draws by hand: t first, then the state, then x_t = D(x0, t, state)
    g = torch.Generator().manual_seed(5)
    t = torch.randint(1, D.T + 1, (6,), generator=g)
    state = D.sample_state(x0, generator=g)
    assert torch.equal(seen["t"], t) and torch.equal(seen["x_t"], D(x0, t, state))
    assert 1 <= int(t.min()) and int(t.max()) <= D.T
    perfect = ColdLoss(D, p=2)(lambda x_t, t: x0, x0, torch.Generator().manual_seed(1))
    assert perfect.item() == 0.0
    with pytest.raises(ValueError, match="p must be 1 or 2"):
        ColdLoss(D, p=3)


@needs_mnist
def test_train_calls_the_given_objective(tmp_path):
    """The loop only calls the objective: a custom loss(R, x0, g) is used as is."""
    calls = []

    def objective(R, x0, g):
        calls.append(tuple(x0.shape))
        return R(x0, torch.ones(x0.shape[0], dtype=torch.long)).pow(2).mean()

    cfg = smoke_cfg("mnist-blur", steps=3, save_every=3, sample_every=3)
    train(cfg, tmp_path / "run", progress=False, device="cpu", loss=objective)
    assert calls == [(4, 1, 32, 32)] * 3


@needs_mnist
def test_dataloader_workers_do_not_change_training(tmp_path):
    """Each micro-batch's images, augmentation, t and state come from (seed, m): 0 or 2
    DataLoader workers train bit-identical weights (CIFAR-10 smoke run, with augmentation)."""
    if not (Path(os.environ.get("COLD_DATA_DIR", "")) / "cifar10-jpeg.tar.gz").is_file():
        pytest.skip("CIFAR-10 not found in COLD_DATA_DIR")
    runs = []
    for w in (0, 2):
        cfg = smoke_cfg("cifar10-blur-generation", steps=3, save_every=3, sample_every=3, num_workers=w)
        assert cfg["data"]["augment"]
        runs.append(train(cfg, tmp_path / f"w{w}", progress=False, device="cpu"))
    a, b = weights(runs[0]), weights(runs[1])
    assert all(torch.equal(a[k], b[k]) for k in a)


@needs_mnist
def test_sigterm_saves_a_checkpoint_and_resume_is_exact(tmp_path):
    """SIGTERM (or Ctrl-C) ends the current step, writes a checkpoint there and returns; resuming
    gives the same weights as an uninterrupted run."""
    cfg = smoke_cfg(steps=8, save_every=100, sample_every=100)
    full = train(cfg, tmp_path / "a", progress=False)
    calls = []

    def loss_then_signal(R, x0, g):
        calls.append(1)
        if len(calls) == 3:  # during step 3
            os.kill(os.getpid(), signal.SIGTERM)
        return ColdLoss(ckpt.build_degradation(cfg))(R, x0, g)

    before = signal.getsignal(signal.SIGTERM)
    stopped = train(cfg, tmp_path / "b", progress=False, loss=loss_then_signal)
    assert stopped.name == "step-0000003"
    assert signal.getsignal(signal.SIGTERM) == before  # the handler is restored
    resumed = train(cfg, tmp_path / "b", progress=False, resume=True)
    for f in (ckpt.MODEL, ckpt.EMA):
        a, b = weights(full, f), weights(resumed, f)
        assert all(torch.equal(a[k], b[k]) for k in a), f
    assert ckpt.read_config(resumed)["meta"]["wall_time_s"] >= 0
    # a run that fails gives the caller its handlers back as well
    nan_loss = lambda R, x0, g: R(x0, torch.ones(len(x0), dtype=torch.long)).sum() * float("nan")  # noqa: E731
    with pytest.raises(TrainingError, match="loss became nan"):
        train(cfg, tmp_path / "c", progress=False, loss=nan_loss)
    assert signal.getsignal(signal.SIGTERM) == before


@needs_mnist
def test_init_from_starts_from_another_models_weights(tmp_path):
    base = train(smoke_cfg(steps=2, save_every=2), tmp_path / "a", progress=False)
    cfg = apply_overrides(smoke_cfg(steps=1, lr=0.0, warmup=0), [f"train.init_from={tmp_path / 'a'}"])
    out = train(cfg, tmp_path / "b", progress=False)
    src, got = weights(base, ckpt.EMA), weights(out, ckpt.MODEL)
    assert all(torch.equal(src[k], got[k]) for k in src)  # lr 0: R is still the source's EMA
    other = apply_overrides(cfg, ["model.dim=16"])
    with pytest.raises(TrainingError, match="model config differs"):
        train(other, tmp_path / "c", progress=False)


def test_model_card_command_reproduces_the_config():
    """The --set flags of a model card turn the preset into the run's config."""
    from cold.modelcard import reproduce_flags
    import shlex

    cfg = apply_overrides(preset_config("cifar10-blur-generation", "cpu"),
                          ["degradation.overrides.sigma_start=1.01", "train.init_from=runs/x y",
                           "model.dim_mults=[1,2]", "prior.fit_n=100"])
    cfg["step"] = 1234
    flags = shlex.split(reproduce_flags(cfg))
    sets = [flags[i + 1] for i in range(0, len(flags), 2)]
    assert flags[::2] == ["--set"] * len(sets)
    rebuilt = apply_overrides(preset_config("cifar10-blur-generation", "cpu"), sets)
    cfg["train"]["steps"] = 1234
    assert {k: rebuilt[k] for k in ("degradation", "model", "train", "prior", "data")} == \
        {k: cfg[k] for k in ("degradation", "model", "train", "prior", "data")}
    assert reproduce_flags(dict(preset_config("mnist-blur", "cpu"), step=1000)) == ""


def test_prior_fit_n_spreads_over_a_class_sorted_split():
    """``prior.fit_n`` takes evenly spaced training images: the first n of a class-sorted split
    (CIFAR-10 here: airplanes, then automobiles) would give the prior a biased mean colour."""
    from cold.build import build_degradation
    from cold.training import fit_prior

    class Sorted(torch.utils.data.Dataset):  # two "classes" of 50 solid images each
        def __len__(self):
            return 100

        def __getitem__(self, i):
            return torch.full((3, 8, 8), -0.8 if i < 50 else 0.6)

    cfg = preset_config("cifar10-blur-generation", "smoke")
    D = build_degradation(cfg)
    for fit_n in (10, 7, None):
        cfg["prior"]["fit_n"] = fit_n
        means = torch.tensor(fit_prior(cfg, D, Sorted())["means"])
        k = 100 if fit_n is None else fit_n
        want = sum(-0.8 if i < 50 else 0.6 for i in (j * 100 // k for j in range(k))) / k
        assert torch.allclose(means, torch.full((1, 3), want, dtype=means.dtype), atol=1e-4), fit_n
        assert abs(want - (-0.8)) > 0.5  # the first fit_n images alone would all be -0.8
