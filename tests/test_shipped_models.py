"""The shipped default models (models/*): they load by name, are small, and TACoS restores
held-out test images better than the degraded input (RMSE)."""
import json
import os
from pathlib import Path

import pytest
import torch

import cold
from cold.checkpoint import models_dir, shipped_models
from cold.priors import generation_start
from cold.training import build_datasets, first_images

SHIPPED = shipped_models()
EXPECTED = {"mnist-blur", "mnist-inpaint", "cifar10-blur-generation"}
HAS_DATA = (Path(os.environ.get("COLD_DATA_DIR", "")) / "mnist.npz").is_file()


def test_expected_models_are_shipped_and_small():
    assert EXPECTED <= set(SHIPPED), f"missing shipped models: {EXPECTED - set(SHIPPED)}"
    total = 0
    for name in SHIPPED:
        files = list((models_dir() / name).iterdir())
        size = sum(f.stat().st_size for f in files)
        total += size
        assert size <= 10 * 2 ** 20, f"{name} is {size / 2 ** 20:.1f} MiB"
        assert (models_dir() / name / "README.md").is_file() and (models_dir() / name / "samples.png").is_file()
    assert total <= 40 * 2 ** 20


@pytest.mark.parametrize("name", sorted(set(SHIPPED) - {"cifar10-blur-generation"}))
@pytest.mark.skipif(not HAS_DATA, reason="needs the test images in COLD_DATA_DIR")
def test_tacos_restores_better_than_degraded(name):
    m = cold.load(name)
    assert not m.model.training
    cfg = json.loads(json.dumps(m.config))
    cfg["data"]["augment"] = False
    ds, _ = build_datasets(cfg, split="test")
    x0 = first_images(ds, 16)
    D = m.degradation
    state = D.sample_state(x0, generator=torch.Generator().manual_seed(0))
    x_T = D(x0, D.T, state)
    x_hat = cold.sample(m.model, D, x_T, D.T, method="tacos", state=state)
    rmse = lambda a: float(((a.clamp(-1, 1) - x0) / 2).pow(2).mean().sqrt())
    assert rmse(x_hat) < 0.8 * rmse(x_T), (rmse(x_hat), rmse(x_T))


@pytest.mark.skipif("cifar10-blur-generation" not in SHIPPED, reason="model not shipped")
def test_generation_model_generates():
    m = cold.load("cifar10-blur-generation")
    assert m.prior is not None and m.prior.kind == "mean_color_gmm"
    g = torch.Generator().manual_seed(0)
    x_T, state = generation_start(m.degradation, m.prior, 4, m.image_shape, noise_std=0.002, generator=g)
    x0 = cold.sample(m.model, m.degradation, x_T, m.degradation.T, method="tacos", state=state)
    assert x0.shape == (4, 3, 32, 32) and torch.isfinite(x0).all()
    # TACoS turns the (almost) solid colours into images with structure
    assert float(x0.std(dim=(2, 3)).mean()) > 10 * float(x_T.std(dim=(2, 3)).mean())
    # and keeps each image's mean colour close to the sampled one (blur preserves the mean)
    assert (x0.mean(dim=(2, 3)) - x_T.mean(dim=(2, 3))).abs().mean() < 0.25


def test_mnist_inpaint_uses_the_papers_masks():
    """The shipped inpainting model was trained on the masks that reproduce Table 2 (docs/fidelity.md)."""
    m = cold.load("mnist-inpaint")
    D = m.degradation
    assert D.beta_is == "std" and D.betas[0] == pytest.approx(1.1) and D.quantize_bits == 8
    assert m.image_shape == (1, 32, 32)
