"""The contract every degradation D(x0, t) of Cold Diffusion (Section 3.1) must satisfy.

A test file per degradation subclasses :class:`DegradationContract` once per configuration
(a preset of ``cold.DEGRADATION_PRESETS`` or a ``make()`` factory) and inherits these tests::

    class TestCifar10Blur(DegradationContract):
        preset = "cifar10-blur"

    class TestBlurZerosPadding(DegradationContract):
        channels, size = 1, 20

        def make(self):
            return Blur(T=8, kernel_size=5, padding="zeros")

The class name does not start with ``Test``, so pytest does not collect the contract itself.
Symbols as in the paper: x0 the clean image, t in 0..T the severity, x_t = D(x0, t, state) with
a per-image ``state`` drawn by ``D.sample_state`` (``None`` for deterministic degradations).
"""
from __future__ import annotations

import json

import pytest
import torch

import cold
from cold.degradations import Degradation, degradation_class, index_state, state_to

from conftest import DEVICES, requires_cuda


def assert_states_equal(a, b):
    """Two degradation states (None, a tensor, or a dict of tensors) are identical."""
    if a is None or b is None:
        assert a is None and b is None, (a, b)
    elif isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor) and a.dtype == b.dtype and torch.equal(a.cpu(), b.cpu())
    else:
        assert isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys()
        for k in a:
            assert_states_equal(a[k], b[k])


def states_equal(a, b) -> bool:
    try:
        assert_states_equal(a, b)
    except AssertionError:
        return False
    return True


class DegradationContract:
    """Generic tests of a degradation D; subclasses set the attributes below."""

    #: the preset of ``cold.DEGRADATION_PRESETS`` that :meth:`make` builds (or override make)
    preset: str | None = None
    #: the shape of the test images x0: (batch, channels, size) with size an int or (H, W)
    channels: int = 3
    size: int | tuple[int, int] = 32
    batch: int = 5
    #: x_t stays in [-1, 1] for x0 in [-1, 1] (False where the state is unbounded, e.g. noise)
    bounded: bool = True
    #: tolerance of per-image t against one image at a time (0: bit for bit)
    atol: float = 1e-6
    #: tolerance of CUDA against the CPU, per dtype
    cuda_atol = {torch.float32: 1e-4, torch.float64: 1e-5}

    # ------------------------------------------------------------------ hooks
    def make(self) -> Degradation:
        """The degradation under test."""
        if self.preset is None:
            raise NotImplementedError(f"{type(self).__name__}: set `preset` or override make()")
        return cold.degradation_preset(self.preset)

    def rebuild(self, D: Degradation) -> Degradation:
        """D rebuilt from its JSON-serialised config (animorph adds its partner images here)."""
        cfg = json.loads(json.dumps(D.config()))
        return cold.degradation(D.name, **cfg)

    # ------------------------------------------------------------------ helpers
    def images(self, n: int | None = None, dtype=torch.float32, device="cpu", seed=0) -> torch.Tensor:
        """Random x0 (n, C, H, W) uniform in [-1, 1]."""
        H, W = (self.size, self.size) if isinstance(self.size, int) else self.size
        g = torch.Generator().manual_seed(seed)
        x = torch.rand(n or self.batch, self.channels, H, W, generator=g, dtype=torch.float64) * 2 - 1
        return x.to(device=device, dtype=dtype)

    def state(self, D, x0, seed=0):
        return D.sample_state(x0, generator=torch.Generator().manual_seed(seed))

    @staticmethod
    def severities(D) -> list[int]:
        return sorted({1, D.T // 2, D.T} - {0})

    def mixed_t(self, D, n: int) -> torch.Tensor:
        """Per-image t covering 0, 1, T//2, T-1 and T in a shuffled order."""
        ts = [D.T, 0, D.T // 2, 1, D.T - 1]
        return torch.tensor([ts[i % len(ts)] for i in range(n)])

    # ------------------------------------------------------------------ the contract
    def test_registered_with_valid_T(self):
        D = self.make()
        assert isinstance(D, Degradation)
        assert D.name in cold.DEGRADATIONS and isinstance(D, degradation_class(D.name))
        assert isinstance(D.T, int) and not isinstance(D.T, bool) and D.T >= 1

    @pytest.mark.parametrize("device", DEVICES)
    def test_t0_is_identity(self, device):
        """D(x0, 0) returns x0 bit for bit, with or without a state, for every dtype."""
        D = self.make()
        for dtype in (torch.float32, torch.float64):
            x = self.images(dtype=dtype, device=device)
            assert torch.equal(D(x, 0), x)
            assert torch.equal(D(x, 0, self.state(D, x)), x)
            assert torch.equal(D(x, torch.zeros(len(x), dtype=torch.long, device=device)), x)
            assert torch.equal(D(x, torch.tensor(0)), x)

    @pytest.mark.parametrize("device", DEVICES)
    @pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
    def test_shape_dtype_finite(self, dtype, device):
        D = self.make()
        x = self.images(dtype=dtype, device=device)
        state = self.state(D, x)
        for t in self.severities(D):
            y = D(x, t, state)
            assert y.shape == x.shape and y.dtype == dtype and y.device == x.device, t
            assert torch.isfinite(y).all(), t
            if self.bounded:
                assert y.min() >= -1 - 1e-5 and y.max() <= 1 + 1e-5, t

    def test_per_image_t_equals_single_images(self):
        """A LongTensor t (B,) equals computing each image alone with its row of the state."""
        D = self.make()
        x = self.images()
        state = self.state(D, x)
        t = self.mixed_t(D, len(x))
        y = D(x, t, state)
        assert y.shape == x.shape and y.dtype == x.dtype
        for i in range(len(x)):
            yi = D(x[i:i + 1], int(t[i]), index_state(state, slice(i, i + 1)))
            if int(t[i]) == 0:
                assert torch.equal(y[i], x[i]), f"row {i}: t=0 must return x0"
            torch.testing.assert_close(y[i:i + 1], yi, atol=self.atol, rtol=0, msg=f"row {i}, t={int(t[i])}")

    def test_seeded_state_is_reproducible(self):
        D = self.make()
        x = self.images()
        s1, s2 = self.state(D, x, seed=7), self.state(D, x, seed=7)
        assert_states_equal(s1, s2)
        assert torch.equal(D(x, D.T, s1), D(x, D.T, s2))
        if D.random:
            assert not states_equal(s1, self.state(D, x, seed=8)), "the generator is not used"

    def test_random_iff_state(self):
        """``D.random`` is True exactly when :meth:`sample_state` returns a (non-None) state."""
        D = self.make()
        x = self.images()
        state = D.sample_state(x)
        assert D.random is (state is not None)
        if not D.random:
            assert torch.equal(D(x, D.T), D(x, D.T))

    def test_index_state_selects_rows(self):
        D = self.make()
        x = self.images()
        state = self.state(D, x)
        t = self.mixed_t(D, len(x))
        y = D(x, t, state)
        n = len(x)
        for idx in (slice(1, 3), torch.tensor([n - 1, 0]), torch.arange(n) % 2 == 0):
            sub = index_state(state, idx)
            assert_states_equal(sub, None if state is None else
                                state[idx] if isinstance(state, torch.Tensor) else
                                {k: v[idx] for k, v in state.items()})
            torch.testing.assert_close(D(x[idx], t[idx], sub), y[idx], atol=self.atol, rtol=0)

    def test_state_batch_must_match(self):
        D = self.make()
        x = self.images()
        state = self.state(D, x[:2])
        if state is None:
            pytest.skip("deterministic degradation: no state")
        with pytest.raises(ValueError, match="batch"):
            D(x, 1, state)

    def test_config_rebuilds_identical_degradation(self):
        """config() is JSON-serialisable, names exactly the constructor's arguments, and
        ``cold.degradation(D.name, **config)`` rebuilds a D with the same outputs."""
        import inspect

        D = self.make()
        cfg = D.config()
        assert json.loads(json.dumps(cfg)) == cfg
        params = [p for p in inspect.signature(type(D).__init__).parameters.values()
                  if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        assert set(cfg) == {p.name for p in params} - set(D.config_exclude)
        D2 = self.rebuild(D)
        assert type(D2) is type(D) and D2.config() == cfg and repr(D2) == repr(D)
        assert D2.random == D.random
        x = self.images()
        state = self.state(D, x)
        t = self.mixed_t(D, len(x))
        assert torch.equal(D2(x, t, state), D(x, t, state))

    @pytest.mark.parametrize("T", [0, -1, 2.5, True, "3"])
    def test_bad_T_raises(self, T):
        D = self.make()
        cfg = {**D.config(), "T": T}
        with pytest.raises(ValueError):
            type(D)(**cfg)

    def test_bad_t_raises(self):
        D = self.make()
        x = self.images()
        n = len(x)
        with pytest.raises(ValueError, match="out of range"):
            D(x, D.T + 1)
        with pytest.raises(ValueError, match="out of range"):
            D(x, -1)
        with pytest.raises(ValueError, match=r"t values must lie in"):
            D(x, torch.tensor([0] * (n - 1) + [D.T + 1]))
        with pytest.raises(ValueError, match=r"t values must lie in"):
            D(x, torch.tensor([-1] + [1] * (n - 1)))
        with pytest.raises(ValueError, match="batch"):
            D(x, torch.tensor([1, 1]))  # wrong length
        with pytest.raises(ValueError, match="batch"):
            D(x, torch.ones(n, 1, dtype=torch.long))  # wrong rank
        with pytest.raises(ValueError, match="integer"):
            D(x, torch.full((n,), 1.0))  # float tensor
        with pytest.raises(ValueError, match="integer"):
            D(x, torch.ones(n, dtype=torch.bool))
        for bad in (1.0, True, None, [1] * n):
            with pytest.raises(ValueError):
                D(x, bad)

    def test_bad_x0_raises(self):
        D = self.make()
        x = self.images()
        with pytest.raises(ValueError, match="shape"):
            D(x[0], 1)  # rank 3
        with pytest.raises(ValueError, match="shape"):
            D(x[None], 1)  # rank 5
        with pytest.raises(ValueError, match="floating"):
            D(((x + 1) * 127).to(torch.uint8), 1)
        with pytest.raises(ValueError, match="floating"):
            D(x.long(), 1)
        with pytest.raises(ValueError, match="torch.Tensor"):
            D(x.numpy(), 1)

    def test_degrades_at_T(self):
        """x_T = D(x0, T) is not x0 for random images."""
        D = self.make()
        x = self.images()
        y = D(x, D.T, self.state(D, x))
        assert (y - x).abs().amax(dim=(1, 2, 3)).min() > 1e-3

    @requires_cuda
    @pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
    def test_cuda_matches_cpu(self, dtype):
        D = self.make()
        x = self.images(dtype=dtype)
        state = self.state(D, x)
        # a seeded state is drawn on the CPU and moved, so it is the same on every device
        assert_states_equal(self.state(D, x.cuda()), state)
        t = self.mixed_t(D, len(x))
        y_cpu = D(x, t, state)
        y_gpu = D(x.cuda(), t.cuda(), state_to(state, "cuda"))
        assert y_gpu.device.type == "cuda" and y_gpu.dtype == dtype
        torch.testing.assert_close(y_gpu.cpu(), y_cpu, atol=self.cuda_atol[dtype], rtol=0)
