"""Gaussian-mask inpainting, Section 4.2, and its generation variant, Section 5.3.

One step multiplies the image by a Gaussian mask

    z_β(i, j) = 1 - exp(-((i - c_y)² + (j - c_x)²) / (2 σ(β)²)),

a 2-D Gaussian normalised to peak 1 and subtracted from 1 (0 at the centre c), and

    D(x0, t) = x0 · G_t,      G_t = ∏_{i ≤ t} z_{β_i}      (Section 4.2).

Mask width (see docs/fidelity.md).  The paper's text calls β the *variance* (σ(β)² = β) with
β_1 = 1, β_{i+1} = β_i + 0.1.  The authors' code uses β as the *standard deviation*
(σ(β) = β, ``get_gaussian_kernel2d(dims, (β, β))``) with β_i = 0.1 (i + 10) = 1.1, 1.2, ...,
and only that reproduces the masks of Figure 4 and the Degraded columns of Table 2, so the
presets use ``beta_is="std"``, ``beta_start=1.1``.  ``beta_is="variance"`` keeps the literal
reading of the text.

Discretisation (Appendix A.2).  The text says pixel values are rounded "to the eight most
significant digits" so that the network cannot read the masked pixels back from floating-point
residue.  In the authors' code this is an 8-bit quantisation of x_t,
``x -> floor((x + 1) / 2 · 255) / 255 · 2 - 1``, which is what actually removes the residue
(8 significant decimal digits keep a float32 exactly).  The presets use ``quantize_bits=8``;
``round_digits`` keeps the literal reading.

Pixels are pulled to 0, the grey of [-1, 1] images.  The centre c is random per image (MNIST,
CIFAR-10; the state) or fixed at the image centre (CelebA).  The cumulative products G_t are
precomputed once for every t on a table of centre offsets, so D costs the same for every t.

Generation variant (``fill="color"``, Section 5.3): x_t = G_t · x0 + (1 - G_t) · c with c a
random solid colour (part of the state); with ``final_fill=True`` x_T is exactly c.
"""
from __future__ import annotations

import torch

from .base import Degradation

BETA_SCHEDULES = ("linear", "geometric")
BETA_MEANINGS = ("variance", "std")


def round_significant(x: torch.Tensor, digits: int) -> torch.Tensor:
    """Round every value to ``digits`` significant decimal digits (Appendix A.2 discretisation)."""
    xd = x.double()
    mag = torch.floor(torch.log10(xd.abs().clamp_min(1e-300)))
    scale = torch.pow(10.0, digits - 1 - mag)
    out = torch.round(xd * scale) / scale
    return torch.where(xd == 0, xd, out).to(x.dtype)


def quantize(x: torch.Tensor, bits: int = 8) -> torch.Tensor:
    """Quantise [-1, 1] values to ``bits`` bits, rounding down (the authors' discretisation).

    x -> floor((x + 1) / 2 · (2^bits - 1)) / (2^bits - 1) · 2 - 1, computed in float64 with a
    tolerance of 1e-4 level so that a value already on a level (up to float32 rounding) stays
    there: quantising twice equals quantising once.
    """
    levels = float(2 ** int(bits) - 1)
    xd = x.double()
    q = torch.floor(((xd + 1) / 2 * levels).clamp(0, levels) + 1e-4) / levels
    return (q * 2 - 1).to(x.dtype)


class Inpaint(Degradation):
    """D(x0, t) = x0 · ∏_{i≤t} z_{β_i} with Gaussian masks z_β (Section 4.2).

    Args:
        T: number of steps (50 in the paper).
        beta_start: β_1 (1.0 in the paper's text, 1.1 in the authors' code and the presets).
        beta_step: β_{i+1} - β_i for the ``"linear"`` schedule (0.1).
        beta_is: ``"variance"`` (σ(β)² = β, the paper's text) or ``"std"`` (σ(β) = β, the
            authors' code; reproduces Table 2).
        beta_schedule: ``"linear"`` (the paper's) or ``"geometric"`` (β_1 .. beta_end evenly in
            log space; used by the generation presets so the final mask covers the image).
        beta_end: β_T of the geometric schedule.
        center: ``"random"`` (uniform integer pixel per image, the state) or ``"fixed"``
            (pixel (H//2, W//2)).
        fill: ``"zero"`` (masked pixels become 0, grey) or ``"color"`` (the generation variant:
            masked pixels become a random solid colour c ~ U[-1, 1]^C, part of the state).
        final_fill: with ``fill="color"``, make x_T exactly the colour c.
        quantize_bits: quantise D's output to this many bits per value, rounding down as the
            authors' code does (8 in the presets); ``None`` disables it.
        round_digits: round D's output to this many significant decimal digits (the literal
            reading of Appendix A.2); ``None`` disables it.
    """

    name = "inpaint"

    def __init__(self, T: int = 50, beta_start: float = 1.0, beta_step: float = 0.1,
                 beta_schedule: str = "linear", beta_end: float | None = None,
                 center: str = "random", fill: str = "zero", final_fill: bool = False,
                 round_digits: int | None = None, beta_is: str = "variance",
                 quantize_bits: int | None = None):
        super().__init__(T)
        if beta_schedule not in BETA_SCHEDULES:
            raise ValueError(f"inpaint: unknown beta_schedule {beta_schedule!r}; choose one of {BETA_SCHEDULES}")
        if center not in ("random", "fixed"):
            raise ValueError(f"inpaint: center must be 'random' or 'fixed', got {center!r}")
        if fill not in ("zero", "color"):
            raise ValueError(f"inpaint: fill must be 'zero' or 'color', got {fill!r}")
        if beta_schedule == "geometric" and (beta_end is None or beta_end <= 0):
            raise ValueError("inpaint: the geometric beta_schedule needs a positive beta_end")
        if beta_is not in BETA_MEANINGS:
            raise ValueError(f"inpaint: beta_is must be one of {BETA_MEANINGS}, got {beta_is!r}")
        if quantize_bits is not None and (isinstance(quantize_bits, bool) or not isinstance(quantize_bits, int)
                                          or not 1 <= quantize_bits <= 16):
            raise ValueError(f"inpaint: quantize_bits must be an int in 1..16 or None, got {quantize_bits!r}")
        if beta_start <= 0:
            raise ValueError(f"inpaint: beta_start must be positive, got {beta_start}")
        self.beta_start = float(beta_start)
        self.beta_step = float(beta_step)
        self.beta_schedule = beta_schedule
        self.beta_end = None if beta_end is None else float(beta_end)
        self.center = center
        self.fill = fill
        self.final_fill = bool(final_fill)
        self.round_digits = round_digits
        self.beta_is = beta_is
        self.quantize_bits = quantize_bits
        if beta_schedule == "linear":
            self.betas = [self.beta_start + self.beta_step * i for i in range(T)]
        else:
            r = (self.beta_end / self.beta_start) ** (1.0 / max(T - 1, 1))
            self.betas = [self.beta_start * r ** i for i in range(T)]
        if min(self.betas) <= 0:
            raise ValueError("inpaint: every β_i must be positive")
        self.random = center == "random" or fill == "color"
        self._tables: dict = {}

    # ------------------------------------------------------------------ masks
    def mask(self, beta: float, H: int, W: int, cy: float, cx: float) -> torch.Tensor:
        """One mask z_β of size H×W centred at (cy, cx), float64."""
        i = torch.arange(H, dtype=torch.float64).view(-1, 1)
        j = torch.arange(W, dtype=torch.float64).view(1, -1)
        var = beta * beta if self.beta_is == "std" else beta
        return 1.0 - torch.exp(-((i - cy) ** 2 + (j - cx) ** 2) / (2.0 * var))

    def offset_table(self, H: int, W: int, device=None, dtype=torch.float32) -> torch.Tensor:
        """G_t over all centre offsets: (T+1, 2H-1, 2W-1), entry [t, dy+H-1, dx+W-1]."""
        key = (H, W, str(torch.device(device) if device is not None else "cpu"), dtype)
        tab = self._tables.get(key)
        if tab is None:
            base = self._tables.get((H, W, "cpu", torch.float64))
            if base is None:
                masks = torch.stack([self.mask(b, 2 * H - 1, 2 * W - 1, H - 1, W - 1) for b in self.betas])
                base = torch.cat([torch.ones(1, 2 * H - 1, 2 * W - 1, dtype=torch.float64),
                                  torch.cumprod(masks, dim=0)])
                self._tables[(H, W, "cpu", torch.float64)] = base
            tab = base.to(device=device, dtype=dtype)
            self._tables[key] = tab
        return tab

    def cumulative_mask(self, t: torch.Tensor, centers: torch.Tensor, H: int, W: int,
                        dtype=torch.float32) -> torch.Tensor:
        """G_t = ∏_{i≤t} z_{β_i} for per-image t (B,) and integer centres (B, 2): (B, 1, H, W)."""
        tab = self.offset_table(H, W, t.device, dtype)
        rows = torch.arange(H, device=t.device).view(1, -1) - centers[:, 0:1] + (H - 1)
        cols = torch.arange(W, device=t.device).view(1, -1) - centers[:, 1:2] + (W - 1)
        G = tab[t.view(-1, 1, 1), rows.unsqueeze(2), cols.unsqueeze(1)]
        return G.unsqueeze(1)

    # ------------------------------------------------------------------ state and D
    def sample_state(self, x0, generator=None):
        B, C, H, W = self.check_input(x0).shape
        state = {}
        if self.center == "random":
            cy = torch.randint(0, H, (B,), generator=generator)
            cx = torch.randint(0, W, (B,), generator=generator)
            state["center"] = torch.stack([cy, cx], dim=1).to(x0.device)
        if self.fill == "color":
            state["color"] = (torch.rand(B, C, generator=generator, dtype=torch.float64) * 2 - 1).to(
                device=x0.device, dtype=x0.dtype)
        return state or None

    def centers(self, x0, state) -> torch.Tensor:
        B, _, H, W = x0.shape
        if self.center == "fixed":
            return torch.tensor([[H // 2, W // 2]], device=x0.device).expand(B, 2)
        if state is None or "center" not in state:
            raise ValueError("inpaint: a random-centre mask needs state['center'] (B, 2)")
        c = state["center"].to(x0.device).long()
        if c.shape != (B, 2):
            raise ValueError(f"inpaint: state['center'] must have shape ({B}, 2), got {tuple(c.shape)}")
        return c

    def _apply(self, x0, t, state):
        B, C, H, W = x0.shape
        cdtype = x0.dtype if x0.dtype in (torch.float32, torch.float64) else torch.float32
        G = self.cumulative_mask(t, self.centers(x0, state), H, W, cdtype)
        x = x0.to(cdtype)
        if self.fill == "color":
            if state is None or "color" not in state:
                raise ValueError("inpaint: fill='color' needs state['color'] (B, C)")
            c = state["color"].to(device=x0.device, dtype=cdtype).view(B, -1, 1, 1)
            if c.shape[1] != C:
                raise ValueError(f"inpaint: state['color'] has {c.shape[1]} channels, x0 has {C}")
            out = G * x + (1 - G) * c
            if self.final_fill:
                out = torch.where((t == self.T).view(-1, 1, 1, 1), c.expand_as(out), out)
        else:
            out = G * x
        if self.quantize_bits is not None:
            out = quantize(out, self.quantize_bits)
        if self.round_digits is not None:
            out = round_significant(out, int(self.round_digits))
        return out

    def mask_loop(self, t: int, center, H: int, W: int) -> torch.Tensor:
        """The literal product z_{β_1} · ... · z_{β_t} (float64), for testing the table."""
        G = torch.ones(H, W, dtype=torch.float64)
        for s in range(1, t + 1):
            G = G * self.mask(self.betas[s - 1], H, W, float(center[0]), float(center[1]))
        return G
