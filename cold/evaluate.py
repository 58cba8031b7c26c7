"""``cold evaluate``: the paper's quantitative tables for a trained model.

Restoration (Tables 1-4 and 6): N held-out test images x0 are degraded to x_T = D(x0, T), restored
with the direct reconstruction R(x_T, T) and with TACoS (the paper's "Sampled"), and the three
image sets Degraded, Sampled and Direct are scored against the same N test images with FID, KID,
SSIM and RMSE (:func:`evaluate_restoration`).

Generation (Table 5, Appendix A.7): N images are generated from the model's fitted prior with each
sampler (direct, Algorithm 1, TACoS) for each prior setting (``noise_std`` 0 = "perfect
symmetry", 0.002 = "broken symmetry"; for noise models "Fixed Noise" vs "Estimated Noise") and
scored against N test images with FID and KID (:func:`evaluate_generation`).

Conventions:

* The N test images are an evenly spaced subset of the split (indices ``floor(i * len / N)``),
  not its first N: CIFAR-10's test set is stored sorted by class.
* Images go from [-1, 1] to [0, 1] (clamped) before every metric; Inception features are taken
  once for the test images (cached by :func:`cold.metrics.reference_stats`, keyed by dataset,
  split, size, channels and N) and once per evaluated image set.
* Deterministic given ``seed``: the degradation state of test image i is drawn from a generator
  seeded by (seed, i), so it does not depend on N or the batch size; generation draws all N
  starting points x_T from one generator seeded by ``seed`` (the same x_T for every sampler).
* Every result carries the metadata needed to read it: N, split, seed, feature network,
  checkpoint, scale, training step, hardware, torch version and wall time.
* ``floor=True`` adds what perfect samples score at this N: N evenly spaced real images of the
  other split (train for test, test for train) against the same N images (``meta["floor"]``).
  FID at small N is far above 0 even for them (CIFAR-10, N = 200: about 124).
"""
from __future__ import annotations

import hashlib
import json
import math
import platform
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch
from tqdm.auto import tqdm

from . import metrics as M
from .build import images_at, needs_partners, test_dataset, test_indices
from .degradations.base import index_state, state_to
from .sampling import METHODS, sample
from .utils import atomic_write_text, hardware, jsonable, resolve_device

__all__ = ["FEATURE_NETWORK", "evaluate_restoration", "evaluate_generation", "test_images",
           "test_indices", "reference_key", "kid_subset_size", "format_markdown", "write_report"]

FEATURE_NETWORK = f"TF Inception-v3 (FID, pool3 2048-d), sha256 {M.FID_WEIGHTS_SHA256}"
KID_SUBSETS, KID_SUBSET_SIZE = 100, 1000
RESTORATION_ROWS = {"degraded": "Degraded", "tacos": "Sampled (TACoS)",
                    "naive": "Sampled (Algorithm 1)", "direct": "Direct"}
SAMPLER_NAMES = {"direct": "Direct", "naive": "Algorithm 1 (naive)", "tacos": "TACoS (Algorithm 2)"}
DEFAULT_NOISE_STDS = (0.0, 0.002)
FLOOR_SPLITS = {"test": "train", "train": "test"}  # the real images that give the floor
FeatureFn = Callable[[torch.Tensor], np.ndarray]


# ----------------------------------------------------------------------------- test images
def _prepare(m, methods, n, batch_size, device, split):
    """Checks and set-up shared by both evaluations: (methods, start time, device, x0, info)."""
    check_evaluable(m)
    methods, n = _check_methods(methods), _check_n(n, batch_size)
    start = time.perf_counter()
    dev = _device(m, device)
    x0, info = test_images(m, n, split)
    return methods, start, dev, x0, info


def _floor_images(m, floor: bool, info: dict):
    """The floor's real images of the other split, (x0, info), or None; loaded before sampling,
    so that a wrong or missing split fails at once rather than after minutes of sampling."""
    if not floor:
        return None
    if info["split"] not in FLOOR_SPLITS:
        raise ValueError(f"evaluate: floor=True needs split 'test' or 'train' (the floor's real images "
                         f"come from the other one); got split {info['split']!r}")
    return test_images(m, info["n"], FLOOR_SPLITS[info["split"]])


def reference_key(info: dict) -> dict:
    """The :func:`cold.metrics.reference_stats` cache key of an image set described by ``info``
    (from :func:`test_images`): dataset, split, size, channels and N."""
    return {k: info[k] for k in ("dataset", "split", "size", "channels", "n")}


def test_images(m, n: int, split: str = "test") -> tuple[torch.Tensor, dict]:
    """The N evaluation images (N, C, H, W) in [-1, 1] of model ``m`` (:func:`cold.build.test_images`,
    evenly spaced over the split) and a description of them for reports."""
    ds = test_dataset(m, split)
    idx = test_indices(len(ds), n)
    x0 = images_at(ds, idx)
    d = m.config["data"]
    dataset = d["dataset"]
    if dataset in ("folder", "celeba", "afhq") and d.get("folder"):
        digest = hashlib.sha1(str(Path(d["folder"]).expanduser().resolve()).encode()).hexdigest()[:10]
        dataset = f"{dataset}-{digest}"
    info = dict(dataset=dataset, split=split, size=int(d["image_size"]), channels=int(d["channels"]),
                n=len(idx), split_size=len(ds), subset="evenly spaced, index floor(i*len/N)")
    return x0, info


# ----------------------------------------------------------------------------- helpers
def _device(m, device) -> torch.device:
    dev = resolve_device(device)
    m.to(dev)
    return dev


def _image_generator(seed: int, i: int) -> torch.Generator:
    """A CPU generator for test image i, seeded from (seed, i) through numpy's SeedSequence."""
    s = int(np.random.SeedSequence([int(seed), int(i)]).generate_state(1, np.uint64)[0]) >> 1
    return torch.Generator().manual_seed(s)


def _cat_states(states: list):
    """Concatenate per-image states (None, tensors or dicts of tensors) along the batch."""
    first = states[0]
    if first is None:
        return None
    if isinstance(first, torch.Tensor):
        return torch.cat(states)
    if isinstance(first, dict):
        return {k: _cat_states([s[k] for s in states]) for k in first}
    raise TypeError(f"unsupported degradation state type {type(first).__name__}")


def _per_image_states(D, x0: torch.Tensor, seed: int):
    """One degradation state per image, image i's drawn from ``_image_generator(seed, i)``."""
    if not D.random:
        return None
    return _cat_states([D.sample_state(x0[i:i + 1], generator=_image_generator(seed, i))
                        for i in range(len(x0))])


def _run(fn: Callable, n: int, batch_size: int, desc: str, progress: bool) -> torch.Tensor:
    """``fn(slice)`` over batches of ``n`` images, concatenated on the CPU, with a progress bar."""
    out = []
    with tqdm(total=n, desc=desc, unit="img", disable=not progress, dynamic_ncols=True) as bar:
        for start in range(0, n, batch_size):
            sl = slice(start, min(start + batch_size, n))
            out.append(fn(sl).float().cpu())
            bar.update(sl.stop - sl.start)
    return torch.cat(out)


def kid_subset_size(n: int) -> int:
    """KID subset size for N images: min(1000, N // 2) (at least 2), so that the subsets differ
    and their standard deviation means something (subsets of all N would all be equal)."""
    return max(2, min(KID_SUBSET_SIZE, int(n) // 2))


class _Scorer:
    """Features of the test images once, then FID/KID (and SSIM/RMSE) of any image set."""

    def __init__(self, real01: torch.Tensor, info: dict, features: FeatureFn | None, device,
                 feature_batch_size: int, progress: bool, seed: int, cache_dir=None):
        self.real01, self.seed, self.seconds = real01, seed, 0.0
        t0 = time.perf_counter()
        if features is None:
            self.network = FEATURE_NETWORK
            self.features = lambda x: M.features(x, batch_size=feature_batch_size, device=device,
                                                 progress=progress)
            self._cached = lambda key, images: M.reference_stats(
                key, images, cache_dir=cache_dir, batch_size=feature_batch_size, device=device,
                progress=progress)
            self.reference = self._cached(reference_key(info), lambda: real01)
        else:
            self.network = getattr(features, "__name__", type(features).__name__) + " (custom features)"
            self.features = features
            self._cached = None
            self.reference = M.feature_stats(np.asarray(features(real01), np.float64))
        self.seconds += time.perf_counter() - t0

    def floor(self, x0: torch.Tensor, info: dict) -> dict:
        """The floor of FID/KID at this N: real images ``x0`` of the other split (perfect
        samples, from :func:`_floor_images`) against the N evaluation images (Inception: cached)."""
        images01 = M.to_unit_range(x0)
        out = dict(split=info["split"], n=info["n"])
        if self._cached is None:
            return dict(out, **self(images01, paired=False))
        t0 = time.perf_counter()
        f = self._cached(reference_key(info), lambda: images01).features
        self.seconds += time.perf_counter() - t0
        return dict(out, **self._scores(f, images01, paired=False))

    def __call__(self, images01: torch.Tensor, paired: bool) -> dict:
        t0 = time.perf_counter()
        f = np.asarray(self.features(images01), np.float64)
        self.seconds += time.perf_counter() - t0
        return self._scores(f, images01, paired)

    def _scores(self, f: np.ndarray, images01: torch.Tensor, paired: bool) -> dict:
        kid_mean, kid_std = M.kid_from_features(self.reference.features, f, KID_SUBSETS,
                                                kid_subset_size(len(f)), seed=self.seed)
        row = dict(fid=M.fid_from_features(self.reference, M.feature_stats(f)),
                   kid_mean=kid_mean, kid_std=kid_std)
        if paired:
            row.update(ssim=M.ssim(images01, self.real01), rmse=M.rmse(images01, self.real01))
        return row


def _metadata(m, kind: str, info: dict, seed: int, device, batch_size: int, network: str) -> dict:
    from .checkpoint import display_path

    cfg = m.config
    return dict(
        kind=kind, model=m.name, checkpoint=display_path(m.path), scale=cfg.get("scale"), step=m.step,
        weights="EMA" if m.ema else "online", degradation=cfg["degradation"]["preset"],
        T=int(m.degradation.T), N=info["n"], split=info["split"], dataset=info["dataset"],
        image_shape=list(m.image_shape), split_size=info["split_size"], test_subset=info["subset"],
        seed=int(seed), feature_network=network, kid=f"unbiased MMD², cubic polynomial kernel; mean ± std over "
        f"{KID_SUBSETS} random subsets of {kid_subset_size(info['n'])} = min({KID_SUBSET_SIZE}, N // 2) "
        f"images of each set", hardware=hardware(), device=str(device),
        batch_size=int(batch_size), torch=torch.__version__, python=platform.python_version(),
        date=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        trained_on=(m.meta or {}).get("hardware"))


def _check_n(n: int, batch_size: int) -> int:
    if int(n) < 2:
        raise ValueError(f"evaluate: N must be at least 2 (FID needs a covariance), got {n}")
    if int(batch_size) < 1:
        raise ValueError(f"evaluate: batch_size must be at least 1, got {batch_size}")
    return int(n)


def _check_methods(methods: Sequence[str]) -> tuple[str, ...]:
    bad = [x for x in methods if x not in METHODS]
    if bad or not methods:
        raise ValueError(f"evaluate: unknown sampler(s) {bad or methods}; choose from {', '.join(METHODS)}")
    return tuple(dict.fromkeys(methods))


def check_evaluable(m) -> None:
    """Raise ``ValueError`` for models ``cold evaluate`` cannot score (animorphosis)."""
    prior = (m.config.get("prior_fitted") or m.config.get("prior") or {}).get("kind")
    if prior == "partners" or needs_partners(m.config):
        raise ValueError("evaluate: animorphosis models are not supported (their x_T and states come "
                         "from a partner dataset, and the paper reports no metrics for them)")


# ----------------------------------------------------------------------------- restoration
def evaluate_restoration(m, n: int = 1000, split: str = "test", seed: int = 0, batch_size: int = 100,
                         device=None, methods: Sequence[str] = ("tacos", "direct"), progress: bool = True,
                         features: FeatureFn | None = None, feature_batch_size: int = 50,
                         cache_dir=None, keep_images: bool = False, steps: int | None = None,
                         floor: bool = False) -> dict:
    """Tables 1-4 and 6: Degraded, Sampled (TACoS) and Direct x FID, KID, SSIM, RMSE.

    Args:
        m: a loaded model (:func:`cold.load`).
        n: number of held-out images N (evenly spaced over ``split``; capped at its size).
        seed: seeds the per-image degradation states (random degradations only).
        batch_size: images per sampler batch (TACoS runs T network calls per batch).
        device: where the network and the samplers run (default CUDA if available).
        methods: samplers, rows in this order after "Degraded" (``"naive"`` adds Algorithm 1).
        features: optional callable images in [0, 1] (N, C, H, W) -> (N, D) features replacing
            the Inception network (tests); the reference cache is then not used.
        feature_batch_size: Inception batch size.
        cache_dir: reference-statistics cache (default :func:`cold.metrics.default_cache_dir`).
        keep_images: also return the [0, 1] image sets under ``"images"`` (not written to JSON).
        steps: strided sampling with K network calls (our extension, :func:`cold.sample`);
            ``None``: all T steps, as the paper.
        floor: also score N real images of the other split against the same N images, what
            perfect outputs would get at this N (``meta["floor"]``: split, n, fid, kid_mean,
            kid_std; ``None`` when not asked).

    Returns ``{"meta": {...}, "rows": [{"key", "name", "fid", "kid_mean", "kid_std", "ssim",
    "rmse"}, ...]}``.
    """
    methods, start, dev, x0, info = _prepare(m, methods, n, batch_size, device, split)
    floor_set = _floor_images(m, floor, info)
    n = info["n"]
    R, D = m.model, m.degradation
    states = _per_image_states(D, x0, seed)
    st = lambda sl: state_to(index_state(states, sl), dev)  # noqa: E731

    t0 = time.perf_counter()
    with torch.no_grad():
        x_T = _run(lambda sl: D(x0[sl].to(dev), D.T, st(sl)), n, batch_size, "degrade", False)
    sets = {"degraded": x_T}
    for meth in methods:
        sets[meth] = _run(lambda sl: sample(R, D, x_T[sl].to(dev), D.T, method=meth, state=st(sl),
                                            steps=steps),
                          n, batch_size, f"{meth} (T={D.T}{'' if steps is None else f', {steps} steps'})",
                          progress)
    sampling_s = time.perf_counter() - t0

    real01 = M.to_unit_range(x0)
    scorer = _Scorer(real01, info, features, dev, feature_batch_size, progress, seed, cache_dir)
    rows, images = [], {"real": real01}
    for key, x in sets.items():
        x01 = M.to_unit_range(x)
        images[key] = x01
        rows.append(dict(key=key, name=RESTORATION_ROWS[key], **scorer(x01, paired=True)))
    meta = _metadata(m, "restoration", info, seed, dev, batch_size, scorer.network)
    meta["floor"] = scorer.floor(*floor_set) if floor_set else None
    states = ("one per image, drawn from a generator seeded by (seed, i)" if D.random
              else "none (deterministic degradation)")
    meta.update(methods=list(methods), states=states, steps=steps if steps is not None else "all (T)",
                timings=dict(sampling_s=round(sampling_s, 2), features_s=round(scorer.seconds, 2)),
                wall_time_s=round(time.perf_counter() - start, 2))
    result = dict(meta=meta, rows=rows)
    if keep_images:
        result["images"] = images
    return result


# ----------------------------------------------------------------------------- generation
def _generation_settings(prior, noise_stds: Sequence[float]) -> list[dict]:
    if prior.kind == "gaussian_noise":  # Table 5, hot diffusion: the state z fixed or re-estimated
        return [dict(setting="Fixed Noise", fixed_noise=True, noise_std=None),
                dict(setting="Estimated Noise", fixed_noise=False, noise_std=None)]
    return [dict(setting=f"noise_std = {float(s):g}", fixed_noise=False, noise_std=float(s))
            for s in dict.fromkeys(noise_stds)]


def evaluate_generation(m, n: int = 1000, noise_stds: Sequence[float] = DEFAULT_NOISE_STDS,
                        methods: Sequence[str] = ("direct", "naive", "tacos"), seed: int = 0,
                        split: str = "test", batch_size: int = 100, device=None, progress: bool = True,
                        features: FeatureFn | None = None, feature_batch_size: int = 50,
                        cache_dir=None, keep_images: bool = False, steps: int | None = None,
                        floor: bool = False) -> dict:
    """Table 5 and Appendix A.7: FID and KID of N generated images against N test images.

    One row per (prior setting, sampler).  Prior settings are the ``noise_stds`` added to x_T
    (0 = "perfect symmetry", 0.002 = "broken symmetry"), or, for noise models (Gaussian prior),
    "Fixed Noise" (the sampled z is the state of every step) and "Estimated Noise" (the state
    is re-estimated at every step: DDIM).  All N starting points of a setting come from one
    generator seeded by ``seed`` and are shared by the samplers.  Other arguments (``steps``:
    strided sampling, ``floor``) as :func:`evaluate_restoration`.  Returns ``{"meta": {...}, "rows": [{"setting", "noise_std",
    "method", "name", "fid", "kid_mean", "kid_std"}, ...]}``.
    """
    if m.prior is None:
        raise ValueError(f"evaluate: {m.name} has no generation prior: it is a restoration model "
                         "(evaluate it with evaluate_restoration, or --task restoration)")
    methods, start, dev, x0, info = _prepare(m, methods, n, batch_size, device, split)
    floor_set = _floor_images(m, floor, info)
    n = info["n"]
    R, D = m.model, m.degradation
    scorer = _Scorer(M.to_unit_range(x0), info, features, dev, feature_batch_size, progress, seed,
                     cache_dir)
    rows, images, sampling_s = [], {}, 0.0
    for s in _generation_settings(m.prior, noise_stds):
        kw = dict(fixed_noise=s["fixed_noise"])
        if s["noise_std"] is not None:
            kw["noise_std"] = s["noise_std"]
        x_T, state = m.prior.start(D, n, m.image_shape, generator=torch.Generator().manual_seed(
            int(seed)), device="cpu", **kw)
        st = lambda sl: state if isinstance(state, str) else state_to(index_state(state, sl), dev)  # noqa: E731
        for meth in methods:
            t0 = time.perf_counter()
            x = _run(lambda sl: sample(R, D, x_T[sl].to(dev), D.T, method=meth, state=st(sl), steps=steps),
                     n, batch_size, f"{s['setting']}, {meth}", progress)
            sampling_s += time.perf_counter() - t0
            x01 = M.to_unit_range(x)
            images[(s["setting"], meth)] = x01
            rows.append(dict(setting=s["setting"], noise_std=s["noise_std"], method=meth,
                             name=SAMPLER_NAMES[meth], **scorer(x01, paired=False)))
    meta = _metadata(m, "generation", info, seed, dev, batch_size, scorer.network)
    meta["floor"] = scorer.floor(*floor_set) if floor_set else None
    meta.update(methods=list(methods), prior=m.prior.kind, steps=steps if steps is not None else "all (T)",
                states="all N x_T (and states) of a setting from one generator seeded by seed, "
                       "shared by the samplers",
                settings=[r["setting"] for r in rows[::len(methods)]],
                timings=dict(sampling_s=round(sampling_s, 2), features_s=round(scorer.seconds, 2)),
                wall_time_s=round(time.perf_counter() - start, 2))
    result = dict(meta=meta, rows=rows)
    if keep_images:
        result["images"] = images
    return result


# ----------------------------------------------------------------------------- reports
def _num(x: float | None, digits: int) -> str:
    return "—" if x is None or not math.isfinite(x) else f"{x:.{digits}f}"


def format_markdown(result: dict) -> str:
    """The result as markdown: a header of what was measured and a table in the paper's layout."""
    m, rows = result["meta"], result["rows"]
    gen = m["kind"] == "generation"
    title = "generation (Table 5, Appendix A.7)" if gen else "restoration (Tables 1-4, 6)"
    h, w = m["image_shape"][1:]
    lines = [
        f"# cold evaluate: {m['model']} — {title}", "",
        f"- **Checkpoint:** `{m['checkpoint']}` (scale {m['scale']}, training step {m['step']}, "
        f"{m['weights']} weights)",
        f"- **Degradation:** {m['degradation']}, T = {m['T']}" + (f"; prior {m['prior']}" if gen else "")
        + f"; states: {m['states']}",
        f"- **Data:** N = {m['N']} {m['dataset']} images of the {m['split']} split "
        f"({m['split_size']} in all; {m['test_subset']}), {m['image_shape'][0]}×{h}×{w}",
        f"- **Feature network:** {m['feature_network']}",
        f"- **KID:** {m['kid']}",
        f"- **Seed:** {m['seed']}; **hardware:** {m['hardware']} (ran on {m['device']}, batch "
        f"{m['batch_size']}); torch {m['torch']}; wall time {m['wall_time_s']:.1f} s "
        f"(sampling {m['timings']['sampling_s']:.1f} s, features {m['timings']['features_s']:.1f} s); "
        f"{m['date']}",
        "",
    ]
    if gen:
        lines += ["| Prior (x_T) | Sampler | FID | KID |", "|---|---|---:|---:|"]
        for r in rows:
            lines.append(f"| {r['setting']} | {r['name']} | {_num(r['fid'], 2)} | "
                         f"{_num(r['kid_mean'], 4)} ± {_num(r['kid_std'], 4)} |")
    else:
        lines += ["| | FID | KID | SSIM | RMSE |", "|---|---:|---:|---:|---:|"]
        for r in rows:
            lines.append(f"| {r['name']} | {_num(r['fid'], 2)} | {_num(r['kid_mean'], 4)} ± "
                         f"{_num(r['kid_std'], 4)} | {_num(r['ssim'], 3)} | {_num(r['rmse'], 3)} |")
    fl = m.get("floor")
    if fl:
        lines += ["", f"**Floor at this N:** {fl['n']} real images of the {fl['split']} split (evenly "
                      f"spaced; what perfect {'samples' if gen else 'outputs'} would score) get FID "
                      f"{_num(fl['fid'], 2)}, KID {_num(fl['kid_mean'], 4)} ± {_num(fl['kid_std'], 4)} "
                      f"against the same {m['N']} {m['split']} images."]
    lines += [
        "",
        "Images are compared in [0, 1] (model outputs clamped); FID and KID are against the same "
        f"N = {m['N']} {m['split']} images" + ("." if gen else "; SSIM (data range 1, 11×11 Gaussian "
                                                       "window) and RMSE (over all pixels) are paired "
                                                       "with them."),
        "",
        f"> **Note:** FID is strongly biased at small N (it falls as N grows, and two disjoint sets of a "
        f"few hundred real images already score far above 0{'' if fl else ': --floor measures that'}), "
        f"so compare FIDs only at equal N, and "
        f"with the paper's full-test-set numbers only loosely. KID is unbiased and given beside it.",
        "",
    ]
    return "\n".join(lines)


def write_report(result: dict, out_dir) -> tuple[Path, Path]:
    """Write ``evaluation.json`` (meta + rows) and ``evaluation.md`` into ``out_dir`` (atomically)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = jsonable({k: v for k, v in result.items() if k != "images"})
    js, md = out / "evaluation.json", out / "evaluation.md"
    atomic_write_text(js, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    atomic_write_text(md, format_markdown(result))
    return js, md
