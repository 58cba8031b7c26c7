"""The reproduction notebooks run top to bottom under papermill at smoke scale, and ``cold.reproduce``
summarises them.

Each notebook test executes ``notebooks/NN_*.ipynb`` into ``tmp_path`` (its ``out_dir``) and checks
that it wrote its table (markdown and JSON, with our row beside the paper's), at least one figure
and ``summary.json``.  To stay inside the CI budget on two CPU cores:

* the smoke models are trained once per session into a shared ``run_root`` (the notebooks reuse a
  finished run of the same config); ``mnist-blur`` is left for the first notebook to train itself,
  so the notebooks' own training path runs too;
* N = 4 images, and presets with T = 50..200 are shortened to T = 20 (``overrides``);
* distances use a cheap pixel projection (``fid_features="pixels"``) except in the deblurring
  notebook, which uses the real FID Inception network when its weights are installed.

The committed reports (``reports/``) are not regenerated here.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pm = pytest.importorskip("papermill")
pytest.importorskip("nbconvert")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
KERNEL = "python3"
N_EVAL = 4
SHORT_T = ["degradation.overrides.T=20"]

#: notebook -> (extra parameters, expected table name, presets it trains)
CASES = {
    "00_walkthrough": ({}, "backward_process", []),
    "01_tacos_properties": ({}, "tacos_properties", []),
    "02_deblurring": ({}, "table1", []),
    "03_inpainting": ({"overrides": SHORT_T}, "table2", [("mnist-inpaint", SHORT_T)]),
    "04_super_resolution": ({}, "table3", [("mnist-super_resolution", [])]),
    "05_snowification": ({"overrides": SHORT_T}, "table4", [("cifar10-snow", SHORT_T)]),
    "06_colorization": ({"overrides": SHORT_T}, "table6", [("cifar10-desaturate", SHORT_T)]),
    "07_noise_ddim": ({"overrides": SHORT_T}, "table5_hot", [("cifar10-noise", SHORT_T)]),
    "08_blur_generation": ({"overrides": SHORT_T}, "table5_cold", [("mnist-blur-generation", SHORT_T)]),
    "09_other_generation": ({"overrides": {"cifar10-inpaint-generation": SHORT_T, "mnist-animorph": SHORT_T}},
                            "section5_3", [("cifar10-inpaint-generation", SHORT_T),
                                           ("cifar10-super_resolution-generation", []),
                                           ("mnist-animorph", SHORT_T)]),
}


def _fashion_mnist_available() -> bool:
    try:
        from cold.data import load_dataset

        load_dataset("fashion_mnist", split="test")
        return True
    except (FileNotFoundError, OSError, ValueError):
        return False


def _inception_available() -> bool:
    try:
        from cold.metrics import find_inception_weights

        find_inception_weights()
        return True
    except (FileNotFoundError, ValueError):
        return False


@pytest.fixture(scope="session")
def kernel(tmp_path_factory):
    """A ``python3`` Jupyter kernel running this very interpreter (so it imports this ``cold``),
    put first on JUPYTER_PATH for the session."""
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (cold tests)", "language": "python"}))
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = str(root) + (os.pathsep + old if old else "")
    yield KERNEL
    if old is None:
        os.environ.pop("JUPYTER_PATH", None)
    else:
        os.environ["JUPYTER_PATH"] = old


@pytest.fixture(scope="session")
def run_root(tmp_path_factory):
    """Smoke models shared by the notebook tests, trained once in this process."""
    return tmp_path_factory.mktemp("runs")


@pytest.fixture(scope="session")
def common():
    sys.path.insert(0, str(NOTEBOOKS))
    try:
        import _common
    finally:
        sys.path.remove(str(NOTEBOOKS))
    return _common


@pytest.fixture(scope="session")
def pretrained(run_root, common, tmp_path_factory):
    """Train every smoke model the notebooks need (except mnist-blur) through the notebooks' own
    helper, so that the notebooks find finished runs of exactly their config."""
    from conftest import require_data

    require_data("mnist.npz", "cifar10-jpeg.tar.gz")
    ctx = common.setup("pretrain", scale="smoke", out_dir=str(tmp_path_factory.mktemp("pretrain")),
                       run_root=str(run_root), fid_features="pixels")
    skip = set() if _fashion_mnist_available() else {"mnist-animorph"}
    for _, _, presets in CASES.values():
        for preset, overrides in presets:
            if preset not in skip:
                ctx.model(preset, overrides=overrides)
    return run_root


def execute(name: str, out_dir: Path, run_root: Path, kernel: str, **params) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    parameters = dict(scale="smoke", n_eval=N_EVAL, seed=0, out_dir=str(out_dir), run_root=str(run_root),
                      fid_features="pixels", device="cpu")
    parameters.update(params)
    executed = out_dir / f"{name}.ipynb"
    pm.execute_notebook(str(NOTEBOOKS / f"{name}.ipynb"), str(executed), parameters=parameters,
                        kernel_name=kernel, cwd=str(NOTEBOOKS), progress_bar=False, log_output=False)
    return executed


def check_outputs(name: str, out_dir: Path, table: str) -> dict:
    md, js = out_dir / f"{table}.md", out_dir / f"{table}.json"
    assert md.is_file() and js.is_file(), sorted(p.name for p in out_dir.iterdir())
    assert md.read_text().startswith("## ") and "| " in md.read_text()
    data = json.loads(js.read_text())
    assert data["rows"] and data["columns"]
    if name not in ("00_walkthrough", "01_tacos_properties"):
        sources = {r.get("source") for r in data["rows"]}
        assert {"paper", "ours"} <= sources, sources
        for r in data["rows"]:
            for key in ("scale", "N", "steps", "hardware"):
                assert key in r, (key, r)
    assert list(out_dir.glob("*.png")), "no figure written"
    summary = json.loads((out_dir / "summary.json").read_text())
    for key in ("claim", "held", "evidence", "scale", "N", "steps", "hardware", "headline"):
        assert key in summary, key
    assert summary["scale"] == "smoke" and summary["N"] == N_EVAL
    assert summary["held"] in (True, False)
    assert summary["headline"]
    return summary


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in CASES if n != "01_tacos_properties"])
def test_notebook_smoke(name, tmp_path, kernel, pretrained):
    params, table, _ = CASES[name]
    if name == "02_deblurring" and _inception_available():
        params = dict(params, fid_features="inception")  # the real FID network, on 4 images
    execute(name, tmp_path / name, pretrained, kernel, **params)
    summary = check_outputs(name, tmp_path / name, table)
    if name == "02_deblurring":
        assert (tmp_path / name / "figure3_deblurring.png").is_file()
    if name == "07_noise_ddim":  # Appendix A.6 holds exactly, whatever the model
        sub = {s["claim"]: s["held"] for s in summary["subclaims"]}
        assert sub["TACoS with Estimated Noise equals deterministic DDIM (Appendix A.6)"] is True
    if name == "09_other_generation" and not _fashion_mnist_available():
        assert "mnist-animorph" in summary["skipped"]


@pytest.mark.slow
def test_tacos_properties_through_reproduce(tmp_path, kernel, pretrained):
    """01_tacos_properties, run by cold.reproduce.run_notebooks: executed ipynb, HTML and README."""
    from cold.reproduce import run_notebooks

    out = tmp_path / "reports"
    params = {"01_tacos_properties": dict(n_eval=N_EVAL, fid_features="pixels")}
    results = run_notebooks("smoke", only=["01"], device="cpu", out_root=out, progress=False,
                            params=params, run_root=pretrained, kernel_name=kernel)
    r = results["01_tacos_properties"]
    assert r["status"] == "ok", r
    nb_dir = out / "01_tacos_properties"
    assert (nb_dir / "01_tacos_properties.ipynb").is_file()
    assert (nb_dir / "01_tacos_properties.html").stat().st_size > 10_000
    summary = check_outputs("01_tacos_properties", nb_dir, "tacos_properties")
    # Section 3.3's linear argument is exact: it must hold even for an untrained model.
    assert summary["subclaims"][0]["held"] is True
    readme = (out / "README.md").read_text()
    assert "01_tacos_properties" in readme and "Section 3.3" in readme


# ----------------------------------------------------------------------------- cold.reproduce
def _fake_summary(out: Path, name: str, held, scale="cpu", **extra) -> None:
    d = out / name
    d.mkdir(parents=True)
    data = dict(notebook=name, section="4.1", title="Deblurring", claim="Sampled FID below direct FID",
                held=held, evidence="FID sampled 12.00 vs direct 15.00", scale=scale, N=200, steps=2500,
                hardware="Some CPU, 2 cores", train_hardware="Some CPU, 2 cores", fid_features="inception",
                headline=[dict(metric="FID, Sampled (TACoS)", ours=12.0, paper=4.69, paper_ref="Table 1, MNIST"),
                          dict(metric="FID, Direct", ours=15.0, paper=5.10, paper_ref="Table 1, MNIST", N=50)],
                tables=["table1.md"], figures=["figure3.png"])
    data.update(extra)
    (d / "summary.json").write_text(json.dumps(data))


def test_reproduce_readme_from_fake_summaries(tmp_path):
    from cold.reproduce import write_readme

    out = tmp_path / "reports"
    _fake_summary(out, "02_deblurring", True)
    _fake_summary(out, "08_blur_generation", False, section="5.2", title="Generation by deblurring",
                  claim="Broken symmetry beats perfect symmetry", evidence="FID 50.0 vs 40.0",
                  subclaims=[dict(claim="Broken beats perfect", held=False, evidence="50 vs 40"),
                             dict(claim="TACoS beats direct", held=True, evidence="50 vs 200")])
    _fake_summary(out, "07_noise_ddim", None, scale="smoke")
    (out / "03_inpainting").mkdir()
    (out / "03_inpainting" / "summary.json").write_text("{not json")
    runs = {"05_snowification": dict(status="failed", seconds=3.0, error="PapermillExecutionError: boom", ipynb=None),
            "02_deblurring": dict(status="ok", seconds=10.0, error=None)}
    readme = write_readme(out, runs=runs).read_text()

    assert readme.startswith("# Reproducing")
    table = [line for line in readme.splitlines() if line.startswith("| 02_deblurring")]
    assert len(table) == 2
    # scale, N, steps and hardware on every row; a row's own N overrides the summary's
    assert "| 12.00 | 4.69 | Table 1, MNIST | cpu | 200 | 2500 | Some CPU, 2 cores |" in table[0]
    assert "| cpu | 50 | 2500 |" in table[1]
    assert "**Held.** The paper's claim — *Sampled FID below direct FID* — held in our run" in readme
    assert "**Did NOT hold.**" in readme and "did NOT hold in our run" in readme
    assert "- Broken beats perfect: **did NOT hold** (50 vs 40)" in readme
    assert "**Not checked.**" in readme and "Smoke scale" in readme
    assert "unreadable summary.json" in readme
    assert "05_snowification" in readme and "PapermillExecutionError: boom" in readme
    assert "[table1.md](02_deblurring/table1.md)" in readme


def test_reproduce_readme_empty(tmp_path):
    from cold.reproduce import write_readme

    text = write_readme(tmp_path / "empty").read_text()
    assert "no results yet" in text


def test_select_and_params():
    from cold.reproduce import ReproduceError, list_notebooks, parse_params, select_notebooks

    names = list_notebooks()
    assert names == sorted(CASES), names
    assert select_notebooks(["02", "deblurring", "9"], names) == ["02_deblurring", "09_other_generation"]
    assert select_notebooks(None, names) == names
    with pytest.raises(ReproduceError, match="unknown notebook"):
        select_notebooks(["nope"], names)
    p = parse_params(["02.checkpoint=runs/x", "all.n_eval=16", '09.overrides={"a": ["b=1"]}'], names)
    assert p["02_deblurring"] == {"checkpoint": "runs/x", "n_eval": 16}
    assert p["09_other_generation"]["overrides"] == {"a": ["b=1"]} and len(p) == len(names)
    with pytest.raises(ReproduceError):
        parse_params(["n_eval=3"], names)


def test_reproduce_subcommand_parses():
    from cold.cli import build_parser

    p = build_parser()
    a = p.parse_args(["reproduce", "--scale", "cpu", "--only", "02", "08", "--device", "cpu", "--out", "x"])
    assert (a.scale, a.only, a.device, a.out) == ("cpu", ["02", "08"], "cpu", "x")
    assert callable(a.fn)


def _cells(nb):
    return [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", []))) for c in nb.cells]


def test_notebook_pairs_are_in_sync():
    """The source of truth is notebooks/NN_*.py (jupytext percent format); each is paired with its
    .ipynb (`jupytext --sync notebooks/NN_*.py` updates it), and the pair holds the same cells.
    Every notebook has one `parameters` cell with the documented parameters."""
    jupytext = pytest.importorskip("jupytext")
    import nbformat

    sources = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
    assert [p.stem for p in sources] == sorted(CASES)
    for py in sources:
        ipynb = py.with_suffix(".ipynb")
        assert ipynb.is_file(), f"{py.name} has no paired {ipynb.name}: run jupytext --sync {py}"
        text = jupytext.read(str(py))
        nb = nbformat.read(str(ipynb), as_version=4)
        assert _cells(text) == _cells(nb), f"{py.name} and {ipynb.name} differ: run jupytext --sync {py}"
        assert "py:percent" in nb.metadata["jupytext"]["formats"]
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), \
            f"{ipynb.name} is committed with outputs"
        cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(cells) == 1, py.name
        for p in ("scale", "dataset", "preset", "device", "n_eval", "seed", "out_dir", "checkpoint"):
            assert f"\n{p} = " in "\n" + cells[0].source, (py.name, p)
        assert nb.metadata["kernelspec"]["name"] == KERNEL


def test_grid_figure_caps_rows(common):
    """A figure of every evaluated image would be thousands of pixels tall: rows stop at max_rows."""
    import matplotlib.pyplot as plt
    import torch

    imgs = torch.rand(40, 3, 8, 8)

    def rows(fig):
        canvas = fig.axes[0].images[0].get_array()
        plt.close(fig)
        return (canvas.shape[0] - 1) // (8 + 1)  # tiles of 8 px plus a 1 px gap

    assert rows(common.grid_figure([("a", imgs), ("b", imgs)])) == 16
    assert rows(common.grid_figure([("a", imgs)], max_rows=3)) == 3
    assert rows(common.grid_figure([("a", imgs[:5]), ("b", imgs)], max_rows=8)) == 5


def test_html_export_reads_offline(tmp_path):
    """An executed notebook's widgets would be blank boxes in an offline HTML export (their
    renderer comes from a CDN): the export replaces them by a note and loads no widget script."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    from cold.reproduce import WIDGET_MIME, WIDGET_NOTE, export_html

    cell = new_code_cell("slider")
    cell.outputs = [new_output("display_data", data={WIDGET_MIME: {"model_id": "abc", "version_major": 2,
                                                                   "version_minor": 0},
                                                     "text/plain": "IntSlider(value=3)"}),
                    new_output("stream", name="stdout", text="figure below\n")]
    nb = new_notebook(cells=[cell])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    src = tmp_path / "w.ipynb"
    nbformat.write(nb, str(src))
    html = export_html(src, tmp_path / "w.html").read_text()
    assert WIDGET_NOTE in html and "figure below" in html
    assert WIDGET_MIME not in html and "html-manager" not in html


def test_demo_scale_uses_shipped_models_and_scratch(common, monkeypatch, tmp_path):
    """A student's run (no parameters: scale "demo") loads the shipped model of the section and
    writes into the scratch folder, never into the committed reports/; a preset that is not
    shipped falls back to a smoke model (trained into run_root)."""
    monkeypatch.setattr(common, "SCRATCH", tmp_path / "scratch")
    ctx = common.setup("02_deblurring", scale="demo", run_root=str(tmp_path / "runs"), device="cpu")
    assert ctx.out_dir == (tmp_path / "scratch" / "02_deblurring").resolve() and ctx.out_dir.is_dir()
    assert ctx.n_eval == common.DEFAULT_N_EVAL["demo"]
    m, info = ctx.model("mnist-blur")
    assert Path(m.path).resolve() == (ROOT / "models" / "mnist-blur").resolve()
    assert info["scale"] == "cpu" and not info["trained_or_resumed_here"]
    assert ctx.shipped("cifar10-snow") is None
    with pytest.raises(ValueError, match="scale must be one of"):
        common.setup("02_deblurring", scale="huge", out_dir=str(tmp_path / "x"))


def test_fid_stand_in_note_only_where_fid_is_shown(common, monkeypatch, tmp_path, capsys):
    """Without the Inception weights a demo run of a notebook with FID tables falls back to the
    pixel stand-in and says so; the walkthrough and TACoS notebooks show no FID and stay quiet."""
    import cold.metrics

    def missing(*a, **k):
        raise FileNotFoundError("no weights")

    monkeypatch.setattr(cold.metrics, "find_inception_weights", missing)
    monkeypatch.setattr(common, "SCRATCH", tmp_path / "scratch")
    ctx = common.setup("02_deblurring", scale="demo", device="cpu")
    assert ctx.fid_features == "pixels" and "pixel stand-in" in capsys.readouterr().out
    ctx = common.setup("00_walkthrough", scale="demo", device="cpu", uses_fid=False)
    out = capsys.readouterr().out
    assert "stand-in" not in out and "features: none (no FID here)" in out

