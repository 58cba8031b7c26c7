"""cold.judges: the measures of generated images that a blank image cannot fool."""
import pytest
import torch

from cold import judges
from conftest import require_data


def test_ink_fraction_counts_pixels_brighter_than_mid_grey():
    x = -torch.ones(2, 1, 4, 4)
    x[0, 0, :2] = 1.0  # half the pixels
    assert judges.ink_fraction(x).tolist() == [0.5, 0.0]
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        judges.ink_fraction(torch.zeros(4, 4))


def test_nearest_centred_cosine_ignores_brightness_and_contrast():
    g = torch.Generator().manual_seed(0)
    ref = torch.rand(50, 1, 8, 8, generator=g) * 2 - 1
    x = 0.3 * ref[[7, 21]] + 0.2  # dimmer, shifted copies of two references
    sim, idx = judges.nearest_centred_cosine(x, ref, chunk=16)  # chunks must not change the answer
    assert idx.tolist() == [7, 21] and torch.allclose(sim, torch.ones(2), atol=1e-5)
    flat = torch.full((1, 1, 8, 8), 0.4)
    assert float(judges.nearest_centred_cosine(flat, ref)[0]) == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(ValueError, match="differ in shape"):
        judges.nearest_centred_cosine(x, ref[:, :, :4])


def test_digit_classifier_shape_and_shipped_weights():
    net = judges.DigitClassifier()
    assert net(torch.zeros(3, 1, 32, 32)).shape == (3, 10)
    with pytest.raises(ValueError, match="32, 32"):
        net(torch.zeros(3, 1, 28, 28))
    shipped = judges.load_digit_classifier()  # in the package: no dataset needed
    conf, label = judges.recognisability(torch.zeros(4, 1, 32, 32), shipped)
    assert 0.1 <= conf <= 1.0 and label.shape == (4,)


def test_classifier_recognises_real_digits():
    from cold.data import load_dataset

    require_data("mnist.npz")
    ds = load_dataset("mnist", "test", image_size=32, channels=1)
    x, y = ds.batch(range(500)), ds.labels[:500]
    conf, pred = judges.recognisability(x)
    assert float((pred == y).float().mean()) > 0.95 and conf > 0.9
    # a blank image is not a digit the classifier is sure of
    blank = judges.recognisability(-torch.ones(8, 1, 32, 32))[0]
    assert blank < conf


def test_showcase_writes_its_figures_and_one_card_block(tmp_path):
    """cold showcase on a seconds-long generation run: every output is written, the card gets
    one block (a second run replaces it), and the numbers are of the right samplers."""
    import json

    import numpy as np

    from cold.modelcard import export_model
    from cold.presets import preset_config
    from cold.showcase import BEGIN, END, showcase
    from cold.training import train

    require_data("mnist.npz")
    cfg = preset_config("mnist-blur-generation", "smoke")
    cfg["degradation"]["overrides"]["T"] = 8
    train(cfg, tmp_path / "run", progress=False)
    model = export_model(tmp_path / "run", "gen", tmp_path / "models")

    def features(x):
        P = torch.randn(x[0].numel(), 8, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
        return (x.flatten(1).double() @ P).numpy() / 10

    for _ in range(2):
        r = showcase(str(model), n=12, batch_size=6, progress=False, features=features)
    assert [row["method"] for row in r["rows"]] == ["real", "direct", "naive", "tacos", "naive-perfect",
                                                    "tacos-perfect"]
    assert all(np.isfinite(row["fid"]) for row in r["rows"][1:4]) and r["rows"][0]["fid"] is None
    assert all("recognisability" in row for row in r["rows"])  # digits are judged
    for f in ("figure2.png", "nearest.png", "diversity.png", "showcase.json", "showcase.md"):
        assert (model / f).is_file(), f
    assert json.loads((model / "showcase.json").read_text())["n"] == 12
    card = (model / "README.md").read_text()
    assert card.count(BEGIN) == 1 and card.count(END) == 1 and "| TACoS |" in card
