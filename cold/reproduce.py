"""``cold reproduce``: run the reproduction notebooks and summarise them in ``reports/README.md``.

This module sits *on top of* the library: it orchestrates the repository's files (executes
``notebooks/``, writes ``reports/``).  Nothing in ``cold`` imports it except the command line
(:mod:`cold.cli`), and the notebooks it runs import only the library (``tests/test_architecture.py``
checks both).

    cold reproduce [--scale smoke|cpu|paper] [--only NAME ...] [--device auto|cpu|cuda] [--out reports]
                   [--param NAME.KEY=VALUE ...] [--runs DIR] [--no-html]

Every notebook ``notebooks/NN_name.ipynb`` reproduces one section of the paper (see
its source is the paired jupytext file ``notebooks/NN_name.py``).  :func:`run_notebooks` executes them with papermill, injecting
the scale, device and report directory ``<out>/<NN_name>/``; each notebook trains or loads its
model through the library, evaluates it and writes its figures, its table (markdown and JSON, our
numbers beside the paper's) and ``summary.json`` there.  This module adds the executed notebook
(``.ipynb``) and an HTML export of it, then :func:`write_readme` collects every ``summary.json``
under ``<out>`` into ``<out>/README.md``: one summary table (ours vs paper, with scale, N,
training steps and hardware on every row) and, per section, whether the paper's claim held in our
run -- said plainly where it did not.
"""
from __future__ import annotations

import json
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Sequence

from .utils import atomic_write_text, format_cell, parse_value

__all__ = ["notebooks_dir", "list_notebooks", "select_notebooks", "run_notebooks", "export_html",
           "write_readme", "load_summaries", "parse_params", "format_cell", "ReproduceError", "SCALES"]

NOTEBOOKS_ENV = "COLD_NOTEBOOKS_DIR"
SCALES = ("smoke", "cpu", "paper")


class ReproduceError(RuntimeError):
    pass


# ----------------------------------------------------------------------------- notebooks
def notebooks_dir() -> Path:
    """``$COLD_NOTEBOOKS_DIR``, else ``notebooks/`` of the source checkout."""
    env = os.environ.get(NOTEBOOKS_ENV)
    d = Path(env) if env else Path(__file__).resolve().parent.parent / "notebooks"
    if not d.is_dir():
        raise ReproduceError(f"no notebooks directory at {d}: run from a source checkout of cold "
                             f"(pip install -e .) or set ${NOTEBOOKS_ENV}")
    return d


def list_notebooks(directory: Path | None = None) -> list[str]:
    """The reproduction notebooks, ``NN_name`` (without ``.ipynb``), in order."""
    d = directory or notebooks_dir()
    return sorted(p.stem for p in d.glob("[0-9][0-9]_*.ipynb"))


def select_notebooks(only: Sequence[str] | None, available: Sequence[str]) -> list[str]:
    """Resolve ``--only`` names: a full name (``02_deblurring``), its number (``02`` or ``2``) or
    its title (``deblurring``)."""
    if not only:
        return list(available)
    chosen = []
    for name in only:
        key = str(name).strip().removesuffix(".ipynb")
        hits = [n for n in available if key in (n, n[:2], n[3:]) or (key.isdigit() and int(key) == int(n[:2]))]
        if not hits:
            raise ReproduceError(f"unknown notebook {name!r}; choose from {', '.join(available)}")
        chosen += [h for h in hits if h not in chosen]
    return [n for n in available if n in chosen]


def parse_params(items: Iterable[str] | None, names: Sequence[str]) -> dict[str, dict]:
    """``NAME.KEY=VALUE`` items -> ``{notebook: {key: value}}`` (NAME as for ``--only``, or
    ``all``; VALUE parsed as JSON where possible, e.g. ``02.checkpoint=runs/mnist-blur-cpu``,
    ``all.n_eval=100``, ``09.overrides={"mnist-animorph": ["train.steps=500"]}``)."""
    out: dict[str, dict] = {}
    for item in items or []:
        if "=" not in item or "." not in item.split("=", 1)[0]:
            raise ReproduceError(f"--param expects NAME.KEY=VALUE, got {item!r}")
        target, value = item.split("=", 1)
        nb, key = target.split(".", 1)
        targets = list(names) if nb == "all" else select_notebooks([nb], names)
        for t in targets:
            out.setdefault(t, {})[key] = parse_value(value)
    return out


WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
#: what an interactive widget's output becomes in the static HTML export
WIDGET_NOTE = ("[interactive widget: open the notebook in JupyterLab to use it; "
               "the static figure next to it shows the same content]")


def static_widgets(nb) -> int:
    """Replace every ipywidgets output of an executed notebook by a short plain-text note and
    drop the saved widget state.  Widgets need a live kernel, and an HTML export renders them with
    scripts fetched from a CDN: offline they would be blank boxes.  Returns how many were replaced."""
    n = 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data")
            if data and WIDGET_MIME in data:
                data.pop(WIDGET_MIME)
                data["text/plain"] = WIDGET_NOTE
                n += 1
    nb.metadata.pop("widgets", None)
    return n


def export_html(ipynb: Path, html: Path) -> Path:
    """Export an executed notebook to a standalone HTML file (outputs and figures embedded) that
    reads the same offline: widget outputs become a note (:func:`static_widgets`), and no widget
    manager script is loaded from a CDN."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(ipynb), as_version=4)
    static_widgets(nb)
    body, _ = HTMLExporter().from_notebook_node(nb)
    atomic_write_text(html, body)
    return html


def run_notebooks(scale: str = "smoke", only: Sequence[str] | None = None, device: str | None = None,
                  out_root: str | os.PathLike = "reports", progress: bool = True,
                  params: dict[str, dict] | None = None, run_root: str | os.PathLike | None = None,
                  kernel_name: str = "python3", html: bool = True, readme: bool = True,
                  timeout: int | None = None) -> dict[str, dict]:
    """Execute the notebooks with papermill and write ``<out_root>/README.md``.

    Args:
        scale: ``smoke`` (seconds, CI), ``cpu`` (a real model on 2 CPU cores) or ``paper``.
        only: notebook names to run (see :func:`select_notebooks`); default all.
        device: ``auto``, ``cpu`` or ``cuda`` (injected as the notebooks' ``device``).
        out_root: each notebook writes into ``out_root/<notebook>/``.
        progress: papermill's cell progress bar and one line per notebook.
        params: extra parameters per notebook, ``{notebook: {name: value}}``.
        run_root: where the notebooks train their models (default: the notebooks' own, ``runs/``).
        kernel_name: the Jupyter kernel (it must import ``cold``).
        html: also export each executed notebook to HTML.
        readme: write ``out_root/README.md`` from every ``summary.json`` under ``out_root``.
        timeout: per-cell execution timeout in seconds (papermill's ``execution_timeout``).

    Returns ``{notebook: {"status": "ok"|"failed", "seconds", "error", "ipynb", "html"}}``.  A
    failing notebook does not stop the others; its executed copy shows where it failed.
    """
    import papermill as pm

    if scale not in SCALES:
        raise ReproduceError(f"scale must be one of {', '.join(SCALES)}, got {scale!r}")
    nb_dir = notebooks_dir()
    names = select_notebooks(only, list_notebooks(nb_dir))
    if not names:
        raise ReproduceError(f"no notebooks NN_*.ipynb in {nb_dir}")
    root = Path(out_root).expanduser().resolve()
    root.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict] = {}
    for i, name in enumerate(names, 1):
        out = root / name
        out.mkdir(parents=True, exist_ok=True)
        parameters: dict[str, Any] = dict(scale=scale, out_dir=str(out), device=device or "auto")
        if run_root is not None:
            parameters["run_root"] = str(Path(run_root).expanduser().resolve())
        parameters.update((params or {}).get(name, {}))
        ipynb = out / f"{name}.ipynb"
        if progress:
            print(f"[{i}/{len(names)}] {name} ({scale} scale) -> {out}", file=sys.stderr, flush=True)
        t0 = time.time()
        status, error = "ok", None
        try:
            pm.execute_notebook(str(nb_dir / f"{name}.ipynb"), str(ipynb), parameters=parameters,
                                kernel_name=kernel_name, cwd=str(nb_dir), progress_bar=progress,
                                log_output=False, execution_timeout=timeout)
        except Exception as e:  # PapermillExecutionError and kernel failures alike
            status = "failed"
            error = f"{type(e).__name__}: {_one_line(getattr(e, 'evalue', None) or str(e))}"
        seconds = round(time.time() - t0, 1)
        html_path = None
        if html and ipynb.is_file():
            try:
                html_path = str(export_html(ipynb, out / f"{name}.html"))
            except Exception as e:  # an HTML export failure should not hide the results
                error = (error + "; " if error else "") + f"HTML export failed: {type(e).__name__}: {e}"
        results[name] = dict(status=status, seconds=seconds, error=error,
                             ipynb=str(ipynb) if ipynb.is_file() else None, html=html_path)
        if progress:
            held = _held_of(out / "summary.json") if status == "ok" else None
            print(f"    {status} in {seconds:.0f} s" + (f"; claim {held}" if held else "") +
                  (f"; {error}" if error else ""), file=sys.stderr, flush=True)
    if readme:
        write_readme(root, runs=results)
    return results


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _held_of(path: Path) -> str | None:
    try:
        held = json.loads(path.read_text()).get("held")
    except (OSError, ValueError):
        return None
    return {True: "held", False: "did NOT hold", None: "not checked"}[held]


# ----------------------------------------------------------------------------- README
def load_summaries(out_root: str | os.PathLike) -> list[dict]:
    """Every ``<out_root>/*/summary.json``, in notebook order (unreadable ones are skipped with a
    ``"_error"`` entry)."""
    root = Path(out_root)
    out = []
    for path in sorted(root.glob("*/summary.json")):
        try:
            data = json.loads(path.read_text())
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as e:
            data = {"notebook": path.parent.name, "_error": f"unreadable summary.json: {e}"}
        data.setdefault("notebook", path.parent.name)
        data["_dir"] = path.parent.name
        out.append(data)
    return out


def _verdict(held) -> str:
    return {True: "**Held.**", False: "**Did NOT hold.**", None: "**Not checked.**"}.get(held, "**Not checked.**")


def write_readme(out_root: str | os.PathLike, runs: dict[str, dict] | None = None) -> Path:
    """Write ``<out_root>/README.md`` from the ``summary.json`` files under ``out_root``.

    ``runs`` (what :func:`run_notebooks` returns) adds this invocation's failures and run times.
    """
    root = Path(out_root)
    root.mkdir(parents=True, exist_ok=True)
    summaries = load_summaries(root)
    runs = runs or {}
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    scales = sorted({s.get("scale") for s in summaries if s.get("scale")})
    lines = [
        "# Reproducing *Cold Diffusion*: our numbers beside the paper's",
        "",
        f"Written by `cold reproduce` on {now} from the `summary.json` of every notebook run under this "
        "directory (each notebook's folder also holds its figures, its table as markdown and JSON, and the "
        "executed notebook as `.ipynb` and `.html`).",
        "",
        "How to read this:",
        "",
        "- **Scale** says what produced a row: `smoke` rows are seconds-long pipeline checks with a few "
        "training steps and a handful of images, *not* results; `cpu` rows are small models trained on two "
        "CPU cores; `paper` rows use the paper's settings. The paper's own rows are full-scale.",
        "- **N** is the number of test (or generated) images behind a metric. FID is strongly biased at small "
        "N (it falls as N grows), so compare our FIDs with each other at equal N and with the paper's only "
        "loosely. Metrics marked FID* were computed on a cheap pixel projection instead of the Inception "
        "network (CI only) and are not FIDs at all.",
        "- CelebA and AFHQ are not available offline: rows marked *stand-in* use CIFAR-10 or MNIST/Fashion-MNIST "
        "in their place, as the notebooks explain.",
        "",
    ]
    if scales:
        lines += [f"Scales present: {', '.join(scales)}.", ""]

    # ---- summary table
    lines += ["## Summary table", "",
              "| Notebook | Section | Metric | Ours | Paper | Paper ref. | Scale | N | Training steps | Hardware |",
              "|---|---|---|---:|---:|---|---|---:|---:|---|"]
    n_rows = 0
    for s in summaries:
        if "_error" in s:
            continue
        for h in s.get("headline") or []:
            if not isinstance(h, dict):
                continue
            hw = h.get("hardware") or s.get("train_hardware") or s.get("hardware")
            if s.get("train_hardware") and s.get("hardware") and s["train_hardware"] != s["hardware"] \
                    and not h.get("hardware"):
                hw = f"trained: {s['train_hardware']}; evaluated: {s['hardware']}"
            lines.append("| " + " | ".join([
                format_cell(s.get("notebook")), format_cell(s.get("section")), format_cell(h.get("metric")),
                format_cell(h.get("ours"), 4 if isinstance(h.get("ours"), float) and abs(h["ours"]) < 1 else 2),
                format_cell(h.get("paper"), 4 if isinstance(h.get("paper"), float) and abs(h["paper"]) < 1 else 2),
                format_cell(h.get("paper_ref")), format_cell(h.get("scale", s.get("scale"))), format_cell(h.get("N", s.get("N"))),
                format_cell(h.get("steps", s.get("steps"))), format_cell(hw)]) + " |")
            n_rows += 1
    if not n_rows:
        lines.append("| — | — | no results yet | — | — | — | — | — | — | — |")
    lines.append("")

    # ---- per section
    lines += ["## Per section: did the paper's claim hold in our run?", ""]
    for s in summaries:
        name = s.get("notebook", s["_dir"])
        if "_error" in s:
            lines += [f"### {name}", "", f"**No result:** {s['_error']}.", ""]
            continue
        title = f"### {name} — Section {s.get('section', '?')}: {s.get('title', '')}".rstrip(": ")
        lines += [title, ""]
        held = s.get("held")
        verdict = {True: "held", False: "did NOT hold", None: "was not checked"}.get(held, "was not checked")
        meta = (f"{s.get('scale', '?')} scale, N = {format_cell(s.get('N'))}, training steps {format_cell(s.get('steps'))}, "
                f"hardware {format_cell(s.get('train_hardware') or s.get('hardware'))}")
        lines.append(f"{_verdict(held)} The paper's claim — *{s.get('claim', '?')}* — {verdict} in our run "
                     f"({meta}). {s.get('evidence', '')}".rstrip())
        sub = s.get("subclaims") or []
        if sub:
            lines.append("")
            for c in sub:
                ok = {True: "held", False: "**did NOT hold**", None: "not checked"}.get(c.get("held"), "not checked")
                lines.append(f"- {c.get('claim', '?')}: {ok}" + (f" ({c['evidence']})" if c.get("evidence") else ""))
        if s.get("scale") == "smoke":
            lines += ["", "_Smoke scale: a pipeline check with an almost untrained model; the verdict says nothing "
                          "about the paper._"]
        if s.get("fid_features") and s.get("fid_features") != "inception":
            lines += ["", "_Distances computed on a pixel projection, not the Inception network: not FID._"]
        files = [f for f in (s.get("tables") or []) + (s.get("figures") or [])]
        d = s["_dir"]
        links = [f"[{f}]({d}/{f})" for f in files]
        for ext in ("ipynb", "html"):
            if (root / d / f"{d}.{ext}").is_file():
                links.append(f"[executed notebook ({ext})]({d}/{d}.{ext})")
        if links:
            lines += ["", "Files: " + ", ".join(links)]
        r = runs.get(d)
        if r and r.get("status") != "ok":
            lines += ["", f"**This run failed** ({r.get('error')}); the summary above is from an earlier run."]
        lines.append("")

    # ---- notebooks without a summary
    missing = [(n, r) for n, r in runs.items() if not (root / n / "summary.json").is_file()]
    if missing:
        lines += ["## Notebooks that produced no summary", ""]
        for n, r in missing:
            lines.append(f"- **{n}**: {r.get('status')} after {r.get('seconds')} s — {r.get('error') or 'no summary.json written'}"
                         + (f" (see [{n}.ipynb]({n}/{n}.ipynb))" if r.get("ipynb") else ""))
        lines.append("")
    path = root / "README.md"
    atomic_write_text(path, "\n".join(lines).rstrip() + "\n")
    return path
