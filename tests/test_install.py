"""A non-editable install works anywhere: build a wheel of the checkout, install it into a
temporary directory and use it from a working directory outside the repository.  The shipped
models travel inside the wheel (``cold/models/<name>/``), so ``cold.load("mnist-blur")``,
``shipped_models()`` and the explorer's default model directory work without the source tree.

Everything happens in a temporary directory: the wheel is built from a copy of the checkout
(setuptools writes ``build/`` and ``*.egg-info`` next to the sources), installed with
``pip install --no-deps --no-index --target`` (no network; the running venv is untouched) and
imported through ``PYTHONPATH`` (the dependencies come from the running venv).
"""
import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = sorted(p.parent.name for p in (ROOT / "models").glob("*/config.json"))
# What a wheel needs when git cannot list the files of the checkout.
FALLBACK = ["pyproject.toml", "README.md", "MANIFEST.in", "setup.py", "setup.cfg", "cold", "explorer", "models"]

PIP_ENV = {"PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1", "PIP_NO_CACHE_DIR": "1"}


def _project_files() -> list[str] | None:
    """The files a clean clone would have: tracked plus untracked-but-not-ignored ones."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             cwd=ROOT, capture_output=True, check=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return [f for f in out.decode().split("\0") if f]


def _copy_checkout(dst: Path) -> None:
    files = _project_files()
    if files is None:
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist")
        for name in FALLBACK:
            src = ROOT / name
            if src.is_dir():
                shutil.copytree(src, dst / name, ignore=ignore)
            elif src.is_file():
                shutil.copy2(src, dst / name)
        return
    for rel in files:
        src = ROOT / rel
        if not src.is_file():  # deleted in the working tree, or a submodule
            continue
        (dst / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst / rel)


def _run(cmd, **kw) -> subprocess.CompletedProcess:
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)
    assert r.returncode == 0, f"{' '.join(map(str, cmd))} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"
    return r


CHECK = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    import torch
    import cold, explorer
    from cold.checkpoint import models_dir, shipped_models
    from explorer.core import Explorer
    from cold.data import BUNDLED, bundled_samples
    from cold.judges import CLASSIFIER_PATH, load_digit_classifier

    m = cold.load("mnist-blur")
    C, H, W = m.image_shape
    x = torch.zeros(2, C, H, W)
    with torch.no_grad():
        y = m.model(x, torch.full((2,), m.degradation.T, dtype=torch.long))
    print(json.dumps({
        "cold": cold.__file__, "explorer": explorer.__file__,
        "models_dir": str(models_dir()), "shipped": shipped_models(),
        "loaded_from": str(m.path), "out_shape": list(y.shape), "finite": bool(torch.isfinite(y).all()),
        "explorer_models": Explorer().model_names(), "explorer_dir": str(Explorer().model_dir),
        "bundled": {n: len(bundled_samples(n)) for n in BUNDLED},
        "classifier": str(CLASSIFIER_PATH), "classifier_out": list(load_digit_classifier()(torch.zeros(1, 1, 32, 32)).shape),
    }))
""")


def test_wheel_installs_with_shipped_models(tmp_path):
    src, dist, site, work = (tmp_path / d for d in ("src", "dist", "site", "work"))
    for d in (src, dist, work):
        d.mkdir()
    _copy_checkout(src)
    env = {**os.environ, **PIP_ENV}
    env.pop("PYTHONPATH", None)

    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
          "-w", str(dist), str(src)], cwd=work, env=env)
    wheels = list(dist.glob("cold-*.whl"))
    assert len(wheels) == 1, wheels

    # The wheel holds every package of the checkout and the shipped models.
    names = set(zipfile.ZipFile(wheels[0]).namelist())
    packages = sorted(str(p.parent.relative_to(src)) for top in ("cold", "explorer")
                      for p in (src / top).rglob("__init__.py"))
    missing = [p for p in packages if f"{p}/__init__.py" not in names]
    assert not missing, f"packages missing from the wheel (add them to pyproject.toml): {missing}"
    for name in EXPECTED:
        for f in ("config.json", "ema.safetensors", "README.md", "samples.png"):
            assert f"cold/models/{name}/{f}" in names, f"cold/models/{name}/{f} not in the wheel"
    assert not any(n.startswith("models/") for n in names), "models/ must not be a top-level package"

    _run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target", str(site),
          str(wheels[0])], cwd=work, env=env)

    env_run = {k: v for k, v in os.environ.items() if k != "COLD_MODEL_DIR"}
    env_run["PYTHONPATH"] = str(site)
    r = _run([sys.executable, "-c", CHECK], cwd=work, env=env_run)
    got = json.loads(r.stdout.strip().splitlines()[-1])

    installed = site.resolve()
    for key in ("cold", "explorer", "models_dir", "loaded_from", "explorer_dir"):
        path = Path(got[key]).resolve()
        assert path.is_relative_to(installed), f"{key}: {path} is not inside the install {installed}"
        assert not path.is_relative_to(ROOT), f"{key}: {path} is inside the checkout"
    assert Path(got["models_dir"]).resolve() == installed / "cold" / "models"
    assert Path(got["explorer_dir"]).resolve() == Path(got["models_dir"]).resolve()
    assert got["shipped"] == EXPECTED and got["explorer_models"] == EXPECTED
    assert got["out_shape"] == [2, 1, 28, 28] and got["finite"]
    # package assets: the bundled test images and the digit classifier come with the install
    assert got["bundled"] == {"mnist": 32, "fashion_mnist": 32, "cifar10": 32, "olivetti": 32}
    assert Path(got["classifier"]).resolve().is_relative_to(installed) and got["classifier_out"] == [1, 10]

    # $COLD_MODEL_DIR still wins over the installed copy.
    other = tmp_path / "other-models"
    shutil.copytree(site / "cold" / "models" / "mnist-blur", other / "mine")
    r = _run([sys.executable, "-c", "from cold.checkpoint import models_dir, shipped_models; "
              "print(models_dir(), shipped_models())"], cwd=work, env={**env_run, "COLD_MODEL_DIR": str(other)})
    assert r.stdout.strip() == f"{other} ['mine']"
