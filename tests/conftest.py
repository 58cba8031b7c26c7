import os
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"

# Tests read local files only: point the data directory at ../shared/data unless set.
if "COLD_DATA_DIR" not in os.environ and SHARED_DATA.is_dir():
    os.environ["COLD_DATA_DIR"] = str(SHARED_DATA)
# An absolute path, so subprocesses with another working directory (papermill kernels run in
# notebooks/, the CLI in tmp dirs) find the same files as the README's relative ../shared/data.
if os.environ.get("COLD_DATA_DIR"):
    os.environ["COLD_DATA_DIR"] = str(Path(os.environ["COLD_DATA_DIR"]).resolve())

torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", 0)) or max(1, min(2, os.cpu_count() or 1)))

def require_data(*files: str) -> None:
    """Skip the calling test (or fixture) unless every dataset file is in ``$COLD_DATA_DIR``: a
    fresh clone without the offline data skips, with the reason, instead of erroring."""
    root = Path(os.environ.get("COLD_DATA_DIR") or SHARED_DATA)
    missing = [f for f in files if not (root / f).is_file()]
    if missing:
        pytest.skip(f"{', '.join(missing)} not in {root} (point COLD_DATA_DIR at the offline data)")


@pytest.fixture(scope="module")
def one_torch_thread():
    """One torch thread for a module's tests (as the explorer uses per request); restored after."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


CUDA = torch.cuda.is_available()
requires_cuda = pytest.mark.skipif(not CUDA, reason="needs a CUDA device")

DEVICES = ["cpu"] + (["cuda"] if CUDA else [])


def pytest_configure(config):
    config.addinivalue_line("markers", "inception: needs the FID Inception network weights")
    config.addinivalue_line("markers", "cuda: needs a CUDA device")
    config.addinivalue_line("markers", "slow: slower end-to-end test")



# ----------------------------------------------------------------------------- clean tree guard
# Tests write into tmp_path, never into the repository.  At session start the guard records
# ``git status --porcelain --untracked-files=all`` (and a hash of every file it lists, so that a
# test rewriting an already modified file is caught too); at session end any difference fails the
# run (exit status 1) and names the paths.  New *ignored* paths (other than caches) are reported
# as a warning only.  Skipped without git or outside a git checkout; COLD_TEST_TREE_GUARD=0 turns
# it off (e.g. while something else edits the tree during the run).
_CACHES = {"__pycache__", ".pytest_cache", ".hypothesis", ".ipynb_checkpoints"}


def _git(*args) -> str | None:
    import subprocess

    try:
        r = subprocess.run(["git", "-c", "core.quotepath=off", *args], cwd=ROOT, capture_output=True,
                           text=True, timeout=120,
                           env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"})  # status must not write the index
    except (OSError, subprocess.SubprocessError):
        return None
    return r.stdout if r.returncode == 0 else None


def _status(*args) -> dict[str, str] | None:
    """``git status --porcelain`` of ROOT as {path relative to the repository: status code}."""
    out = _git("status", "--porcelain", *args, "--", ".")
    if out is None:
        return None
    return {line[3:].split(" -> ")[-1].strip('"'): line[:2] for line in out.splitlines() if len(line) > 3}


def _tree_state() -> dict | None:
    import hashlib

    top = _git("rev-parse", "--show-toplevel")
    status = _status("--untracked-files=all")
    if top is None or status is None:
        return None
    files = {}
    for path, code in status.items():
        try:
            digest = hashlib.sha1((Path(top.strip()) / path).read_bytes()).hexdigest()
        except OSError:
            digest = None
        files[path] = (code, digest)
    ignored = {p for p, code in (_status("--ignored", "--untracked-files=normal") or {}).items()
               if code == "!!" and not _CACHES & set(Path(p).parts)}
    return {"files": files, "ignored": ignored}


def pytest_sessionstart(session):
    config = session.config
    config._cold_tree_problems = None
    config._cold_tree_before = None
    if (os.environ.get("COLD_TEST_TREE_GUARD", "1") != "0"
            and not hasattr(config, "workerinput")):  # pytest-xdist workers: the controller checks
        config._cold_tree_before = _tree_state()


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    before = getattr(config, "_cold_tree_before", None)
    after = _tree_state() if before is not None else None
    if after is None:
        return
    changed = []
    for path in sorted(set(before["files"]) | set(after["files"])):
        old, new = before["files"].get(path), after["files"].get(path)
        if old == new:
            continue
        if old is None:
            changed.append(f"{path}  (git status {new[0].strip()}: new since the session started)")
        elif new is None:
            changed.append(f"{path}  (was {old[0].strip()} before the session, now clean: restored or deleted)")
        elif old[0] != new[0]:
            changed.append(f"{path}  (git status {old[0].strip()} -> {new[0].strip()})")
        else:
            changed.append(f"{path}  ({new[0].strip()} before the session too, but its contents changed)")
    new_ignored = sorted(after["ignored"] - before["ignored"])
    config._cold_tree_problems = (changed, new_ignored)
    if changed:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    changed, new_ignored = getattr(config, "_cold_tree_problems", None) or ([], [])
    if changed:
        terminalreporter.section("TESTS CHANGED THE REPOSITORY", sep="!", red=True, bold=True)
        terminalreporter.line("These paths changed during the test session (tests must write into "
                              "tmp_path only); exit status set to 1:", red=True)
        for p in changed:
            terminalreporter.line(f"    {p}", red=True)
    if new_ignored:
        terminalreporter.section("tests wrote ignored files into the repository", sep="-", yellow=True)
        for p in new_ignored:
            terminalreporter.line(f"    {p}", yellow=True)
