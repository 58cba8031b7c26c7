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

CUDA = torch.cuda.is_available()
requires_cuda = pytest.mark.skipif(not CUDA, reason="needs a CUDA device")

DEVICES = ["cpu"] + (["cuda"] if CUDA else [])


def pytest_configure(config):
    config.addinivalue_line("markers", "inception: needs the FID Inception network weights")
    config.addinivalue_line("markers", "cuda: needs a CUDA device")
    config.addinivalue_line("markers", "slow: slower end-to-end test")
