"""Samplers of Section 3.2: direct restoration, Algorithm 1 and TACoS (Algorithm 2).

All samplers are plain functions with one signature,

    sampler(R, D, x_t, t, state=None, callback=None, generator=None) -> x̂ (the restored x_0)

* ``R`` -- the restoration operator R(x_s, s) -> x̂0: any callable taking a batch and a
  LongTensor (B,) of steps (a :class:`cold.UNet`, a trained model, or a test function).
* ``D`` -- the degradation D(x0, s, state): any object with ``T`` and ``__call__(x0, s, state)``.
* ``x_t``, ``t`` -- the degraded batch and its severity, an int or a LongTensor (B,): every image
  may start at its own t (images wait until the loop reaches their t).
* ``state`` -- the randomness of D kept fixed over the trajectory (mask centre, snow pattern,
  noise z ...).  ``None``: drawn once with ``D.sample_state(x_t, generator)`` (deterministic
  degradations have none).  ``"estimate"``: re-estimated at every step with
  ``D.estimate_state(x_s, x̂0, s)`` -- the paper's "Estimated Noise"; with TACoS on the noise
  degradation this is deterministic DDIM (Appendix A.6).
* ``callback(s, x_s, x0_hat)`` -- called at every step s = max(t), ..., 1 with the whole batch
  before the update (rows whose own t < s are waiting: their x0_hat is x_s unchanged).  This is
  what an explorer needs to show a trajectory.  The direct sampler calls it once.

Algorithm 1 (naive):   x̂0 = R(x_s, s);  x_{s-1} = D(x̂0, s-1)
Algorithm 2 (TACoS):   x̂0 = R(x_s, s);  x_{s-1} = x_s - D(x̂0, s) + D(x̂0, s-1)
"""
from __future__ import annotations

from typing import Callable

import torch

from .degradations.base import index_state

METHODS = ("direct", "naive", "tacos")


def _as_t(D, x_t: torch.Tensor, t) -> torch.Tensor:
    if not isinstance(x_t, torch.Tensor) or x_t.dim() != 4:
        shape = tuple(x_t.shape) if isinstance(x_t, torch.Tensor) else type(x_t).__name__
        raise ValueError(f"sample: x_t must be a tensor (B, C, H, W), got {shape}")
    if hasattr(D, "check_t"):
        return D.check_t(t, x_t)
    B = x_t.shape[0]
    t = torch.as_tensor(t, dtype=torch.long, device=x_t.device)
    t = t.expand(B).clone() if t.dim() == 0 else t
    if t.shape != (B,) or int(t.min()) < 0 or int(t.max()) > D.T:
        raise ValueError(f"sample: t must be an int or LongTensor ({B},) with values in 0..{D.T}")
    return t


def _initial_state(D, x_t, state, generator):
    if isinstance(state, str):
        if state != "estimate":
            raise ValueError(f"sample: state must be None, a state or 'estimate', got {state!r}")
        if not hasattr(D, "estimate_state"):
            raise ValueError(f"sample: state='estimate' needs D.estimate_state, which "
                             f"{type(D).__name__} does not have")
        return "estimate"
    if state is None and hasattr(D, "sample_state"):
        return D.sample_state(x_t, generator=generator)
    return state


def _restore(R, x, s):
    x0_hat = R(x, s)
    if x0_hat.shape != x.shape:
        raise ValueError(f"sample: R returned shape {tuple(x0_hat.shape)} for input {tuple(x.shape)}")
    return x0_hat.to(x.dtype)


def _iterate(update: str, R, D, x_t, t, state, callback, generator):
    t = _as_t(D, x_t, t)
    state = _initial_state(D, x_t, state, generator)
    x = x_t.clone()
    for s in range(int(t.max()), 0, -1):
        active = t >= s
        everyone = bool(active.all())
        idx = slice(None) if everyone else active.nonzero().squeeze(1)
        x_s = x if everyone else x[idx]
        s_vec = torch.full((x_s.shape[0],), s, dtype=torch.long, device=x.device)
        x0_hat = _restore(R, x_s, s_vec)
        if isinstance(state, str):  # "estimate": re-estimate the state from (x_s, x̂0)
            st = D.estimate_state(x_s, x0_hat, s_vec)
        else:
            st = index_state(state, idx)
        if update == "naive":       # Algorithm 1
            x_prev = D(x0_hat, s - 1, st)
        else:                       # Algorithm 2 (TACoS)
            x_prev = x_s - D(x0_hat, s, st) + D(x0_hat, s - 1, st)
        if callback is not None:
            if everyone:
                callback(s, x, x0_hat)
            else:
                full = x.clone()
                full[idx] = x0_hat
                callback(s, x, full)
        if everyone:
            x = x_prev
        else:
            x = x.clone()
            x[idx] = x_prev
    return x


@torch.no_grad()
def sample_direct(R, D, x_t, t, state=None, callback=None, generator=None) -> torch.Tensor:
    """Direct reconstruction x̂0 = R(x_t, t) in one call (rows with t = 0 are returned as given)."""
    t = _as_t(D, x_t, t)
    x0_hat = _restore(R, x_t, t)
    x0_hat = torch.where((t == 0).view(-1, 1, 1, 1), x_t, x0_hat)
    if callback is not None:
        callback(int(t.max()), x_t, x0_hat)
    return x0_hat


@torch.no_grad()
def sample_naive(R, D, x_t, t, state=None, callback=None, generator=None) -> torch.Tensor:
    """Algorithm 1 (naive sampling): x_{s-1} = D(R(x_s, s), s-1) for s = t, ..., 1."""
    return _iterate("naive", R, D, x_t, t, state, callback, generator)


@torch.no_grad()
def sample_tacos(R, D, x_t, t, state=None, callback=None, generator=None) -> torch.Tensor:
    """Algorithm 2 (TACoS): x_{s-1} = x_s - D(x̂0, s) + D(x̂0, s-1), x̂0 = R(x_s, s), s = t, ..., 1."""
    return _iterate("tacos", R, D, x_t, t, state, callback, generator)


SAMPLERS: dict[str, Callable] = {"direct": sample_direct, "naive": sample_naive, "tacos": sample_tacos}


def sample(R, D, x_t, t, method: str = "tacos", state=None, callback=None,
           generator: torch.Generator | None = None) -> torch.Tensor:
    """Restore ``x_t`` (degraded to severity ``t`` by ``D``) with the restoration operator ``R``.

    ``method``: ``"direct"`` (one call R(x_t, t)), ``"naive"`` (Algorithm 1) or ``"tacos"``
    (Algorithm 2, the default).  See the module docstring for the other arguments.
    """
    if method not in SAMPLERS:
        raise ValueError(f"sample: unknown method {method!r}; choose one of {', '.join(METHODS)}")
    return SAMPLERS[method](R, D, x_t, t, state=state, callback=callback, generator=generator)
