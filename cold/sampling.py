"""Samplers of Section 3.2: direct restoration, Algorithm 1 and TACoS (Algorithm 2).

All samplers are plain functions with one signature,

    sampler(R, D, x_t, t, state=None, callback=None, generator=None, steps=None) -> x̂ (the restored x_0)

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
* ``callback(s, x_s, x0_hat)`` -- called once per taken step s (s = max(t), ..., 1 by default)
  with the whole batch before the update (rows not stepping at s -- their own t < s, or s not in
  their strided schedule -- are waiting: their x0_hat is x_s unchanged).  This is what an
  explorer needs to show a trajectory.  The direct sampler calls it once.
* ``steps`` -- strided sampling, *our extension beyond the paper* (below).  ``None`` (default):
  every step t, t-1, ..., 1, exactly the paper's algorithms.  The direct sampler ignores it.

Algorithm 1 (naive):   x̂0 = R(x_s, s);  x_{s-1} = D(x̂0, s-1)
Algorithm 2 (TACoS):   x̂0 = R(x_s, s);  x_{s-1} = x_s - D(x̂0, s) + D(x̂0, s-1)

Strided sampling (our extension; the paper always takes all t steps)
--------------------------------------------------------------------
With a schedule t = s_K > s_{K-1} > ... > s_1 > s_0 = 0 of K <= t steps the samplers call R only
K times:

    strided Algorithm 1:   x̂0 = R(x_{s_i}, s_i);  x_{s_{i-1}} = D(x̂0, s_{i-1})
    strided TACoS:         x̂0 = R(x_{s_i}, s_i);  x_{s_{i-1}} = x_{s_i} - D(x̂0, s_i) + D(x̂0, s_{i-1})

for i = K, ..., 1.  ``steps=K`` (an int, 1 <= K <= t) takes :func:`strided_schedule` (t, K),
K evenly spaced integers from t down to 0; ``steps=[s_K, ..., s_1]`` (a list, tuple or 1-D
integer tensor, strictly decreasing, starting at t, an optional trailing 0) is used as given.
``steps=t`` is the full schedule t, t-1, ..., 1 and gives bit-identical results to ``steps=None``.
With per-image t (a LongTensor), ``steps=K`` gives every image its own schedule
``strided_schedule(t_i, min(K, t_i))`` (K must not exceed max(t); images with t_i <= K take all
their steps, images with t_i = 0 are returned as given), so a batch equals its images run one by
one; an explicit list needs one t for the whole batch.

*Section 3.3 holds for any step size.*  Let D be linear in the sense of Section 3.3,
D(x, s) = x + s·e for a constant e (more generally D(x, s) = x + φ(s) with φ(0) = 0: all that
is used is that D(x, s) - D(x, s') does not depend on x).  Claim: for *any* R and any schedule,
strided TACoS passes through x_{s_i} = D(x0, s_i) for every i and returns x0 exactly.
Proof by induction downwards over i.  Base: x_{s_K} = x_t = D(x0, t).  Step: if
x_{s_i} = D(x0, s_i) = x0 + s_i·e, then for x̂0 = R(x_{s_i}, s_i), whatever it is,

    x_{s_{i-1}} = x_{s_i} - D(x̂0, s_i) + D(x̂0, s_{i-1})
                = (x0 + s_i·e) - (x̂0 + s_i·e) + (x̂0 + s_{i-1}·e)
                = x0 + s_{i-1}·e = D(x0, s_{i-1}):

x̂0 cancels and the step size s_i - s_{i-1} never enters.  At i = 1 this gives
x_{s_0} = D(x0, 0) = x0.  ∎  Strided Algorithm 1 instead returns D(R(x_{s_1}, s_1), 0) =
R(x_{s_1}, s_1), exact only when R is.

With the noise degradation and ``state="estimate"`` (ẑ = (x_s - √ᾱ_s·x̂0)/√(1-ᾱ_s)) the strided
TACoS update is x_{s'} = x_s - (√ᾱ_s·x̂0 + √(1-ᾱ_s)·ẑ) + (√ᾱ_{s'}·x̂0 + √(1-ᾱ_{s'})·ẑ)
= √ᾱ_{s'}·x̂0 + √(1-ᾱ_{s'})·ẑ (as Appendix A.6, with s-1 replaced by s' = the next step): the
deterministic DDIM update on a sub-sequence of steps (Song et al. 2021, Section 4.2), which is how
DDIM samples in few steps.  Both properties are tested in tests/test_strided.py.
"""
from __future__ import annotations

import numbers
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


def _is_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def strided_schedule(t: int, steps: int) -> list[int]:
    """The strided schedule of ``steps`` = K evenly spaced steps from ``t`` down to 0 (our
    extension beyond the paper, see the module docstring).

    Returns the K + 1 integers [s_K, ..., s_1, s_0] = [t, ..., 0], strictly decreasing, with
    s_i = round(i·t/K) (halves rounded up, computed in integer arithmetic so that no float
    rounding can move a step).  Because K <= t the gaps are >= 1, so no step repeats;
    ``strided_schedule(t, t)`` is [t, t-1, ..., 0], the paper's full schedule.

    >>> strided_schedule(200, 4)
    [200, 150, 100, 50, 0]
    >>> strided_schedule(10, 3)
    [10, 7, 3, 0]
    """
    if isinstance(t, torch.Tensor) and t.dim() == 0 and not t.is_floating_point():
        t = int(t)
    if isinstance(steps, torch.Tensor) and steps.dim() == 0 and not steps.is_floating_point():
        steps = int(steps)
    if not _is_int(t) or t < 0:
        raise ValueError(f"strided_schedule: t must be an int >= 0, got {t!r}")
    if not _is_int(steps):
        raise ValueError(f"strided_schedule: steps must be an int, got {type(steps).__name__}")
    t, K = int(t), int(steps)
    if not 1 <= K <= t:
        raise ValueError(f"strided_schedule: steps={K} is out of range 1..t={t} "
                         f"(a sampler takes at most t steps and at least one)")
    return [(2 * i * t + K) // (2 * K) for i in range(K, -1, -1)]


def _parse_steps(steps):
    """``None``, an int K, or a list of ints (an explicit schedule)."""
    if steps is None:
        return None
    if _is_int(steps):
        return int(steps)
    if isinstance(steps, torch.Tensor):
        if steps.is_floating_point() or steps.is_complex() or steps.dtype == torch.bool \
                or steps.dim() > 1:
            raise ValueError(f"sample: steps must be an int or a 1-D integer tensor, got a tensor "
                             f"of dtype {steps.dtype} and shape {tuple(steps.shape)}")
        steps = steps.tolist()
    elif not isinstance(steps, (list, tuple, range)) and hasattr(steps, "tolist"):
        steps = steps.tolist()  # numpy arrays and scalars
    if _is_int(steps):
        return int(steps)
    if not isinstance(steps, (list, tuple, range)):
        raise ValueError(f"sample: steps must be None, an int K or a list of steps "
                         f"s_K > ... > s_1, got {type(steps).__name__}")
    if not all(_is_int(s) for s in steps):
        raise ValueError(f"sample: steps must be integers, got {list(steps)!r}")
    return [int(s) for s in steps]


def _explicit_schedule(steps: list[int], t: int) -> list[int]:
    sched = list(steps)
    if sched and sched[-1] == 0:
        sched = sched[:-1]
    if not sched:
        raise ValueError("sample: steps is an empty schedule; give at least one step (e.g. [t])")
    if any(a <= b for a, b in zip(sched, sched[1:])) or sched[-1] < 1:
        raise ValueError(f"sample: an explicit steps schedule must be strictly decreasing steps "
                         f"t = s_K > ... > s_1 >= 1 (a trailing 0 is allowed), got {list(steps)!r}")
    if sched[0] != t:
        raise ValueError(f"sample: an explicit steps schedule must start at t={t} (the severity "
                         f"of x_t), got {list(steps)!r}")
    return sched + [0]


def _schedules(t: torch.Tensor, steps) -> dict[int, list[int]]:
    """For every distinct t in the batch, its schedule [s_K = t, ..., s_1, 0] (empty for t = 0)."""
    steps = _parse_steps(steps)
    values = sorted(set(t.tolist()))
    if steps is None:
        return {u: list(range(u, -1, -1)) if u > 0 else [] for u in values}
    t_max = values[-1]
    if isinstance(steps, int):
        if not 1 <= steps <= t_max:
            where = f"t={t_max}" if len(values) == 1 else f"max(t)={t_max}"
            raise ValueError(f"sample: steps={steps} is out of range 1..{where} (a sampler takes "
                             f"at most t steps and at least one)")
        return {u: strided_schedule(u, min(steps, u)) if u > 0 else [] for u in values}
    if len(values) != 1:
        raise ValueError(f"sample: an explicit steps schedule needs the same t for every image, "
                         f"got per-image t from {values[0]} to {t_max}; pass steps=K for "
                         f"per-image strided schedules")
    return {t_max: _explicit_schedule(steps, t_max)}


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


def _iterate(update, R, D, x_t, t, state, callback, generator, steps=None):
    """The loop of Algorithm 1 / TACoS.  ``update``: "naive", "tacos", or a BoolTensor (B,) that
    is True for the rows updated with TACoS and False for those updated with Algorithm 1
    (:func:`sample_side_by_side`)."""
    t = _as_t(D, x_t, t)
    schedules = _schedules(t, steps)
    # next_step[u][s]: the step after s in the schedule of the images with t = u
    next_step = {u: dict(zip(sched[:-1], sched[1:])) for u, sched in schedules.items()}
    taken = sorted({s for nxt in next_step.values() for s in nxt}, reverse=True)
    state = _initial_state(D, x_t, state, generator)
    x = x_t.clone()
    for s in taken:
        groups = {u: nxt[s] for u, nxt in next_step.items() if s in nxt}  # t value -> next step
        if len(groups) == len(next_step):
            active = torch.ones_like(t, dtype=torch.bool)
        else:
            active = torch.zeros_like(t, dtype=torch.bool)
            for u in groups:
                active |= t == u
        everyone = bool(active.all())
        idx = slice(None) if everyone else active.nonzero().squeeze(1)
        x_s = x if everyone else x[idx]
        s_vec = torch.full((x_s.shape[0],), s, dtype=torch.long, device=x.device)
        if len(set(groups.values())) == 1:     # one next step for every active image
            s_prev = next(iter(groups.values()))
        else:                                  # per-image strided schedules diverge
            t_act = t[idx]
            s_prev = torch.zeros_like(t_act)
            for u, p in groups.items():
                s_prev[t_act == u] = p
        x0_hat = _restore(R, x_s, s_vec)
        if isinstance(state, str):  # "estimate": re-estimate the state from (x_s, x̂0)
            st = D.estimate_state(x_s, x0_hat, s_vec)
        else:
            st = index_state(state, idx)
        if isinstance(update, torch.Tensor):  # some rows Algorithm 1, the others TACoS
            d_prev = D(x0_hat, s_prev, st)
            tacos_rows = (update if everyone else update[idx]).view(-1, *([1] * (x_s.dim() - 1)))
            x_prev = torch.where(tacos_rows, x_s - D(x0_hat, s, st) + d_prev, d_prev)
        elif update == "naive":     # Algorithm 1 (strided: s - 1 becomes the next step s_prev)
            x_prev = D(x0_hat, s_prev, st)
        else:                       # Algorithm 2 (TACoS)
            x_prev = x_s - D(x0_hat, s, st) + D(x0_hat, s_prev, st)
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
def sample_direct(R, D, x_t, t, state=None, callback=None, generator=None, steps=None) -> torch.Tensor:
    """Direct reconstruction x̂0 = R(x_t, t) in one call (rows with t = 0 are returned as given).

    ``steps`` is accepted for a common signature and ignored: direct restoration has one step."""
    t = _as_t(D, x_t, t)
    x0_hat = _restore(R, x_t, t)
    x0_hat = torch.where((t == 0).view(-1, 1, 1, 1), x_t, x0_hat)
    if callback is not None:
        callback(int(t.max()), x_t, x0_hat)
    return x0_hat


@torch.no_grad()
def sample_naive(R, D, x_t, t, state=None, callback=None, generator=None, steps=None) -> torch.Tensor:
    """Algorithm 1 (naive sampling): x_{s-1} = D(R(x_s, s), s-1) for s = t, ..., 1.

    ``steps`` (our extension): x_{s_{i-1}} = D(R(x_{s_i}, s_i), s_{i-1}) over a strided schedule,
    see the module docstring."""
    return _iterate("naive", R, D, x_t, t, state, callback, generator, steps)


@torch.no_grad()
def sample_tacos(R, D, x_t, t, state=None, callback=None, generator=None, steps=None) -> torch.Tensor:
    """Algorithm 2 (TACoS): x_{s-1} = x_s - D(x̂0, s) + D(x̂0, s-1), x̂0 = R(x_s, s), s = t, ..., 1.

    ``steps`` (our extension): x_{s_{i-1}} = x_{s_i} - D(x̂0, s_i) + D(x̂0, s_{i-1}) over a strided
    schedule, see the module docstring."""
    return _iterate("tacos", R, D, x_t, t, state, callback, generator, steps)


@torch.no_grad()
def sample_side_by_side(R, D, x_t, t, methods=("naive", "tacos"), state=None, callback=None,
                        generator=None, steps=None) -> dict[str, torch.Tensor]:
    """Algorithm 1 and TACoS (``methods``, iterative samplers only) from the same ``x_t``, run
    as ONE batch: each step calls R once on the iterates of all methods stacked, method-major
    (rows ``i·B ... (i+1)·B - 1`` are ``methods[i]``), so comparing the samplers costs one
    network call per step instead of one per method and step.

    Each method's result is what :func:`sample` gives for it alone (up to the floating-point
    differences of a larger batch in R); ``state`` (drawn once if None) is shared by the methods.
    ``callback(s, x_s, x0_hat)`` sees the stacked batch.  Returns ``{method: x̂}``.
    """
    methods = tuple(methods)
    bad = [m for m in methods if m not in ("naive", "tacos")]
    if bad or not methods:
        raise ValueError(f"sample_side_by_side: methods must be among 'naive' and 'tacos', got {methods!r}")
    t = _as_t(D, x_t, t)
    B, k = x_t.shape[0], len(methods)
    state = _initial_state(D, x_t, state, generator)
    rows = torch.arange(B, device=x_t.device).repeat(k)
    stacked_state = state if state is None or isinstance(state, str) else index_state(state, rows)
    is_tacos = torch.tensor([m == "tacos" for m in methods], device=x_t.device).repeat_interleave(B)
    out = _iterate(is_tacos, R, D, x_t.repeat(k, *([1] * (x_t.dim() - 1))), t.repeat(k),
                   stacked_state, callback, generator, steps)
    return {m: out[i * B:(i + 1) * B] for i, m in enumerate(methods)}


SAMPLERS: dict[str, Callable] = {"direct": sample_direct, "naive": sample_naive, "tacos": sample_tacos}


def sample(R, D, x_t, t, method: str = "tacos", state=None, callback=None,
           generator: torch.Generator | None = None, steps=None) -> torch.Tensor:
    """Restore ``x_t`` (degraded to severity ``t`` by ``D``) with the restoration operator ``R``.

    ``method``: ``"direct"`` (one call R(x_t, t)), ``"naive"`` (Algorithm 1) or ``"tacos"``
    (Algorithm 2, the default).  ``steps`` (our extension beyond the paper): ``None`` for all t
    steps (the paper), an int K for K evenly spaced steps (:func:`strided_schedule`), or an
    explicit list [t = s_K, ..., s_1]; ignored by ``"direct"``.  See the module docstring for
    the other arguments.
    """
    if method not in SAMPLERS:
        raise ValueError(f"sample: unknown method {method!r}; choose one of {', '.join(METHODS)}")
    return SAMPLERS[method](R, D, x_t, t, state=state, callback=callback, generator=generator,
                            steps=steps)
