"""cold -- Cold Diffusion (Bansal et al.): inverting arbitrary image transforms without noise.

Symbols follow the paper: D(x0, t) is the degradation of severity t in 0..T, R(x_t, t) the
restoration network returning x̂0, Algorithm 1 the naive sampler and TACoS (Algorithm 2) the
transformation-agnostic cold sampler.

>>> import cold
>>> D = cold.degradation_preset("mnist-blur")
>>> R = cold.UNet(channels=1)
>>> x0_hat = cold.sample(R, D, D(x0, D.T), D.T, method="tacos")
"""
from __future__ import annotations

import importlib

from .degradations import (DEGRADATION_PRESETS, DEGRADATIONS, Degradation, degradation,
                           degradation_preset)
from .sampling import (METHODS, SAMPLERS, sample, sample_direct, sample_naive, sample_side_by_side,
                       sample_tacos, strided_schedule)

__version__ = "0.1.0"

# Heavier pieces are imported on first use: ``cold.UNet``, ``cold.priors``, ``cold.load`` ...
_LAZY = {
    "UNet": ("cold.unet", "UNet"),
    "load": ("cold.checkpoint", "load"),
    "priors": ("cold.priors", None),
    "metrics": ("cold.metrics", None),
    "data": ("cold.data", None),
}


def __getattr__(name):
    if name in _LAZY:
        module, attr = _LAZY[name]
        mod = importlib.import_module(module)
        return mod if attr is None else getattr(mod, attr)
    raise AttributeError(f"module 'cold' has no attribute {name!r}")


__all__ = ["DEGRADATIONS", "DEGRADATION_PRESETS", "Degradation", "degradation",
           "degradation_preset", "sample", "sample_direct", "sample_naive", "sample_side_by_side", "sample_tacos",
           "strided_schedule", "SAMPLERS", "METHODS", "UNet", "load", "priors", "metrics", "data"]
