"""The restoration operator R(x_t, t) ≈ x_0 of Cold Diffusion (Section 3.1), as a U-Net.

R is trained with  min_θ E_x || R_θ(D(x, t), t) - x ||_1  and predicts the clean image x̂_0 directly
from the degraded image x_t and the severity t (for every degradation D: blur, mask, downsampling,
snow, noise, ...).

Architecture (a compact, ADM / DDPM-style U-Net):

* ``init``: 3x3 conv  C -> ``dim``.
* Encoder: one *level* per entry of ``dim_mults``; level i works at resolution ≈ H / 2^i with
  ``dim * dim_mults[i]`` channels and holds ``num_res_blocks`` residual blocks (optionally each
  followed by self-attention), then a stride-2 3x3 conv (not after the last level).  Odd sizes are
  fine: 7 px -> 4 px.
* Middle (the lowest resolution): ResBlock, self-attention (``mid_attn``), ResBlock.
* Decoder: mirror of the encoder with ``num_res_blocks + 1`` blocks per level, each consuming one
  skip connection (concatenated); upsampling is nearest interpolation to the *exact* size of the
  next skip (``interpolate(size=skip.shape[-2:])``) followed by a 3x3 conv, so 28 -> 14 -> 7 -> 14
  -> 28 and 30 -> 15 -> 8 -> 15 -> 30 both round-trip.
* Output: GroupNorm, SiLU, 3x3 conv ``dim`` -> ``out_channels``.

Residual blocks are GroupNorm -> SiLU -> conv -> GroupNorm -> FiLM(t) -> SiLU -> dropout -> conv
plus a (1x1-projected) shortcut, where FiLM is the scale-shift conditioning
``h * (1 + scale(t)) + shift(t)`` on the time embedding: sinusoidal features of t followed by an
MLP (``dim`` -> 4·``dim`` -> 4·``dim``).
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["UNet", "sinusoidal_embedding"]


def sinusoidal_embedding(t: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """Sinusoidal features (B, dim) of the severities t (B,), computed in float32."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None]
    emb = torch.cat([args.sin(), args.cos()], dim=1)
    return F.pad(emb, (0, dim % 2))


class ResBlock(nn.Module):
    """Residual block with GroupNorm + SiLU and scale-shift (FiLM) conditioning on the time embedding."""

    def __init__(self, in_ch: int, out_ch: int, time_dim: int, groups: int, dropout: float):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, in_ch)
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, padding=1)
        self.time = nn.Linear(time_dim, 2 * out_ch)
        self.norm2 = nn.GroupNorm(groups, out_ch)
        self.drop = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, padding=1)
        self.skip = nn.Conv2d(in_ch, out_ch, 1) if in_ch != out_ch else nn.Identity()

    def forward(self, x: torch.Tensor, temb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        scale, shift = self.time(temb)[:, :, None, None].chunk(2, dim=1)
        h = self.norm2(h) * (1 + scale) + shift
        h = self.conv2(self.drop(F.silu(h)))
        return h + self.skip(x)


class Attention(nn.Module):
    """Multi-head self-attention over the H·W positions of a feature map (pre-norm, residual)."""

    def __init__(self, ch: int, heads: int, dim_head: int, groups: int):
        super().__init__()
        self.heads, self.dim_head = heads, dim_head
        self.norm = nn.GroupNorm(groups, ch)
        self.qkv = nn.Conv2d(ch, 3 * heads * dim_head, 1, bias=False)
        self.out = nn.Conv2d(heads * dim_head, ch, 1)

    def forward(self, x: torch.Tensor, temb: torch.Tensor | None = None) -> torch.Tensor:
        B, _, H, W = x.shape
        qkv = self.qkv(self.norm(x)).reshape(B, 3, self.heads, self.dim_head, H * W)
        q, k, v = qkv.transpose(-1, -2).unbind(1)  # each (B, heads, HW, dim_head)
        h = F.scaled_dot_product_attention(q, k, v)
        h = h.transpose(-1, -2).reshape(B, self.heads * self.dim_head, H, W)
        return x + self.out(h)


class Downsample(nn.Module):
    """Stride-2 3x3 conv: H -> ceil(H / 2) (handles odd sizes)."""

    def __init__(self, in_ch: int, out_ch: int):
        super().__init__()
        self.conv = nn.Conv2d(in_ch, out_ch, 3, stride=2, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class Upsample(nn.Module):
    """Nearest upsampling to an exact target size, then a 3x3 conv."""

    def __init__(self, in_ch: int, out_ch: int):
        super().__init__()
        self.conv = nn.Conv2d(in_ch, out_ch, 3, padding=1)

    def forward(self, x: torch.Tensor, size) -> torch.Tensor:
        return self.conv(F.interpolate(x, size=tuple(size), mode="nearest"))


class UNet(nn.Module):
    """U-Net restoration network R(x_t, t) -> x̂_0 (Section 3.1).

    Args:
        channels: image channels C of x_t (1 for MNIST, 3 for RGB).
        dim: base channel width (channels of level 0).
        dim_mults: channel multiplier per level; level i has ``dim * dim_mults[i]`` channels and
            works at ≈ H / 2^i resolution (``len(dim_mults) - 1`` downsamplings).
        num_res_blocks: residual blocks per encoder level (the decoder has one more per level).
        attn_levels: indices of the levels whose blocks get self-attention, e.g. ``(2,)`` adds it at
            H/4 (7 px for 28 px inputs).  Default ``()``: attention only in the middle block.
        mid_attn: self-attention in the middle block (the lowest resolution).
        attn_heads, attn_dim_head: attention heads and width per head.
        dropout: dropout probability inside the residual blocks.
        groups: GroupNorm groups; every ``dim * dim_mults[i]`` must be divisible by it.
        out_channels: channels of the output x̂_0 (default: ``channels``).

    ``forward(x, t)``: x (B, C, H, W) float, any H, W ≥ 1; t a LongTensor (B,) of severities (an int
    or a 0-d tensor is broadcast to the batch; float severities are accepted too).  Returns x̂_0 of
    shape (B, out_channels, H, W).  Works under ``torch.autocast`` (bf16 on CPU) and with
    ``channels_last`` inputs/weights.
    """

    def __init__(
        self,
        channels: int = 3,
        dim: int = 32,
        dim_mults: Sequence[int] = (1, 2, 2),
        num_res_blocks: int = 1,
        attn_levels: Sequence[int] = (),
        mid_attn: bool = True,
        attn_heads: int = 4,
        attn_dim_head: int = 32,
        dropout: float = 0.0,
        groups: int = 8,
        out_channels: int | None = None,
    ):
        super().__init__()
        dim_mults, attn_levels = tuple(int(m) for m in dim_mults), tuple(sorted({int(a) for a in attn_levels}))
        if channels < 1 or dim < 1 or num_res_blocks < 1 or not dim_mults or min(dim_mults) < 1:
            raise ValueError("UNet: channels, dim, num_res_blocks and every dim_mult must be >= 1")
        if any(not 0 <= a < len(dim_mults) for a in attn_levels):
            raise ValueError(f"UNet: attn_levels {attn_levels} must index dim_mults (0..{len(dim_mults) - 1})")
        widths = [dim * m for m in dim_mults]
        if any(w % groups for w in widths):
            raise ValueError(f"UNet: channel widths {widths} must be divisible by groups={groups}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"UNet: dropout must be in [0, 1), got {dropout}")
        self._config = dict(
            channels=int(channels), dim=int(dim), dim_mults=list(dim_mults), num_res_blocks=int(num_res_blocks),
            attn_levels=list(attn_levels), mid_attn=bool(mid_attn), attn_heads=int(attn_heads),
            attn_dim_head=int(attn_dim_head), dropout=float(dropout), groups=int(groups),
            out_channels=None if out_channels is None else int(out_channels),
        )
        self.channels, self.out_channels = channels, out_channels or channels
        time_dim = 4 * dim
        block = lambda i, o: ResBlock(i, o, time_dim, groups, dropout)  # noqa: E731
        attn = lambda c: Attention(c, attn_heads, attn_dim_head, groups)  # noqa: E731

        self.time_mlp = nn.Sequential(nn.Linear(dim, time_dim), nn.SiLU(), nn.Linear(time_dim, time_dim))
        self.init = nn.Conv2d(channels, dim, 3, padding=1)

        # Encoder: a flat list of layers; ResBlock/Attention outputs and Downsample outputs are skips.
        self.down = nn.ModuleList()
        skip_ch, ch = [dim], dim
        for level, w in enumerate(widths):
            for _ in range(num_res_blocks):
                layer = nn.ModuleList([block(ch, w)] + ([attn(w)] if level in attn_levels else []))
                self.down.append(layer)
                ch = w
                skip_ch.append(ch)
            if level < len(widths) - 1:
                self.down.append(nn.ModuleList([Downsample(ch, ch)]))
                skip_ch.append(ch)

        self.mid = nn.ModuleList([block(ch, ch)] + ([attn(ch)] if mid_attn else []) + [block(ch, ch)])

        # Decoder: num_res_blocks + 1 blocks per level, each eating one skip; then upsample.
        self.up = nn.ModuleList()
        for level in reversed(range(len(widths))):
            w = widths[level]
            for _ in range(num_res_blocks + 1):
                layer = nn.ModuleList([block(ch + skip_ch.pop(), w)] + ([attn(w)] if level in attn_levels else []))
                self.up.append(layer)
                ch = w
            if level > 0:
                self.up.append(nn.ModuleList([Upsample(ch, widths[level - 1])]))
                ch = widths[level - 1]
        assert not skip_ch

        self.out = nn.Sequential(nn.GroupNorm(groups, ch), nn.SiLU(), nn.Conv2d(ch, self.out_channels, 3, padding=1))

    def config(self) -> dict:
        """Constructor kwargs as a JSON-serialisable dict: ``UNet(**m.config())`` rebuilds the model."""
        return {k: (list(v) if isinstance(v, list) else v) for k, v in self._config.items()}

    def num_parameters(self, trainable_only: bool = False) -> int:
        """Number of parameters (all, or only those with ``requires_grad``)."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad or not trainable_only)

    def _check_inputs(self, x: torch.Tensor, t) -> torch.Tensor:
        if not isinstance(x, torch.Tensor) or x.ndim != 4:
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(f"UNet: x must be a (B, C, H, W) tensor, got {shape}")
        if x.shape[1] != self.channels:
            raise ValueError(f"UNet: x has {x.shape[1]} channels, model expects channels={self.channels}")
        if not x.is_floating_point():
            raise ValueError(f"UNet: x must be a floating-point tensor, got {x.dtype}")
        B = x.shape[0]
        t = torch.as_tensor(t, device=x.device)
        if t.ndim == 0:
            t = t.expand(B)
        if t.shape != (B,):
            raise ValueError(f"UNet: t must be an int or a tensor of shape ({B},), got shape {tuple(t.shape)}")
        return t

    def forward(self, x: torch.Tensor, t) -> torch.Tensor:
        """x̂_0 = R(x_t, t)."""
        t = self._check_inputs(x, t)
        temb = self.time_mlp(sinusoidal_embedding(t, self._config["dim"]).to(self.init.weight.dtype))
        h = self.init(x)
        skips = [h]
        for layer in self.down:
            for m in layer:
                h = m(h, temb) if not isinstance(m, Downsample) else m(h)
            skips.append(h)
        for m in self.mid:
            h = m(h, temb)
        for layer in self.up:
            if isinstance(layer[0], Upsample):
                h = layer[0](h, skips[-1].shape[-2:])
                continue
            h = torch.cat([h, skips.pop()], dim=1)
            for m in layer:
                h = m(h, temb)
        return self.out(h)
