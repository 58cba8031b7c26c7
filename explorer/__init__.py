"""The Cold Diffusion explorer: a Gradio app to scrub the forward process, compare Algorithm 1
with TACoS step by step (the paper's Figure 2 on a generation model), generate from the GMM of
mean colours with perfect or broken symmetry, restore images, and export GIFs of trajectories
and the forward -> backward strip of Figure 1.

    python -m explorer            # or: cold explore
    >>> from explorer import build_app
    >>> build_app().launch()            # the shipped models (cold.checkpoint.models_dir())

Modules:

* :mod:`explorer.core` -- the computations (tensors, numpy arrays, dataclasses; no gradio);
* :mod:`explorer.formulas` -- D(x0, t) and the update rules in the paper's notation, with their
  current values, and each degradation's schedule against t (no gradio);
* :mod:`explorer.render` -- markdown, captions and plots made from core's results (no gradio);
* :mod:`explorer.export` -- GIFs of trajectories and the Figure 1 strip (no gradio);
* :mod:`explorer.app` -- the Gradio page: one builder per tab, composed by ``build_app``, and
  the command line;
* :mod:`explorer.screenshots` -- ``python -m explorer.screenshots --model-dir models --out
  reports/explorer`` saves a screenshot of each view (Playwright + Chromium).

Gradio is imported only when the app is built (``explorer.core`` works without it).
"""
from __future__ import annotations

__all__ = ["build_app", "main", "Explorer", "InputError"]


def build_app(model_dir=None, data_dir=None, **kwargs):
    """The explorer as a ``gr.Blocks``; see :func:`explorer.app.build_app`."""
    from .app import build_app as _build

    return _build(model_dir, data_dir, **kwargs)


def main(argv=None) -> int:
    """``python -m explorer``; see :func:`explorer.app.main`."""
    from .app import main as _main

    return _main(argv)


def __getattr__(name):
    if name in ("Explorer", "InputError"):
        from . import core

        return getattr(core, name)
    raise AttributeError(f"module 'explorer' has no attribute {name!r}")
