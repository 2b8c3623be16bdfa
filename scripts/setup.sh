#!/bin/bash
# Installs what the build, the tests and the report need on Debian 12 (only the packages that are missing).
set -euo pipefail

# python3-torch, python3-torchvision, python3-onnx: the layer-coverage test (CTest interp_coverage) and the
# own-model test (interp_cli_own_model) generate their ONNX / Caffe models with them at test time
# (data/make_coverage.py, data/make_user_models.py). python3-distributed: interp-dask, the Dask front end
# (CTest interp_dask). libdnnl-dev: oneDNN, which computes the backward passes of convolutions.
PACKAGES=(build-essential cmake pkg-config libopencv-dev libboost-program-options-dev
          googletest libgtest-dev libbenchmark-dev libdnnl-dev chromium python3-opencv
          python3-torch python3-torchvision python3-onnx python3-distributed)

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
fi
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
