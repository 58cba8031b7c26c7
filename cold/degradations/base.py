"""The degradation operator D(x0, t) of Cold Diffusion, Section 3.1.

Symbols (paper -> code):

* ``x0``      -- the clean image x_0, a float tensor (B, C, H, W) with values in [-1, 1].
* ``t``       -- the severity t in 0..T; an ``int`` or a LongTensor of shape (B,) (one t per image).
* ``D.T``     -- the number of degradation steps T.
* ``D(x0, t, state)`` -- x_t = D(x_0, t).  ``D(x0, 0)`` returns ``x0`` exactly.
* ``state``   -- the per-image randomness of a random degradation (mask centre, snow seed matrix,
  noise z, partner image, fill colour).  It is drawn once with :meth:`Degradation.sample_state`
  and kept fixed over a whole trajectory, which is what makes TACoS (Algorithm 2) valid for
  random degradations.  ``None`` for deterministic degradations.

A state is ``None``, a tensor whose first dimension is the batch, or a ``dict`` of such tensors;
:func:`index_state` selects rows of any of them.
"""
from __future__ import annotations

import inspect
from typing import Any

import torch

State = Any  # None | Tensor (B, ...) | dict[str, Tensor (B, ...)]


def index_state(state: State, idx) -> State:
    """Select the rows ``idx`` (an index, slice, LongTensor or bool mask) of a degradation state."""
    if state is None:
        return None
    if isinstance(state, torch.Tensor):
        return state[idx]
    if isinstance(state, dict):
        return {k: index_state(v, idx) for k, v in state.items()}
    raise TypeError(f"unsupported degradation state type {type(state).__name__}")


def state_to(state: State, device) -> State:
    """Move a state to ``device``."""
    if state is None:
        return None
    if isinstance(state, torch.Tensor):
        return state.to(device)
    if isinstance(state, dict):
        return {k: state_to(v, device) for k, v in state.items()}
    raise TypeError(f"unsupported degradation state type {type(state).__name__}")


def _state_batch(state: State) -> int | None:
    if isinstance(state, torch.Tensor):
        return state.shape[0]
    if isinstance(state, dict):
        for v in state.values():
            b = _state_batch(v)
            if b is not None:
                return b
    return None


def _jsonable(value):
    """``value`` with tuples turned into lists (recursively), as JSON writes them."""
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


class Degradation:
    """Base class of every degradation D.

    Subclasses set ``name`` and ``random``, store every constructor argument under an
    attribute of the same name (``T`` is stored by ``Degradation.__init__``; :meth:`config` is
    derived from them), and implement :meth:`_apply` (and :meth:`sample_state` for random
    degradations).  :meth:`__call__` validates the arguments, turns ``t`` into a LongTensor
    (B,), draws a state when none is given, and guarantees ``D(x0, 0) == x0`` bit for bit.
    The recipe, with a test file, is docs/add-a-degradation.md.
    """

    name: str = "degradation"
    #: whether :meth:`sample_state` returns randomness (``False``: the state is always ``None``)
    random: bool = False
    #: constructor arguments that :meth:`config` leaves out (data, not configuration)
    config_exclude: tuple[str, ...] = ()

    def __init__(self, T: int):
        if not isinstance(T, int) or isinstance(T, bool) or T < 1:
            raise ValueError(f"{type(self).__name__}: T must be a positive int, got {T!r}")
        self.T = T

    # ------------------------------------------------------------------ public API
    def __call__(self, x0: torch.Tensor, t, state: State = None) -> torch.Tensor:
        """x_t = D(x0, t) for a batch ``x0`` (B, C, H, W) and ``t`` (int or LongTensor (B,))."""
        x0 = self.check_input(x0)
        t = self.check_t(t, x0)
        if state is None:
            state = self.sample_state(x0)
        else:
            b = _state_batch(state)
            if b is not None and b != x0.shape[0]:
                raise ValueError(
                    f"{self.name}: state has batch size {b} but x0 has batch size {x0.shape[0]}")
            state = state_to(state, x0.device)
        t_min = int(t.min())
        if t_min == 0 and int(t.max()) == 0:
            return x0.clone()
        out = self._apply(x0, t, state).to(x0.dtype)
        if t_min > 0:
            return out
        return torch.where((t == 0).view(-1, 1, 1, 1), x0, out)

    def sample_state(self, x0: torch.Tensor, generator: torch.Generator | None = None) -> State:
        """Draw the per-image randomness for ``x0`` (``None`` for deterministic degradations).

        Randomness is drawn on the CPU with ``generator`` and then moved to ``x0.device``, so a
        seeded generator gives the same state on every device.
        """
        return None

    def config(self) -> dict:
        """The keyword arguments that rebuild this degradation with ``cold.degradation(name, **cfg)``.

        Derived from the constructor: ``{name: getattr(self, name)}`` for every parameter of
        ``type(self).__init__`` (``self``, ``*args`` and ``**kwargs`` skipped, tuples written as
        lists so that the result is JSON-serialisable).  A subclass therefore only has to store
        each constructor argument under an attribute of the same name.  Parameters listed in
        :attr:`config_exclude` (data such as animorph's partner images) are left out.
        """
        cfg = {}
        for pname, param in inspect.signature(type(self).__init__).parameters.items():
            if pname == "self" or pname in self.config_exclude or param.kind in (
                    inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
                continue
            if not hasattr(self, pname):
                raise TypeError(
                    f"{type(self).__name__}: constructor argument {pname!r} is not stored as "
                    f"self.{pname}, so config() cannot rebuild the degradation; store it or list "
                    f"it in config_exclude")
            value = getattr(self, pname)
            if isinstance(value, torch.Tensor):
                raise TypeError(
                    f"{type(self).__name__}: constructor argument {pname!r} holds a tensor, which "
                    f"is not configuration; list it in config_exclude")
            cfg[pname] = _jsonable(value)
        return cfg

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items()
                         if not isinstance(v, torch.Tensor))
        return f"{type(self).__name__}({args})"

    # ------------------------------------------------------------------ helpers
    def check_input(self, x0) -> torch.Tensor:
        if not isinstance(x0, torch.Tensor):
            raise ValueError(f"{self.name}: x0 must be a torch.Tensor, got {type(x0).__name__}")
        if x0.dim() != 4:
            raise ValueError(
                f"{self.name}: x0 must have shape (B, C, H, W), got {tuple(x0.shape)} "
                f"(rank {x0.dim()}); add a batch dimension with x0[None]")
        if not x0.is_floating_point():
            raise ValueError(f"{self.name}: x0 must be a floating-point tensor in [-1, 1], got {x0.dtype}")
        return x0

    def check_t(self, t, x0: torch.Tensor) -> torch.Tensor:
        """Validate ``t`` and return it as a LongTensor (B,) on ``x0.device``."""
        B = x0.shape[0]
        if isinstance(t, bool):
            raise ValueError(f"{self.name}: t must be an int or LongTensor, got bool")
        if isinstance(t, int):
            if not 0 <= t <= self.T:
                raise ValueError(f"{self.name}: t={t} is out of range 0..T={self.T}")
            return torch.full((B,), t, dtype=torch.long, device=x0.device)
        if isinstance(t, torch.Tensor):
            if t.is_floating_point() or t.dtype == torch.bool or t.is_complex():
                raise ValueError(f"{self.name}: t must be an integer tensor, got dtype {t.dtype}")
            if t.dim() == 0:
                return self.check_t(int(t), x0)
            if t.dim() != 1 or t.shape[0] != B:
                raise ValueError(
                    f"{self.name}: t must be an int or a LongTensor of shape ({B},) matching the "
                    f"batch of x0, got shape {tuple(t.shape)}")
            lo, hi = int(t.min()), int(t.max())
            if lo < 0 or hi > self.T:
                raise ValueError(
                    f"{self.name}: t values must lie in 0..T={self.T}, got min {lo} and max {hi}")
            return t.to(device=x0.device, dtype=torch.long)
        raise ValueError(f"{self.name}: t must be an int or LongTensor, got {type(t).__name__}")

    # ------------------------------------------------------------------ to implement
    def _apply(self, x0: torch.Tensor, t: torch.Tensor, state: State) -> torch.Tensor:
        """Compute D(x0, t) for a validated LongTensor ``t`` (B,); rows with t == 0 are ignored."""
        raise NotImplementedError
