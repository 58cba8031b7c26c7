"""Screenshots of the explorer's five views (the pictures in explorer/README.md and README.md).

    python -m explorer.screenshots --model-dir models --out reports/explorer
        [--data-dir DIR] [--chromium PATH] [--width 1400] [--height 1000]

Starts the app on a free local port and drives every view in headless Chromium with Playwright,
checking that each one answers: 1 forward process (the t slider stops at T and moves x_t, the
formula follows t, the schedule plot, a GIF and the forward -> backward strip of Figure 1),
2 Algorithm 1 vs TACoS (opening the tab runs both samplers from the same GMM colour, the step
slider stops at T, move it to s = 0: x̂₀ changes; a GIF of both trajectories), 3 generate (the
x_T swatches and the fitted GMM appear, generate perfect and broken symmetry, a new seed redraws
the swatches and clears the old images, generate again), 4 restore (a test image degraded by the
model's D, restored, a download appears) and 5 model card (one table, the sample grid).  It saves ``forward.png``,
``compare.png``, ``generate.png``, ``restore.png`` and ``card.png`` into ``--out`` and writes
nothing else.  ``tests/test_explorer.py`` runs the same walk-through (:func:`walk_through`) on
its smoke models, into a temporary directory.

Needs Playwright (``pip install playwright``) and a Chromium: Debian's (``apt-get install -y
chromium``; used when ``/usr/bin/chromium`` exists), Playwright's own (``playwright install
chromium``) or any other given with ``--chromium``.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

#: the views, in tab order; each gives ``<view>.png``
VIEWS = ("forward", "compare", "generate", "restore", "card")
#: Debian's Chromium (``apt-get install -y chromium``), used when present
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = (1400, 1000)
#: seconds a view may take to show a (new) image
TIMEOUT = 30


class ScreenshotError(RuntimeError):
    """Playwright or Chromium is missing, or a view did not answer."""


# ----------------------------------------------------------------------------- the browser
def sync_playwright():
    """``playwright.sync_api.sync_playwright()``, or :class:`ScreenshotError` saying how to install it."""
    try:
        from playwright.sync_api import sync_playwright as start
    except ImportError:
        raise ScreenshotError("Playwright is not installed: pip install playwright "
                              "(then a Chromium: apt-get install -y chromium, or "
                              "playwright install chromium)") from None
    return start()


def launch_chromium(playwright, executable: str | None = None):
    """Headless Chromium: ``executable``, else Debian's at :data:`CHROMIUM` when present, else
    Playwright's own; :class:`ScreenshotError` when none starts."""
    if executable is None and Path(CHROMIUM).exists():
        executable = CHROMIUM
    if executable is not None and not Path(executable).exists():
        raise ScreenshotError(f"no Chromium at {executable}")
    try:
        return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    except Exception as e:  # playwright's Error: the browser is missing or does not start
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ScreenshotError(
            f"cannot start Chromium ({first}). Install Debian's (apt-get install -y chromium) "
            f"or Playwright's (playwright install chromium), or pass --chromium PATH") from None


# ----------------------------------------------------------------------------- the walk-through
def _src(page, selector):
    """The ``src`` of the first image in ``selector``, or None.  The image may be removed between
    counting and reading (a view clearing its old output), so the read waits briefly, not for
    Playwright's default 30 s."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    loc = page.locator(f"{selector} img")
    if not loc.count():
        return None
    try:
        return loc.first.get_attribute("src", timeout=500)
    except PlaywrightTimeout:
        return None


def _wait_src(page, selector, old=None, timeout=TIMEOUT):
    """The ``src`` of the first image in ``selector`` once there is one (other than ``old``)."""
    end = time.time() + timeout
    while time.time() < end:
        s = _src(page, selector)
        if s and s != old:
            return s
        page.wait_for_timeout(100)
    raise ScreenshotError(f"{selector}: no {'new ' if old else ''}image after {timeout} s")


def _set_slider(page, elem_id, value):
    page.locator(f"#{elem_id} input[type=range]").fill(str(value))


def _slider_max(page, elem_id) -> int:
    return int(float(page.locator(f"#{elem_id} input[type=range]").get_attribute("max")))


def _wait_slider_max(page, elem_id, value, timeout=TIMEOUT) -> None:
    """Wait until the slider ``elem_id`` stops at ``value`` (the T of the chosen model or D)."""
    end = time.time() + timeout
    while time.time() < end:
        if _slider_max(page, elem_id) == value:
            return
        page.wait_for_timeout(100)
    raise ScreenshotError(f"#{elem_id}: the slider stops at {_slider_max(page, elem_id)}, not at T = {value}")


def _wait_file(page, selector, old=None, timeout=TIMEOUT) -> str:
    """The ``href`` of the download link in ``selector`` once there is one (other than ``old``)."""
    end = time.time() + timeout
    while time.time() < end:
        loc = page.locator(f"{selector} a")
        href = loc.first.get_attribute("href") if loc.count() else None
        if href and href != old:
            return href
        page.wait_for_timeout(100)
    raise ScreenshotError(f"{selector}: no {'new ' if old else ''}download after {timeout} s")


def walk_through(page, url: str, upload: str | Path | None = None, out: str | Path | None = None,
                 Ts: dict | None = None) -> dict[str, Path]:
    """Drive every view of the explorer at ``url`` in the Playwright ``page``, checking that each
    answers; with ``out``, save a full-page screenshot of each view there.

    ``upload``: an image file the restore view is also tried with (the screenshot shows a test
    image of the model's own dataset).  ``Ts``: {elem_id of a slider: the T it must stop at}
    (checked once the view has answered).  Returns {view: screenshot path} (empty without
    ``out``); raises :class:`ScreenshotError` when a view does not answer.
    """
    shots: dict[str, Path] = {}
    Ts = Ts or {}
    if out is not None:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)

    def shot(view):
        if out is not None:
            shots[view] = out / f"{view}.png"
            page.screenshot(path=str(shots[view]), full_page=True)

    def check_T(elem_id):
        if elem_id in Ts:
            _wait_slider_max(page, elem_id, Ts[elem_id])

    page.set_default_timeout(TIMEOUT * 1000)
    page.goto(url)
    # 1 forward process: the default sample appears, x_t changes with the t slider; the schedule
    # plot and the formula show; a GIF and the forward -> backward strip (Figure 1) come back
    first = _wait_src(page, "#f-xt")
    page.locator("#f-strip img").first.wait_for()
    check_T("f-t")
    t = max(1, _slider_max(page, "f-t") // 4)
    _set_slider(page, "f-t", t)
    _wait_src(page, "#f-xt", old=first)
    page.locator("#f-info").get_by_text(f"At t = {t}", exact=False).first.wait_for()
    page.locator("#f-schedule img").first.wait_for()
    page.locator("#f-gif-btn").click()
    _wait_file(page, "#f-gif")
    page.locator("#f-fig1-btn").click()
    _wait_src(page, "#f-fig1")
    shot("forward")

    # 2 Algorithm 1 vs TACoS: opening the tab runs both samplers (Figure 2 on a generation
    # model); the step slider goes from T to 0; a GIF of both trajectories comes back
    page.get_by_role("tab", name="2 · Algorithm 1 vs TACoS").click()
    at_T = _wait_src(page, "#c-tacos-x0")
    _wait_src(page, "#c-final-tacos")
    _wait_src(page, "#c-naive-err")
    page.locator("#c-gal-tacos img").first.wait_for()
    check_T("c-step")
    page.locator("#c-lookfor").get_by_text("What to look for").wait_for()
    _set_slider(page, "c-step", 0)
    _wait_src(page, "#c-tacos-x0", old=at_T)
    page.locator("#c-gif-btn").click()
    _wait_file(page, "#c-gif")
    page.locator("#c-plot").scroll_into_view_if_needed()
    shot("compare")

    # 3 generate: the swatches (x_T) appear with the tab and change with the seed, which also
    # clears the old images; Generate shows perfect and broken symmetry and the fitted GMM
    page.get_by_role("tab", name="3 · Generate").click()
    sw = _wait_src(page, "#g-swatches")
    page.locator("#g-gmm img").first.wait_for()
    page.locator("#g-run").click()
    page.locator("#g-gallery img").first.wait_for()
    images = _src(page, "#g-gallery")
    _wait_src(page, "#g-traj")
    _wait_src(page, "#g-perfect")
    seed = page.locator("#g-seed input")
    seed.fill("7")
    seed.press("Enter")
    _wait_src(page, "#g-swatches", old=sw)
    end = time.time() + TIMEOUT
    while _src(page, "#g-gallery") is not None and time.time() < end:  # old images are cleared
        page.wait_for_timeout(100)
    if _src(page, "#g-gallery") is not None:
        raise ScreenshotError("#g-gallery: the images of the old seed stayed on screen")
    page.locator("#g-run").click()
    _wait_src(page, "#g-gallery", old=images)
    _wait_src(page, "#g-perfect")
    shot("generate")

    # 4 restore: (an upload,) a test image degraded by the model's D, restored; a download
    page.get_by_role("tab", name="4 · Restore your image").click()
    check_T("r-t")
    seen = None
    if upload is not None:
        page.locator("#r-image input[type=file]").set_input_files(str(upload))
        seen = _wait_src(page, "#r-seen")
    page.locator("#r-example").click()
    _wait_src(page, "#r-seen", old=seen)
    page.locator("#r-run").click()
    _wait_src(page, "#r-out")
    page.locator("#r-file a").first.wait_for()
    shot("restore")

    # 5 model card: the card (its summary table once) and the sample grid
    page.get_by_role("tab", name="5 · Model card").click()
    _wait_src(page, "#k-grid")
    page.locator("#k-md table").first.wait_for()
    # the card's summary table (the one with the wall time) once, not repeated by the view
    summary = page.locator("#k-md table", has_text="wall time").count()
    if summary != 1:
        raise ScreenshotError(f"#k-md: the summary table appears {summary} times, expected once")
    shot("card")
    return shots


# ----------------------------------------------------------------------------- the command
def slider_Ts(demo) -> dict:
    """{slider elem_id: the T it must stop at} for the default choices of ``demo``'s views."""
    ex = demo.explorer
    out = {}
    model = ex.default_compare_model()
    if model:
        out["f-t"] = out["c-step"] = ex.model_T(model)
    rest = ex.model_names("restoration") or ex.model_names()
    if rest:
        out["r-t"] = ex.model_T(rest[0])
    return out


def take_screenshots(model_dir, out, data_dir=None, chromium: str | None = None,
                     viewport: tuple[int, int] = VIEWPORT) -> dict[str, Path]:
    """Serve the explorer over ``model_dir`` locally and save a screenshot of each view into
    ``out``; returns {view: path}.  Checks Playwright and Chromium before building the app."""
    with sync_playwright() as p:
        browser = launch_chromium(p, chromium)
        demo = None
        try:
            from .app import build_app, serve_in_background

            demo = build_app(model_dir, data_dir)
            url = serve_in_background(demo)
            page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
            return walk_through(page, url, None, out, slider_Ts(demo))
        finally:
            browser.close()
            if demo is not None:
                demo.close()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m explorer.screenshots",
        description="Save a screenshot of each view of the explorer (forward, compare, generate, "
                    "restore, card) for the READMEs, driving the app in headless Chromium.")
    p.add_argument("--model-dir", default=None,
                   help="directory of exported models (default: $COLD_MODEL_DIR or the shipped models/)")
    p.add_argument("--out", required=True, help="directory for the PNGs (e.g. reports/explorer)")
    p.add_argument("--data-dir", default=None,
                   help="dataset files for test images (default: $COLD_DATA_DIR; the test images "
                        "bundled with cold otherwise)")
    p.add_argument("--chromium", default=None,
                   help=f"Chromium executable (default: {CHROMIUM} if present, else Playwright's own)")
    p.add_argument("--width", type=int, default=VIEWPORT[0], help="window width in px")
    p.add_argument("--height", type=int, default=VIEWPORT[1], help="window height in px")
    args = p.parse_args(argv)
    try:
        shots = take_screenshots(args.model_dir, args.out, args.data_dir, args.chromium,
                                 (args.width, args.height))
    except ScreenshotError as e:
        print(f"explorer.screenshots: error: {e}", file=sys.stderr)
        return 2
    for view, path in shots.items():
        print(f"{view}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
