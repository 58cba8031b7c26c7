#!/usr/bin/env bash
# benchmarks/gpu.sh -- everything a lent CUDA machine should tell us, in one run of < 10 minutes.
#
#   bash benchmarks/gpu.sh            # from the repository root, on a machine with an NVIDIA GPU
#
# 1. the CUDA tests (tests marked `cuda`, and every test whose name mentions cuda);
# 2. training steps/s of the paper presets (mnist-blur, cifar10-blur) on the GPU, fp32 and bf16 autocast,
#    next to the cpu presets (benchmarks/train.py: the bare training step on a fixed batch);
# 3. the time to sample 1000 images (TACoS, all T steps and strided) and to evaluate 1000 images
#    (cold evaluate: FID/KID/SSIM/RMSE with the Inception network) on the GPU.
# Each part has its own time limit, so one slow part cannot eat the others' time.  Python comes
# from $PYTHON, else .venv/bin/python, else python3 (with torch, and `pip install -e .[test]`).
# The evaluation needs the datasets ($COLD_DATA_DIR, default ../shared/data); without them part 3
# is skipped with a note.
set -uo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-}"
[ -z "$PY" ] && { [ -x .venv/bin/python ] && PY=.venv/bin/python || PY=python3; }
export COLD_DATA_DIR="${COLD_DATA_DIR:-../shared/data}"
OUT="${OUT:-$(mktemp -d)}"
start=$(date +%s)
say() { printf '\n== %s (t = %ss)\n' "$*" "$(( $(date +%s) - start ))"; }

say "machine"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "nvidia-smi not found"
"$PY" - <<'PY' || { echo "no usable torch in $PY"; exit 1; }
import torch, platform
print(f"python {platform.python_version()}, torch {torch.__version__}, cuda available: {torch.cuda.is_available()}")
if torch.cuda.is_available():
    print("device:", torch.cuda.get_device_name(0))
PY

say "1. CUDA tests"
timeout 180 "$PY" -m pytest -q -p no:cacheprovider -m cuda tests 2>&1 | tail -5
timeout 120 "$PY" -m pytest -q -p no:cacheprovider -k "cuda and not browser" -m "not cuda" tests 2>&1 | tail -3

say "2. training steps/s (bare step, batch of the preset)"
timeout 150 "$PY" benchmarks/train.py --presets mnist-blur,cifar10-blur --steps 30 \
    --warmup 5 --layouts contiguous --precisions no,bf16 2>&1 | tail -20

say "3. sampling and evaluating 1000 images on cuda"
if [ -d "$COLD_DATA_DIR" ]; then
  timeout 120 "$PY" benchmarks/sampling.py --device cuda --n 1000 --models mnist-blur-generation \
      --steps all,20,10 2>&1 | tail -8
  /usr/bin/time -f "cold evaluate mnist-blur --n 1000: %e s wall" timeout 150 "$PY" -m cold.cli evaluate mnist-blur \
      --n 1000 --device cuda --no-progress --out "$OUT/evaluate-mnist-blur" 2>&1 | tail -4
else
  echo "no datasets at $COLD_DATA_DIR: skipped (set COLD_DATA_DIR)"
fi
say "done"
