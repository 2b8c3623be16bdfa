#!/bin/bash
# Regenerates the gallery of doc/synthesis.md with the interp CLI: one image per class and channel visualisations
# at two depths, for both embedded classifiers, with the settings shown in the page.
#
#     bash doc/make_synthesis_figures.sh [BUILD_DIR]        # default BUILD_DIR: build
#
# Deterministic (seed 0); a few minutes on 2 cores.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${1:-$ROOT/build}"
BIN="$BUILD/bin/interp"
OUT="$ROOT/doc/images"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
[ -x "$BIN" ] || { echo "no $BIN: build first (cmake -S . -B build && cmake --build build -j2)" >&2; exit 1; }
mkdir -p "$OUT"
run() { echo "+ interp $*"; "$BIN" "$@"; }

# model, shallow layer, deep layer (channels 0..5 of each); MODELS="resnet_fmnist" makes one model's figures
for model in ${MODELS:-resnet_fmnist alexnet_fmnist}; do
    case "$model" in
        resnet_fmnist) shallow=layer1_relu2; deep=layer3_relu2; init=zeros ;;
        # a flat start image switches every early ReLU of alexnet_fmnist off (zero gradient): start from noise
        alexnet_fmnist) shallow=relu2; deep=conv5; init=noise ;;  # conv5: relu5 channels can be off everywhere
        *) echo "no layers chosen for $model" >&2; exit 1 ;;
    esac
    run visualize --model "$model" --all-classes --strong --iterations 256 --init "$init" --out "$TMP/$model-classes"
    cp "$TMP/$model-classes/contact_sheet.png" "$OUT/synthesis_classes_$model.png"
    run visualize --model "$model" --channels "$shallow:0,1,2,3,4,5" "$deep:0,1,2,3,4,5" --strong --iterations 256 \
        --init "$init" --out "$TMP/$model-channels"
    cp "$TMP/$model-channels/contact_sheet.png" "$OUT/synthesis_channels_$model.png"
done
# Weak regularisers only (pixels, L2 + blur + jitter), for comparison with the strong setting
[ -n "${MODELS:-}" ] && exit 0
run visualize --model resnet_fmnist --all-classes --iterations 256 --lr 0.05 --l2 0.0001 --blur-every 4 \
    --blur-sigma 0.5 --jitter 2 --out "$TMP/weak"
cp "$TMP/weak/contact_sheet.png" "$OUT/synthesis_classes_resnet_fmnist_weak.png"
