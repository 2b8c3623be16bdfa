#!/bin/bash
# Layer coverage (issue 17), run by CTest as interp_coverage: generates one small ONNX model per operator variant
# and common CNN block with Debian's python3-torch (data/make_coverage.py, a few seconds), then checks with
# interp_tests (Interp_Coverage.*) that every model cv::dnn 4.6 runs correctly backpropagates and matches PyTorch.
# The models cv::dnn itself cannot run are printed by both steps.
#     bash test/coverage.sh BUILD/bin/interp_tests BUILD/coverage
# INTERP_PYTHON overrides the interpreter (default /usr/bin/python3, the one python3-torch installs into).
set -eu
TESTS="$1"
OUT="$2"
HERE="$(cd "$(dirname "$0")" && pwd)"
PYTHON="${INTERP_PYTHON:-/usr/bin/python3}"
if ! "$PYTHON" -c "import torch, torchvision, onnx, cv2" 2>/dev/null; then
    echo "coverage: $PYTHON cannot import torch, torchvision, onnx and cv2: run scripts/setup.sh" \
         "(python3-torch python3-torchvision python3-onnx python3-opencv)" >&2
    exit 1
fi
"$PYTHON" "$HERE/../data/make_coverage.py" --out "$OUT"
INTERP_COVERAGE_DIR="$OUT" "$TESTS" --gtest_filter='Interp_Coverage.*'
