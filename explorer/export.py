"""What can be taken away from the explorer: animated GIFs of trajectories and the forward ->
backward strip of the paper's Figure 1, as images (uint8 arrays) and GIF bytes.

* :func:`panel` -- one image, upscaled (nearest neighbour) with a caption band under it;
* :func:`row` -- panels side by side (a GIF frame of several trajectories, or a strip);
* :func:`gif_bytes` -- frames -> an animated GIF (every frame kept: each carries its own
  caption, so no two consecutive frames are identical and none is merged away);
* :func:`strip_image` -- Figure 1: x₀ → D(x₀, t) → x_T on the left, then the sampler's x_s from
  x_T back to the result on the right, each frame captioned with its t or s.

The caller writes the results with :class:`explorer.app.OutputFiles` (unique names, atomic
writes).  Captions use the paper's symbols when the system has DejaVu Sans, else an ASCII
spelling (PIL's bundled font has no x̂₀).  Nothing here imports gradio or torch.
"""
from __future__ import annotations

import functools
import io

import numpy as np

#: side (px) of the image in a panel (small images are upscaled by an integer factor)
PANEL = 128
#: height (px) of a caption band, and of a title band
CAPTION = 18
TITLE = 22
#: GIF timing (ms): every frame, and the last frame (the result) held longer
FRAME_MS = 90
LAST_MS = 1500


#: a font with the paper's symbols (x̂₀, σ, →), looked up by PIL in the system's font folders;
#: without it captions fall back to ASCII (:data:`ASCII`) in PIL's bundled font
UNICODE_FONT = "DejaVuSans.ttf"
ASCII = {"x̂₀": "x0_hat", "x̂": "x_hat", "x₀": "x_0", "₀": "0", "→": "->", "σ": "sigma", "−": "-",
         "…": "...", "·": "*", "ᾱ": "alpha_bar"}


@functools.lru_cache(maxsize=8)
def _font(size: int):
    """(font, has the paper's symbols)."""
    from PIL import ImageFont

    try:
        return ImageFont.truetype(UNICODE_FONT, size), True
    except OSError:
        pass
    try:
        return ImageFont.load_default(size=size), False
    except TypeError:  # Pillow < 10.1: the fixed bitmap font
        return ImageFont.load_default(), False


def _printable(text: str, unicode_ok: bool) -> str:
    if unicode_ok:
        return text
    for k, v in ASCII.items():
        text = text.replace(k, v)
    return text.encode("ascii", "replace").decode()


def _rgb(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    if a.ndim == 2:
        a = a[:, :, None]
    if a.shape[2] == 1:
        a = np.repeat(a, 3, axis=2)
    return np.ascontiguousarray(a[:, :, :3].astype(np.uint8))


def _fit(a: np.ndarray, side: int) -> np.ndarray:
    """Nearest-neighbour upscale by the largest integer factor keeping the long side <= side
    (never downscaled below 1x)."""
    k = max(1, side // max(a.shape[0], a.shape[1]))
    return a if k == 1 else np.repeat(np.repeat(a, k, axis=0), k, axis=1)


def _text_band(text: str, width: int, height: int, size: int = 12, fill=255, bold=False) -> np.ndarray:
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (width, height), (fill, fill, fill))
    d = ImageDraw.Draw(im)
    font, unicode_ok = _font(size)
    text = _printable(text, unicode_ok)
    box = d.textbbox((0, 0), text, font=font)
    w, h = box[2] - box[0], box[3] - box[1]
    x = max(0, (width - w) // 2)
    y = max(0, (height - h) // 2 - box[1])
    d.text((x, y), text, fill=(0, 0, 0), font=font, stroke_width=1 if bold else 0,
           stroke_fill=(0, 0, 0))
    return np.asarray(im)


def panel(image: np.ndarray, caption: str = "", side: int = PANEL) -> np.ndarray:
    """``image`` (uint8 (H, W[, C])) upscaled to about ``side`` px with ``caption`` under it."""
    a = _fit(_rgb(image), side)
    if not caption:
        return a
    return np.concatenate([a, _text_band(caption, a.shape[1], CAPTION)], axis=0)


def row(panels: list[np.ndarray], pad: int = 4, fill: int = 255) -> np.ndarray:
    """Panels side by side (top-aligned, padded to the tallest) with ``pad`` px between them."""
    h = max(p.shape[0] for p in panels)
    parts = []
    for i, p in enumerate(panels):
        if p.shape[0] < h:
            p = np.concatenate([p, np.full((h - p.shape[0], p.shape[1], 3), fill, np.uint8)], axis=0)
        if i:
            parts.append(np.full((h, pad, 3), fill, np.uint8))
        parts.append(p)
    return np.concatenate(parts, axis=1)


def column(parts: list[np.ndarray], pad: int = 4, fill: int = 255) -> np.ndarray:
    """Images stacked vertically (left-aligned, padded to the widest)."""
    w = max(p.shape[1] for p in parts)
    out = []
    for i, p in enumerate(parts):
        if p.shape[1] < w:
            p = np.concatenate([p, np.full((p.shape[0], w - p.shape[1], 3), fill, np.uint8)], axis=1)
        if i:
            out.append(np.full((pad, w, 3), fill, np.uint8))
        out.append(p)
    return np.concatenate(out, axis=0)


def text_width(text: str, size: int = 13) -> int:
    """Width (px) of ``text`` as the bands draw it."""
    from PIL import Image, ImageDraw

    font, unicode_ok = _font(size)
    box = ImageDraw.Draw(Image.new("RGB", (1, 1))).textbbox((0, 0), _printable(text, unicode_ok), font=font)
    return box[2] - box[0]


def titled(image: np.ndarray, title: str, fill: int = 255) -> np.ndarray:
    """``image`` with a title band above it (padded on the right when the title is wider)."""
    need = text_width(title) + 12
    if need > image.shape[1]:
        image = np.concatenate([image, np.full((image.shape[0], need - image.shape[1], 3), fill, np.uint8)],
                               axis=1)
    return np.concatenate([_text_band(title, image.shape[1], TITLE, size=13), image], axis=0)


def gif_bytes(frames: list[np.ndarray], frame_ms: int = FRAME_MS, last_ms: int = LAST_MS) -> bytes:
    """An animated GIF (looping) of ``frames`` (uint8 (H, W, 3); smaller ones are padded white,
    top left, to the largest), one GIF frame per array; the last frame is held ``last_ms``."""
    from PIL import Image

    if not frames:
        raise ValueError("a GIF needs at least one frame")
    frames = [_rgb(f) for f in frames]
    H, W = max(f.shape[0] for f in frames), max(f.shape[1] for f in frames)
    ims = []
    for f in frames:
        if f.shape[:2] != (H, W):
            canvas = np.full((H, W, 3), 255, np.uint8)
            canvas[:f.shape[0], :f.shape[1]] = f
            f = canvas
        ims.append(Image.fromarray(f))
    durations = [frame_ms] * (len(ims) - 1) + [last_ms]
    buf = io.BytesIO()
    ims[0].save(buf, format="GIF", save_all=True, append_images=ims[1:], duration=durations,
                loop=0, disposal=1, optimize=False)
    return buf.getvalue()


def strip_image(forward: list[tuple[str, np.ndarray]], backward: list[tuple[str, np.ndarray]],
                forward_title: str = "forward: x_t = D(x₀, t)",
                backward_title: str = "backward: x_s, from x_T to the result",
                side: int = 96) -> np.ndarray:
    """The paper's Figure 1 for one image: the forward frames (caption, image), an arrow, then
    the backward frames, each part under its title; uint8 (H, W, 3)."""
    fwd = row([panel(a, c, side) for c, a in forward])
    bwd = row([panel(a, c, side) for c, a in backward])
    h = max(fwd.shape[0], bwd.shape[0])
    arrow = _text_band("→", 28, h, size=18, bold=True)
    left, right = titled(fwd, forward_title), titled(bwd, backward_title)
    gap = np.concatenate([np.full((TITLE, arrow.shape[1], 3), 255, np.uint8), arrow], axis=0)
    H = max(left.shape[0], right.shape[0], gap.shape[0])

    def pad(a):
        return a if a.shape[0] == H else np.concatenate(
            [a, np.full((H - a.shape[0], a.shape[1], 3), 255, np.uint8)], axis=0)

    body = row([pad(left), pad(gap), pad(right)], pad=4)
    border, top = 6, 26  # room above for the label a page puts over the image
    out = np.full((body.shape[0] + top + border, body.shape[1] + 2 * border, 3), 255, np.uint8)
    out[top:top + body.shape[0], border:border + body.shape[1]] = body
    return out
