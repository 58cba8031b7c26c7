"""Strided sampling, our extension beyond the paper: K < T steps s_K > ... > s_1 > s_0 = 0 with
x_{s_{i-1}} = x_{s_i} - D(x̂0, s_i) + D(x̂0, s_{i-1}) (TACoS) or D(x̂0, s_{i-1}) (Algorithm 1).

Checked: steps = T is bit-identical to the paper's samplers; Section 3.3 (exact for a linear D
with any R) holds for any schedule; TACoS + estimated noise with strides is strided
deterministic DDIM, written here from its formula; per-image t; the callback; clear errors."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import cold
from cold.degradations.interpolation import Noise
from cold.sampling import strided_schedule

from test_sampling import LinearDegradation, ddim_setup, random_restoration


def counting(R):
    calls = []
    def wrapped(x, s):
        calls.append(s.tolist())
        return R(x, s)
    return wrapped, calls


# ---------------------------------------------------------------- the schedule
def test_strided_schedule_examples():
    assert strided_schedule(200, 4) == [200, 150, 100, 50, 0]
    assert strided_schedule(10, 3) == [10, 7, 3, 0]
    assert strided_schedule(7, 1) == [7, 0]
    assert strided_schedule(5, 5) == [5, 4, 3, 2, 1, 0]
    assert strided_schedule(torch.tensor(6), np.int64(2)) == [6, 3, 0]
    assert cold.strided_schedule is strided_schedule


@settings(max_examples=200, deadline=None)
@given(t=st.integers(1, 2000), data=st.data())
def test_strided_schedule_is_evenly_spaced(t, data):
    K = data.draw(st.integers(1, t))
    s = strided_schedule(t, K)
    assert len(s) == K + 1 and s[0] == t and s[-1] == 0
    assert all(a > b for a, b in zip(s, s[1:]))  # strictly decreasing: no duplicates
    assert all(type(v) is int for v in s)
    # round(linspace(t, 0, K+1)) up to how halves are broken
    ideal = np.linspace(t, 0, K + 1)
    assert np.abs(np.array(s) - ideal).max() <= 0.5 + 1e-9
    if K == t:
        assert s == list(range(t, -1, -1))


@pytest.mark.parametrize("t, K", [(5, 0), (5, 6), (5, -1), (0, 1), (5, 2.0), (5, True), (-1, 1),
                                  (2.5, 1)])
def test_strided_schedule_errors(t, K):
    with pytest.raises(ValueError, match="strided_schedule"):
        strided_schedule(t, K)


# ---------------------------------------------------------------- steps = T is the paper's sampler
def _cases():
    g = torch.Generator().manual_seed(0)
    blur = cold.degradation_preset("mnist-blur")
    inpaint = cold.degradation_preset("mnist-inpaint")
    noise = Noise(T=12)
    x1 = torch.rand(3, 1, 16, 16, generator=g) * 2 - 1
    x3 = torch.rand(2, 3, 16, 16, generator=g) * 2 - 1
    R1 = cold.UNet(channels=1, dim=8, dim_mults=(1, 2)).eval()
    R3 = cold.UNet(channels=3, dim=8, dim_mults=(1, 2)).eval()
    st_in = inpaint.sample_state(x1, generator=g)
    z = noise.sample_state(x3, generator=g)
    t_img = torch.tensor([7, 0, inpaint.T])
    return [
        ("blur", R1, blur, blur(x1, blur.T), blur.T, None),
        ("inpaint per-image t", R1, inpaint, inpaint(x1, t_img, st_in), t_img, st_in),
        ("noise fixed z", R3, noise, noise(x3, noise.T, z), noise.T, z),
        ("noise estimate", R3, noise, noise(x3, noise.T, z), noise.T, "estimate"),
    ]


@pytest.mark.parametrize("method", ["naive", "tacos"])
def test_steps_equal_to_t_is_bit_identical(method):
    for name, R, D, x_t, t, state in _cases():
        seen = {}
        outs = {}
        for steps in [None, D.T]:
            log = seen[steps] = []
            outs[steps] = cold.sample(R, D, x_t, t, method, state=state, steps=steps,
                                      callback=lambda s, x, xh: log.append((s, x.clone(), xh.clone())))
        assert torch.equal(outs[None], outs[D.T]), name
        assert [s for s, _, _ in seen[None]] == [s for s, _, _ in seen[D.T]] == list(range(D.T, 0, -1))
        for (_, a, ah), (_, b, bh) in zip(seen[None], seen[D.T]):
            assert torch.equal(a, b) and torch.equal(ah, bh), name
    # an explicit full schedule is the same sampler too
    D = cold.degradation_preset("mnist-blur")
    R = cold.UNet(channels=1, dim=8, dim_mults=(1, 2)).eval()
    x_t = D(torch.rand(2, 1, 16, 16) * 2 - 1, D.T)
    full = cold.sample(R, D, x_t, D.T, method)
    assert torch.equal(full, cold.sample(R, D, x_t, D.T, method, steps=list(range(D.T, 0, -1))))
    assert torch.equal(full, cold.sample(R, D, x_t, D.T, method, steps=torch.arange(D.T, -1, -1)))


# ---------------------------------------------------------------- Section 3.3 for any step size
@settings(max_examples=40, deadline=None)
@given(C=st.integers(1, 3), H=st.integers(2, 7), T=st.integers(1, 30), seed=st.integers(0, 10_000),
       data=st.data())
def test_strided_tacos_is_exact_for_linear_degradations(C, H, T, seed, data):
    g = torch.Generator().manual_seed(seed)
    x0 = torch.rand(2, C, H, H, generator=g, dtype=torch.float64) * 2 - 1
    e = torch.randn(1, C, H, H, generator=g, dtype=torch.float64)
    D = LinearDegradation(T, e)
    R, calls = counting(random_restoration(seed, C))
    if data.draw(st.booleans(), label="explicit"):  # any strictly decreasing schedule from T
        inner = data.draw(st.sets(st.integers(1, T - 1), max_size=T - 1) if T > 1 else st.just(set()))
        steps = [T] + sorted(inner, reverse=True)
        schedule = steps + [0]
    else:
        steps = data.draw(st.integers(1, T), label="K")
        schedule = strided_schedule(T, steps)
    seen = []
    out = cold.sample(R, D, D(x0, T), T, method="tacos", steps=steps,
                      callback=lambda s, x_s, x0_hat: seen.append((s, x_s.clone())))
    assert [s for s, _ in seen] == schedule[:-1]            # once per taken step
    assert [c[0] for c in calls] == schedule[:-1]           # R called K times, at s_K, ..., s_1
    for s, x_s in seen:                                     # x_{s_i} = D(x0, s_i), whatever R is
        assert torch.allclose(x_s, D(x0, s), atol=1e-10)
    assert torch.allclose(out, x0, atol=1e-10)
    # strided Algorithm 1 with the same R returns R(x_{s_1}, s_1), not x0
    naive = cold.sample(R, D, D(x0, T), T, method="naive", steps=steps)
    assert (naive - x0).abs().max() > 1e-3


def test_strided_algorithms_exact_with_perfect_restoration():
    """With R a perfect inverse both strided samplers pass through D(x0, s_i)."""
    D = cold.degradation_preset("cifar10-blur")
    x0 = torch.rand(2, 3, 16, 16, dtype=torch.float64) * 2 - 1
    for method in ["naive", "tacos"]:
        seen = []
        out = cold.sample(lambda x, s: x0, D, D(x0, 30), 30, method=method, steps=4,
                          callback=lambda s, x_s, xh: seen.append((s, x_s.clone())))
        assert [s for s, _ in seen] == [30, 23, 15, 8]  # 22.5 rounds up
        assert torch.allclose(out, x0, atol=1e-10)
        for s, x_s in seen:
            assert torch.allclose(x_s, D(x0, s), atol=1e-10)


# ---------------------------------------------------------------- strided DDIM (Appendix A.6 + strides)
def strided_ddim_reference(eps_model, alpha_bar, x_T, schedule):
    """Deterministic DDIM on a sub-sequence τ (Song et al. 2021, eq. 12 with σ = 0, Section 4.2):
    x_{τ_{i-1}} = √ᾱ_{τ_{i-1}}·(x_{τ_i} - √(1-ᾱ_{τ_i})·ε)/√ᾱ_{τ_i} + √(1-ᾱ_{τ_{i-1}})·ε,
    ε = ε_θ(x_{τ_i}, τ_i); ``schedule`` = [τ_K, ..., τ_1, 0]."""
    x = x_T
    for t, t_prev in zip(schedule[:-1], schedule[1:]):
        eps = eps_model(x, t)
        a_t, a_prev = alpha_bar[t], alpha_bar[t_prev]
        pred_x0 = (x - (1 - a_t).sqrt() * eps) / a_t.sqrt()
        x = a_prev.sqrt() * pred_x0 + (1 - a_prev).sqrt() * eps
    return x


@pytest.mark.parametrize("K", [1, 3, 5, 8])
def test_strided_tacos_with_estimated_noise_is_strided_ddim(K):
    T, D, ab, eps_model, R, x_T, _ = ddim_setup(K)
    # the schedule, computed here: evenly spaced integers T = τ_K > ... > τ_1 > 0
    tau = [int(np.floor(i * T / K + 0.5)) for i in range(K, -1, -1)]
    ref = strided_ddim_reference(eps_model, ab, x_T, tau)
    ours = cold.sample(R, D, x_T, T, method="tacos", state="estimate", steps=K)
    assert torch.allclose(ours, ref, atol=1e-8)
    assert torch.allclose(cold.sample(R, D, x_T, T, method="tacos", state="estimate", steps=tau),
                          ref, atol=1e-8)
    # an irregular hand-written schedule
    irregular = [25, 24, 13, 2, 1, 0]
    assert torch.allclose(cold.sample(R, D, x_T, T, "tacos", state="estimate", steps=irregular[:-1]),
                          strided_ddim_reference(eps_model, ab, x_T, irregular), atol=1e-8)
    # strides change the result (the test would be vacuous otherwise)
    full = strided_ddim_reference(eps_model, ab, x_T, list(range(T, -1, -1)))
    assert (ref - full).abs().max() > 1e-4


# ---------------------------------------------------------------- per-image t, callback, direct
def test_per_image_t_with_steps_matches_single_runs():
    D = cold.degradation_preset("mnist-inpaint")
    R = cold.UNet(channels=1, dim=8, dim_mults=(1, 2)).double().eval()
    x0 = torch.rand(4, 1, 16, 16, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 2 - 1
    state = D.sample_state(x0, generator=torch.Generator().manual_seed(1))
    t = torch.tensor([9, 0, 12, 2])
    x_t = D(x0, t, state)
    K = 4
    for method in ["naive", "tacos"]:
        Rc, calls = counting(R)
        seen = []
        batch = cold.sample(Rc, D, x_t, t, method=method, state=state, steps=K,
                            callback=lambda s, x, xh: seen.append(s))
        assert torch.equal(batch[1], x_t[1])  # t = 0: nothing to restore
        # one call per distinct step of the union of the schedules, each with its own images
        union = sorted({s for ti in [9, 12, 2] for s in strided_schedule(ti, min(K, ti))[:-1]},
                       reverse=True)
        assert seen == union and [c[0] for c in calls] == union
        for i in [0, 2, 3]:
            ti = int(t[i])
            single = cold.sample(R, D, x_t[i:i + 1], ti, method=method, steps=min(K, ti),
                                 state=cold.degradations.index_state(state, slice(i, i + 1)))
            assert torch.allclose(batch[i:i + 1], single, atol=1e-9), (method, i)


def test_callback_once_per_taken_step_and_direct_ignores_steps():
    D = cold.degradation_preset("mnist-blur")
    x_t = D(torch.rand(2, 1, 8, 8) * 2 - 1, D.T)
    R, calls = counting(lambda x, s: x * 0.5)
    seen = []
    cold.sample(R, D, x_t, D.T, "tacos", steps=3, callback=lambda s, x_s, xh: seen.append(s))
    assert seen == strided_schedule(D.T, 3)[:-1] and len(calls) == 3
    assert all(c == [s, s] for c, s in zip(calls, seen))
    direct = cold.sample(R, D, x_t, D.T, "direct")
    for steps in [3, [D.T, 1], 10_000]:
        assert torch.equal(cold.sample(R, D, x_t, D.T, "direct", steps=steps), direct)


def test_steps_types_are_equivalent():
    D = cold.degradation_preset("mnist-blur")
    x_t = D(torch.rand(2, 1, 8, 8) * 2 - 1, 12)
    R = lambda x, s: torch.tanh(x + 0.01 * s.view(-1, 1, 1, 1))
    ref = cold.sample(R, D, x_t, 12, steps=[12, 8, 4])
    for steps in [3, np.int64(3), torch.tensor(3), (12, 8, 4), [12, 8, 4, 0], torch.tensor([12, 8, 4]),
                  np.array([12, 8, 4, 0])]:
        assert torch.equal(cold.sample(R, D, x_t, 12, steps=steps), ref), steps
    # a uniform t given as a tensor is one t
    assert torch.equal(cold.sample(R, D, x_t, torch.tensor([12, 12]), steps=[12, 8, 4]), ref)


@pytest.mark.parametrize("steps, match", [
    (0, r"steps=0 is out of range 1\.\.t=12"),
    (-2, r"out of range 1\.\.t=12"),
    (13, r"steps=13 is out of range 1\.\.t=12"),
    (2.5, "steps must be"),
    (True, "steps must be"),
    ("4", "steps must be"),
    (torch.tensor([12.0, 6.0]), "integer tensor"),
    ([], "empty schedule"),
    ([0], "empty schedule"),
    ([10, 5], "must start at t=12"),
    ([12, 5, 7], "strictly decreasing"),
    ([12, 5, 5], "strictly decreasing"),
    ([12, 5, -1], "strictly decreasing"),
    ([12, 6.0], "must be integers"),
])
def test_steps_errors(steps, match):
    D = cold.degradation_preset("mnist-blur")
    x_t = torch.rand(2, 1, 8, 8)
    for method in ["naive", "tacos"]:
        with pytest.raises(ValueError, match=match):
            cold.sample(lambda x, s: x, D, x_t, 12, method, steps=steps)


def test_steps_errors_per_image_t():
    D = cold.degradation_preset("mnist-blur")
    x_t = torch.rand(3, 1, 8, 8)
    t = torch.tensor([12, 3, 0])
    with pytest.raises(ValueError, match=r"out of range 1\.\.max\(t\)=12"):
        cold.sample(lambda x, s: x, D, x_t, t, steps=13)
    with pytest.raises(ValueError, match="same t for every image"):
        cold.sample(lambda x, s: x, D, x_t, t, steps=[12, 6])
    with pytest.raises(ValueError, match=r"out of range 1\.\.t=0"):
        cold.sample(lambda x, s: x, D, x_t, 0, steps=1)
    assert torch.equal(cold.sample(lambda x, s: x, D, x_t, 0), x_t)  # t = 0 without steps: as given


@pytest.mark.parametrize("steps", [None, 4])
def test_side_by_side_equals_separate_runs(steps):
    """Algorithm 1 and TACoS run as one stacked batch (one R call per step for both, what the
    explorer's comparison does) give each sampler's own result; R is called once per step."""
    from cold import degradation_preset, sample, sample_side_by_side
    from cold.unet import UNet

    torch.manual_seed(0)
    D = degradation_preset("mnist-inpaint", T=10)  # random state (mask centres), shared by the methods
    net = UNet(dim=8, dim_mults=(1, 2), channels=1).eval()
    calls = []

    def R(x, s):
        calls.append(x.shape[0])
        return net(x, s)

    x0 = torch.rand(3, 1, 16, 16) * 2 - 1
    state = D.sample_state(x0, generator=torch.Generator().manual_seed(1))
    x_T = D(x0, D.T, state)
    both = sample_side_by_side(R, D, x_T, D.T, state=state, steps=steps)
    assert calls == [6] * (steps or D.T)
    for method in ("naive", "tacos"):
        alone = sample(net, D, x_T, D.T, method=method, state=state, steps=steps)
        torch.testing.assert_close(both[method], alone, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="among"):
        sample_side_by_side(R, D, x_T, D.T, methods=("direct",))
