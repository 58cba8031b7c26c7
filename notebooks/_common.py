"""The pipeline shared by the reproduction notebooks (``notebooks/NN_*.ipynb``).

Each notebook reproduces one section of the paper: it trains its model through the library (or
loads a given checkpoint), evaluates it with :mod:`cold.evaluate` / :mod:`cold.metrics`, and writes
into its report directory (``reports/<notebook>/`` by default):

* figures (PNG), analogues of the paper's figures;
* its table as markdown and JSON, our numbers beside the paper's (copied from the paper's tables in
  the notebook itself), with scale, N, training steps and hardware on every row of ours;
* ``summary.json``: the paper's qualitative claim, whether it held in our run, the headline numbers
  and the run's metadata -- :mod:`cold.reproduce` collects these into ``reports/README.md``.

Nothing here is specific to one section; the notebooks hold the science.  Usage from a notebook::

    ctx = _common.setup("02_deblurring", scale=scale, device=device, n_eval=n_eval, seed=seed,
                        out_dir=out_dir, run_root=run_root, fid_features=fid_features)
    m, info = ctx.model("mnist-blur", checkpoint=checkpoint, train_steps=train_steps)
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Sequence

NOTEBOOK_DIR = Path(__file__).resolve().parent
REPO = NOTEBOOK_DIR.parent

#: The notebooks' own scale for a student running them top to bottom: ``demo`` loads the shipped
#: model of the section from ``models/`` (falling back to a seconds-long ``smoke`` model where none
#: is shipped) and evaluates few images, so each notebook finishes in a minute or two on 2 CPU cores.
#: ``smoke`` (CI), ``cpu`` and ``paper`` are the training scales of :mod:`cold.presets`.
NOTEBOOK_SCALES = ("demo", "smoke", "cpu", "paper")
#: N (test images, and generated images) per scale when the notebook's ``n_eval`` is None.
DEFAULT_N_EVAL = {"demo": 50, "smoke": 8, "cpu": 200, "paper": 10_000}
#: Where a notebook writes when ``out_dir`` is None: a scratch folder (git-ignored), so that a
#: student's run never overwrites the committed ``reports/`` (``cold reproduce`` passes ``out_dir``).
SCRATCH = REPO / "scratch"
MODELS = REPO / "models"
#: the paper's training budget (Appendix A), for the "steps" of the paper's rows
PAPER_STEPS = 700_000
PAPER_STEPS_INPAINT = 60_000
PAPER_HARDWARE = "not stated in the paper"
PAPER_N = "test set (size not stated)"
FID_FEATURES = ("inception", "pixels")


def _default_data_dir() -> None:
    """Tests, notebooks and CI read the offline datasets from ../shared/data unless told otherwise."""
    shared = REPO.parent / "shared" / "data"
    if "COLD_DATA_DIR" not in os.environ and shared.is_dir():
        os.environ["COLD_DATA_DIR"] = str(shared)


# ----------------------------------------------------------------------------- images
def to01(x):
    """Images in [-1, 1] -> [0, 1] (clamped), on the CPU."""
    return ((x.detach().float().cpu() + 1) / 2).clamp(0, 1)


def _shown_path(path) -> str:
    """``path`` as the reports name it: relative to the repository (``models/mnist-blur``,
    ``runs/...``), not a path on the machine that ran them (:func:`cold.checkpoint.display_path`)."""
    from cold.checkpoint import display_path

    return display_path(path, root=REPO)


def grid_figure(columns: Sequence[tuple[str, Any]], title: str = "", size: float = 1.1,
                row_labels: Sequence[str] | None = None, max_rows: int = 16):
    """A matplotlib figure: one column per ``(label, images (N, C, H, W) in [0, 1])``, one row per
    image, at most ``max_rows`` rows (the first images; a figure of all N = 200 evaluated images
    would be thousands of pixels tall).

    The tiles are pasted into one canvas (one ``imshow``: fast even for large grids); columns are
    labelled on top, rows optionally on the left."""
    import matplotlib.pyplot as plt
    import numpy as np

    n = min(min(int(c[1].shape[0]) for c in columns), max_rows)
    k = len(columns)
    H = max(int(c[1].shape[2]) for c in columns)
    W = max(int(c[1].shape[3]) for c in columns)
    pad = max(1, H // 14)
    canvas = np.ones(((H + pad) * n + pad, (W + pad) * k + pad, 3))
    for j, (_, imgs) in enumerate(columns):
        for i in range(n):
            a = imgs[i].detach().float().cpu().clamp(0, 1)
            if a.shape[0] == 1:
                a = a.expand(3, -1, -1)
            a = a.numpy().transpose(1, 2, 0)
            y, x = pad + i * (H + pad), pad + j * (W + pad)
            canvas[y:y + a.shape[0], x:x + a.shape[1]] = a
    fig_w = size * k * max(1.0, W / 32) ** 0.5 + (0.9 if row_labels else 0.2)
    fig_h = fig_w * canvas.shape[0] / canvas.shape[1] + (0.55 if title else 0.35)
    fig, ax = plt.subplots(figsize=(fig_w, fig_h))
    ax.imshow(canvas, interpolation="nearest")
    ax.set_xticks([pad + j * (W + pad) + W / 2 for j in range(k)])
    ax.set_xticklabels([c[0] for c in columns], fontsize=8)
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    if row_labels:
        ax.set_yticks([pad + i * (H + pad) + H / 2 for i in range(n)])
        ax.set_yticklabels(list(row_labels)[:n], fontsize=8)
    else:
        ax.set_yticks([])
    for s in ax.spines.values():
        s.set_visible(False)
    if title:
        ax.set_title(title, fontsize=10, pad=18)
    fig.tight_layout()
    return fig


def spread_indices(n: int, k: int) -> list[int]:
    """``k`` indices spread evenly over ``range(n)`` (all of them if ``k >= n``).

    The evaluated test subsets are in the datasets' order, which for CIFAR-10 here is sorted by
    class: the *first* rows of a figure would all be airplanes.  Figures take these rows instead."""
    if k >= n:
        return list(range(n))
    return [int(i * n / k) for i in range(k)]


def mosaic(images, ncols: int = 8, title: str = "", size: float = 0.9, labels: Sequence[str] | None = None):
    """A compact grid figure of one batch ``(N, C, H, W)`` in [0, 1]: ``ncols`` images a row
    (as the paper's sample grids), optional per-image ``labels`` under each tile."""
    import matplotlib.pyplot as plt
    import numpy as np

    imgs = images.detach().float().cpu().clamp(0, 1)
    n, c, h, w = imgs.shape
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    pad = max(1, h // 16)
    gap = max(pad, int(round(0.45 * h))) if labels else pad  # room for a label under each row
    canvas = np.ones((nrows * (h + gap) + pad, ncols * (w + pad) + pad, 3))
    for i in range(n):
        a = imgs[i].expand(3, -1, -1) if c == 1 else imgs[i]
        y, x = pad + (i // ncols) * (h + gap), pad + (i % ncols) * (w + pad)
        canvas[y:y + h, x:x + w] = a.numpy().transpose(1, 2, 0)
    fig_w = size * ncols * max(1.0, w / 32) ** 0.5
    fig_h = fig_w * canvas.shape[0] / canvas.shape[1] + (0.4 if title else 0.1)
    fig, ax = plt.subplots(figsize=(fig_w, fig_h))
    ax.imshow(canvas, interpolation="nearest")
    ax.axis("off")
    if labels:
        for i, lab in enumerate(list(labels)[:n]):
            ax.text(pad + (i % ncols) * (w + pad) + w / 2, pad + (i // ncols) * (h + gap) + h + 1,
                    str(lab), ha="center", va="top", fontsize=7)
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def png(fig, dpi: int = 90) -> bytes:
    """A matplotlib figure as PNG bytes (the figure is closed), for the notebooks' sliders: they
    redraw an ``ipywidgets.Image`` instead of using ``ipywidgets.interact`` /
    ``interactive_output``, whose Output widget can hang headless runs (papermill, nbconvert
    --execute: jupyter/nbclient#312)."""
    import io

    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def trajectory(R, D, x_t, t, method: str, state=None, keep: Sequence[int] | None = None):
    """Run a sampler on ``x_t`` and keep the iterates x_s (and x̂0 = R(x_s, s)) at the steps ``keep``.

    Returns ``(final, {s: x_s}, {s: x̂0})`` (all on the CPU, in [-1, 1]); ``keep`` defaults to
    every step.  ``final`` is x_0, which is also stored under ``s = 0``.
    """
    from cold import sample

    xs, x0s = {}, {}
    want = None if keep is None else set(int(s) for s in keep)

    def cb(s, x_s, x0_hat):
        if want is None or s in want:
            xs[s] = x_s.detach().float().cpu().clone()
            x0s[s] = x0_hat.detach().float().cpu().clone()

    final = sample(R, D, x_t, t, method=method, state=state, callback=cb)
    xs[0] = final.detach().float().cpu()
    return xs[0], xs, x0s


def spaced_steps(T: int, k: int = 8) -> list[int]:
    """``k`` steps from T down to 0, roughly evenly spaced (T and 0 included)."""
    k = max(2, min(k, T + 1))
    return sorted({round(T - i * T / (k - 1)) for i in range(k)}, reverse=True)


# ----------------------------------------------------------------------------- features
def pixel_features(x):
    """A cheap stand-in for the Inception network, for CI smoke runs only: a fixed random
    projection (seed 0) of the 16x16 greyscale image to 64 dimensions.  Distances computed on
    it are *not* FID/KID and are labelled as such wherever they appear."""
    import numpy as np
    import torch
    import torch.nn.functional as F

    x = x.float()
    if x.shape[1] == 3:
        x = x.mean(1, keepdim=True)
    x = F.interpolate(x, size=(16, 16), mode="area").flatten(1).double()
    g = torch.Generator().manual_seed(0)
    P = torch.randn(x.shape[1], 64, generator=g, dtype=torch.float64) / math.sqrt(x.shape[1])
    return np.asarray((x @ P).numpy())


pixel_features.__name__ = "pixels-random-projection-64d"


# ----------------------------------------------------------------------------- formatting
def fmt(x, digits: int = 2) -> str:
    """A table cell: the one formatter of the reports (:func:`cold.utils.format_cell`)."""
    from cold.utils import format_cell

    return format_cell(x, digits)


def _numeric(rows: Sequence[dict], key: str) -> bool:
    """Whether a table column holds numbers (right-aligned) rather than text."""
    vals = [r.get(key) for r in rows if r.get(key) is not None]
    return bool(vals) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals)


def _jsonable(x):
    from cold.utils import jsonable

    return jsonable(x)


def _finished_run(run: Path, cfg: dict) -> Path | None:
    """The final checkpoint of ``run`` if it already holds ``cfg`` trained to its last step."""
    from cold import checkpoint as ckpt
    from cold.training import resume_key

    if not (run / ckpt.LATEST).is_file():
        return None
    try:
        cdir = ckpt.resolve(run)
        saved = ckpt.read_config(cdir)
    except ckpt.CheckpointError:
        return None
    if int(saved.get("step", 0)) >= int(cfg["train"]["steps"]) and resume_key(saved) == resume_key(cfg):
        return cdir
    return None


# ----------------------------------------------------------------------------- context
@dataclass
class Context:
    """Everything a notebook run needs: its parameters resolved, where to write, and the writers."""

    notebook: str
    scale: str
    device: str
    n_eval: int
    seed: int
    out_dir: Path
    run_root: Path
    fid_features: str
    started: float = field(default_factory=time.time)
    figures: list = field(default_factory=list)
    tables: list = field(default_factory=list)
    models: list = field(default_factory=list)

    # ---- features -----------------------------------------------------------------
    @property
    def features(self) -> Callable | None:
        """The ``features=`` argument of :mod:`cold.evaluate` (None: the FID Inception network)."""
        return None if self.fid_features == "inception" else pixel_features

    @property
    def feature_network(self) -> str:
        if self.fid_features == "inception":
            from cold.evaluate import FEATURE_NETWORK

            return FEATURE_NETWORK
        return ("random projection of 16x16 grey pixels to 64-d (CI smoke runs only: the "
                "'FID'/'KID' columns are NOT Inception FID/KID)")

    @property
    def fid_label(self) -> str:
        return "FID" if self.fid_features == "inception" else "FID*"

    def fid_kid(self, real01, fake01, ref_info: dict | None = None, seed: int | None = None) -> dict:
        """FID and KID of ``fake01`` against ``real01`` (both (N, C, H, W) in [0, 1]) with this
        run's feature network (for image sets :mod:`cold.evaluate` does not cover).  ``ref_info``
        (the description :func:`cold.evaluate.test_images` returns with ``real01``) lets the
        Inception features of the real images come from the reference cache that
        :mod:`cold.evaluate` fills."""
        import numpy as np
        from cold import metrics as M

        if self.fid_features == "inception":
            if ref_info is not None:
                key = {k: ref_info[k] for k in ("dataset", "split", "size", "channels", "n")}
                f_real = M.reference_stats(key, lambda: real01, device=self.torch_device,
                                           progress=False).features
            else:
                f_real = M.features(real01, device=self.torch_device, progress=False)
            f_fake = M.features(fake01, device=self.torch_device, progress=False)
        else:
            f_real, f_fake = pixel_features(real01), pixel_features(fake01)
        f_real, f_fake = np.asarray(f_real, np.float64), np.asarray(f_fake, np.float64)
        sub = max(2, min(1000, len(f_real) // 2, len(f_fake) // 2))
        kid_mean, kid_std = M.kid_from_features(f_real, f_fake, 100, sub,
                                                seed=self.seed if seed is None else seed)
        return dict(fid=M.fid_from_features(M.feature_stats(f_real), M.feature_stats(f_fake)),
                    kid_mean=kid_mean, kid_std=kid_std)

    # ---- devices and hardware -------------------------------------------------------
    @property
    def torch_device(self) -> str:
        from cold.utils import resolve_device

        return str(resolve_device(self.device))

    @property
    def hardware(self) -> str:
        from cold.utils import hardware

        return hardware()

    # ---- models -----------------------------------------------------------------------
    def model(self, preset: str, checkpoint: str | None = None, train_steps: int | None = None,
              progress: bool = False, overrides: Sequence[str] | None = None):
        """The model of ``preset`` at this run's scale: loaded from ``checkpoint`` if given, else
        trained through :func:`cold.training.train` into ``run_root/<preset>-<scale>`` (the same
        directory ``cold train PRESET --scale SCALE`` uses, so a finished run there is reused and
        an interrupted one resumed).  Returns ``(m, info)``."""
        from cold import load
        from cold.build import is_stand_in
        from cold.presets import PRESETS, apply_overrides, preset_config
        from cold.training import train

        t0 = time.time()
        trained_here = False
        if not checkpoint and self.scale == "demo" and not overrides and train_steps is None:
            checkpoint = self.shipped(preset)
        if checkpoint:
            m = load(checkpoint, device=self.torch_device)
            run = Path(m.path)
        else:
            scale = "smoke" if self.scale == "demo" else self.scale
            if self.scale == "demo":
                why = ("overrides or train_steps were given" if self.shipped(preset)
                       else f"no shipped model {preset!r} in {_shown_path(MODELS)}")
                print(f"{why}: training a seconds-long smoke model instead (it shows the pipeline, "
                      f"not the paper; run the notebook with scale='cpu' for a real one)")
            cfg = preset_config(preset, scale)
            sets = list(overrides or [])
            if train_steps is not None:
                sets.append(f"train.steps={int(train_steps)}")
            cfg = apply_overrides(cfg, sets)
            run = self.run_root / f"{preset}-{scale}"
            if overrides:  # another config: another run directory
                digest = hashlib.sha1(json.dumps(list(overrides)).encode()).hexdigest()[:8]
                run = self.run_root / f"{preset}-{scale}-{digest}"
            done = _finished_run(run, cfg)
            if done is not None:  # a finished run of this very config: no need to start the trainer
                final = done
                print(f"reusing the finished run {run}")
            else:
                final = train(cfg, run, resume=True, progress=progress,
                              device="cpu" if self.torch_device == "cpu" else None)
                trained_here = True
            m = load(final, device=self.torch_device)
        cfg = m.config
        meta = m.meta or {}
        notes = cfg.get("notes") or ""
        name = cfg.get("name") or preset
        base = PRESETS.get(name, {}).get("base", {})
        info = dict(
            preset=name, checkpoint=_shown_path(m.path), scale=cfg.get("scale"), steps=m.step,
            dataset=cfg["data"]["dataset"], image_size=cfg["data"]["image_size"],
            degradation=cfg["degradation"]["preset"], T=int(m.degradation.T),
            degradation_overrides=cfg["degradation"].get("overrides") or {},
            train_hardware=meta.get("hardware"), train_wall_s=meta.get("wall_time_s"),
            final_loss=meta.get("final_loss"), notes=notes or base.get("notes", ""),
            stand_in=is_stand_in(cfg), trained_or_resumed_here=trained_here,
            load_or_train_s=round(time.time() - t0, 1))
        self.models.append(info)
        print(f"model {name}: {info['checkpoint']} (scale {info['scale']}, step {info['steps']}, "
              f"T = {info['T']}, trained on {info['train_hardware']})")
        if info["notes"]:
            print(f"  notes: {info['notes']}")
        return m, info

    def shipped(self, preset: str) -> str | None:
        """``models/<preset>`` if a model of that name is shipped with the repository, else None."""
        path = MODELS / preset
        return str(path) if (path / "model.safetensors").is_file() or (path / "config.json").is_file() else None

    def ours(self, info: dict, n: int) -> dict:
        """The per-row metadata of one of our rows: scale, N, training steps, hardware."""
        hw = info.get("train_hardware") or "?"
        ev = self.hardware
        return dict(scale=info.get("scale") or self.scale, N=int(n), steps=info.get("steps"),
                    hardware=hw if hw == ev else f"trained: {hw}; evaluated: {ev}")

    # ---- writers ----------------------------------------------------------------------
    def save_fig(self, fig, name: str, show: bool = True) -> Path:
        """Save a matplotlib figure as ``out_dir/name`` (PNG), display it and close it."""
        import matplotlib.pyplot as plt

        path = self.out_dir / (name if name.endswith(".png") else name + ".png")
        fig.savefig(path, dpi=110, bbox_inches="tight")
        self.figures.append(path.name)
        if show:
            try:
                from IPython.display import display

                display(fig)
            except ImportError:  # pragma: no cover
                pass
        plt.close(fig)
        return path

    def write_table(self, name: str, title: str, columns: Sequence[tuple], rows: Sequence[dict],
                    notes: Sequence[str] = ()) -> tuple[Path, Path]:
        """Write ``out_dir/name.md`` and ``out_dir/name.json``.

        ``columns``: ``(key, header)`` or ``(key, header, digits)``; ``rows``: dicts (missing keys
        print as "—").  The JSON holds the rows verbatim plus the columns, title and notes.
        """
        cols = [(c[0], c[1], c[2] if len(c) > 2 else 2) for c in columns]
        esc = lambda v: str(v).replace("|", "\\|")  # noqa: E731  (a literal | would split the cell)
        lines = [f"## {title}", "", "| " + " | ".join(esc(h) for _, h, _ in cols) + " |",
                 "|" + "|".join("---:" if _numeric(rows, k) else "---" for k, _, _ in cols) + "|"]
        for r in rows:
            lines.append("| " + " | ".join(esc(fmt(r.get(k), d)) for k, _, d in cols) + " |")
        if notes:
            lines.append("")
            lines += [f"- {n}" for n in notes]
        md = self.out_dir / f"{name}.md"
        js = self.out_dir / f"{name}.json"
        md.write_text("\n".join(lines) + "\n")
        js.write_text(json.dumps(_jsonable(dict(title=title, columns=[dict(key=k, header=h) for k, h, _ in cols],
                                                rows=list(rows), notes=list(notes))),
                                 indent=2, ensure_ascii=False) + "\n")
        self.tables.append(md.name)
        try:
            from IPython.display import Markdown, display

            display(Markdown("\n".join(lines)))
        except ImportError:  # pragma: no cover
            print("\n".join(lines))
        return md, js

    def write_summary(self, *, section: str, title: str, claim: str, held: bool | None,
                      evidence: str, headline: Sequence[dict], paper_ref: str = "",
                      extra: dict | None = None) -> Path:
        """Write ``summary.json``: the claim checked, whether it held, and the run's metadata.

        ``headline``: rows ``{"metric", "ours", "paper", "paper_ref"}`` (optionally "scale", "N",
        "steps", "hardware" overriding the run's) for the summary table of reports/README.md.
        """
        import torch

        steps = sorted({m.get("steps") for m in self.models if m.get("steps") is not None})
        hws = sorted({m.get("train_hardware") for m in self.models if m.get("train_hardware")})
        data = dict(
            notebook=self.notebook, section=section, title=title, paper_ref=paper_ref,
            claim=claim, held=held, evidence=evidence, scale=self.scale, N=self.n_eval,
            steps=steps[0] if len(steps) == 1 else (steps or None),
            hardware=self.hardware, train_hardware=hws[0] if len(hws) == 1 else (hws or None),
            device=self.torch_device, seed=self.seed, feature_network=self.feature_network,
            fid_features=self.fid_features, models=self.models, headline=list(headline),
            figures=self.figures, tables=self.tables, torch=torch.__version__,
            python=platform.python_version(), runtime_s=round(time.time() - self.started, 1),
            date=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        if extra:
            data.update(extra)
        path = self.out_dir / "summary.json"
        path.write_text(json.dumps(_jsonable(data), indent=2, ensure_ascii=False) + "\n")
        verdict = {True: "HELD", False: "DID NOT HOLD", None: "NOT CHECKED"}[held]
        print(f"[{self.notebook}] claim: {claim} -> {verdict}\n  {evidence}")
        return path


def setup(notebook: str, scale: str = "smoke", device: str = "auto", n_eval: int | None = None,
          seed: int = 0, out_dir: str | None = None, run_root: str | None = None,
          fid_features: str = "inception", uses_fid: bool = True) -> Context:
    """Resolve a notebook's parameters and prepare its report directory.

    ``out_dir`` defaults to the scratch folder ``<repo>/scratch/<notebook>`` (the committed
    ``reports/<notebook>`` is written only when asked for, as ``cold reproduce`` does),
    ``run_root`` (where models are trained) to ``<repo>/runs``, ``n_eval`` to
    :data:`DEFAULT_N_EVAL` of the scale.  At the ``demo`` scale, FID falls back to the pixel
    stand-in (with a note) when the FID Inception weights are not installed; notebooks that show
    no FID pass ``uses_fid=False`` and get neither the check nor the note.
    """
    import torch

    _default_data_dir()
    if scale not in NOTEBOOK_SCALES:
        raise ValueError(f"scale must be one of {NOTEBOOK_SCALES}, got {scale!r}")
    if fid_features not in FID_FEATURES:
        raise ValueError(f"fid_features must be one of {FID_FEATURES}, got {fid_features!r}")
    if os.environ.get("OMP_NUM_THREADS"):
        torch.set_num_threads(max(1, int(os.environ["OMP_NUM_THREADS"])))
    n = int(n_eval) if n_eval is not None else DEFAULT_N_EVAL[scale]
    if n < 2:
        raise ValueError(f"n_eval must be at least 2 (FID needs a covariance), got {n}")
    if uses_fid and scale == "demo" and fid_features == "inception":
        from cold.metrics import find_inception_weights

        try:
            find_inception_weights()
        except FileNotFoundError:
            print("The FID Inception weights are not installed (see ../shared/data/README.md or "
                  "`pip install pytorch-fid`): the FID columns below are a pixel stand-in, marked FID*.")
            fid_features = "pixels"
    out = Path(out_dir) if out_dir else SCRATCH / notebook
    out.mkdir(parents=True, exist_ok=True)
    runs = Path(run_root) if run_root else REPO / "runs"
    torch.manual_seed(int(seed))
    ctx = Context(notebook=notebook, scale=scale, device=device or "auto", n_eval=n, seed=int(seed),
                  out_dir=out.resolve(), run_root=runs.resolve(), fid_features=fid_features)
    print(f"{notebook}: scale {scale}, N = {n}, seed {seed}, device {ctx.torch_device}, "
          f"features: {fid_features if uses_fid else 'none (no FID here)'}\n  reports -> {ctx.out_dir}\n  models  -> {ctx.run_root}\n"
          f"  hardware: {ctx.hardware}; python {sys.version.split()[0]}, torch {torch.__version__}")
    return ctx


# ----------------------------------------------------------------------------- restoration tables
RESTORATION_GROUPS = (("degraded", "Degraded"), ("tacos", "Sampled"), ("direct", "Direct"))


def restoration_columns(ctx: Context, groups=RESTORATION_GROUPS, kid: bool = True) -> list[tuple]:
    """Columns of Tables 1-4 and 6: Source, Dataset, then FID/SSIM/RMSE per group, then our
    KIDs and the run metadata."""
    cols = [("source", "Source"), ("dataset", "Dataset")]
    for key, label in groups:
        cols += [(f"{key}_fid", f"{label} {ctx.fid_label}", 2), (f"{key}_ssim", f"{label} SSIM", 3),
                 (f"{key}_rmse", f"{label} RMSE", 3)]
    if kid:
        cols += [(f"{key}_kid", f"{label} KID", 4) for key, label in groups]
    cols += [("scale", "Scale"), ("N", "N"), ("steps", "Training steps"), ("hardware", "Hardware")]
    return cols


def paper_restoration_rows(table: dict, steps: int = PAPER_STEPS, groups=RESTORATION_GROUPS) -> list[dict]:
    """The paper's rows, from ``{dataset: {group: (FID, SSIM, RMSE)}}``."""
    rows = []
    for ds, vals in table.items():
        r = dict(source="paper", dataset=ds, scale="paper", N=PAPER_N, steps=steps, hardware=PAPER_HARDWARE)
        for key, _ in groups:
            if key in vals and vals[key] is not None:
                r[f"{key}_fid"], r[f"{key}_ssim"], r[f"{key}_rmse"] = vals[key]
        rows.append(r)
    return rows


def our_restoration_row(ctx: Context, result: dict, info: dict, label: str) -> dict:
    """Our row of a restoration table, from :func:`cold.evaluate.evaluate_restoration`'s result."""
    r = dict(source="ours", dataset=label, **ctx.ours(info, result["meta"]["N"]))
    for row in result["rows"]:
        k = row["key"]
        r[f"{k}_fid"], r[f"{k}_ssim"], r[f"{k}_rmse"] = row.get("fid"), row.get("ssim"), row.get("rmse")
        r[f"{k}_kid"] = row.get("kid_mean")
    return r


def evaluate_restoration(ctx: Context, m, methods=("tacos", "direct"), batch_size: int = 50) -> dict:
    """:func:`cold.evaluate.evaluate_restoration` with this run's N, seed, device and features;
    the images are kept (``result["images"]``, in [0, 1]) for the figures."""
    from cold.evaluate import evaluate_restoration as ev

    return ev(m, n=ctx.n_eval, seed=ctx.seed, batch_size=min(batch_size, ctx.n_eval),
              device=ctx.torch_device, methods=methods, progress=False, features=ctx.features,
              keep_images=True)


def evaluate_generation(ctx: Context, m, noise_stds=(0.0, 0.002), methods=("direct", "naive", "tacos"),
                        batch_size: int = 50, floor: bool = False) -> dict:
    """:func:`cold.evaluate.evaluate_generation` with this run's N, seed, device and features
    (``floor``: also score N real training images, what perfect samples get at this N)."""
    from cold.evaluate import evaluate_generation as ev

    return ev(m, n=ctx.n_eval, noise_stds=noise_stds, methods=methods, seed=ctx.seed,
              batch_size=min(batch_size, ctx.n_eval), device=ctx.torch_device, progress=False,
              features=ctx.features, keep_images=True, floor=floor)


def restoration_figures(ctx: Context, m, result: dict, fig_name: str, title: str,
                        progressive_name: str | None = None, n_show: int = 8, n_prog: int = 3) -> None:
    """The paper's restoration figure (degraded | direct | TACoS | original) from the evaluated
    images, and a progressive-restoration filmstrip (x_s along TACoS) for a few images."""
    import torch
    from cold.evaluate import test_images

    im = result["images"]
    rows = spread_indices(int(im["real"].shape[0]), n_show)  # over classes, not the first (sorted) ones
    cols = [("Degraded x_T", im["degraded"][rows]), ("Direct R(x_T, T)", im["direct"][rows]),
            ("TACoS", im["tacos"][rows]), ("Original x0", im["real"][rows])]
    ctx.save_fig(grid_figure(cols, title=title, max_rows=n_show), fig_name)
    if progressive_name:
        D = m.degradation
        x0, _ = test_images(m, ctx.n_eval)
        x0 = x0[spread_indices(len(x0), n_prog)].to(ctx.torch_device)
        g = torch.Generator().manual_seed(ctx.seed)
        state = D.sample_state(x0, generator=g)
        x_T = D(x0, D.T, state)
        keep = spaced_steps(D.T, 8)
        _, xs, _ = trajectory(m.model, D, x_T, D.T, "tacos", state=state, keep=keep)
        frames = [(f"s={s}", to01(xs[s])) for s in keep if s in xs]
        frames.append(("original", to01(x0)))
        ctx.save_fig(grid_figure(frames, title=f"{title}: progressive restoration with TACoS"),
                     progressive_name)


def pick_preset(dataset: str, presets: dict) -> str:
    """The preset of ``dataset`` among a notebook's ``presets`` (a clear error for others)."""
    if dataset not in presets:
        raise ValueError(f"dataset {dataset!r} has no preset in this notebook; choose one of "
                         f"{', '.join(presets)} or pass `preset` explicitly")
    return presets[dataset]


# ----------------------------------------------------------------------------- generation tables
def generation_columns(ctx: Context, extra: Sequence[tuple] = ()) -> list[tuple]:
    """Columns of Table 5-like tables: one row per (prior setting, sampler)."""
    return ([("source", "Source"), ("dataset", "Dataset"), ("setting", "Prior / setting"),
             ("sampler", "Sampler"), ("fid", ctx.fid_label, 2), ("kid", "KID", 4)] + list(extra) +
            [("scale", "Scale"), ("N", "N"), ("steps", "Training steps"), ("hardware", "Hardware")])


def our_generation_rows(ctx: Context, result: dict, info: dict, label: str) -> list[dict]:
    """Our rows from :func:`cold.evaluate.evaluate_generation`'s result."""
    meta = ctx.ours(info, result["meta"]["N"])
    return [dict(source="ours", dataset=label, setting=r["setting"], sampler=r["name"], method=r["method"],
                 noise_std=r.get("noise_std"), fid=r.get("fid"), kid=r.get("kid_mean"),
                 kid_std=r.get("kid_std"), **meta) for r in result["rows"]]


def find_row(result: dict, method: str, setting: str | None = None, noise_std: float | None = None) -> dict:
    """The row of a generation result for ``method`` and a setting (by name or by noise_std)."""
    for r in result["rows"]:
        if r["method"] != method:
            continue
        if setting is not None and r["setting"] != setting:
            continue
        if noise_std is not None and (r.get("noise_std") is None or abs(r["noise_std"] - noise_std) > 1e-12):
            continue
        return r
    raise KeyError(f"no row for method={method!r}, setting={setting!r}, noise_std={noise_std!r}")


def paper_row(**kw) -> dict:
    """A row of the paper's numbers with the paper's scale, N, steps and hardware filled in."""
    row = dict(source="paper", scale="paper", N=PAPER_N, steps=PAPER_STEPS, hardware=PAPER_HARDWARE)
    row.update(kw)
    return row
