#!/bin/bash
# Regenerates the figures of doc/saliency.md, doc/gradcam.md and doc/smoothgrad-ig.md with the interp CLI, and
# prints the numbers their tables quote (pointing game, sanity check, IG completeness).
#
#     bash doc/make_attribution_figures.sh [BUILD_DIR]        # default BUILD_DIR: build
#
# Model: the embedded alexnet_fmnist (MODEL=resnet_fmnist to try another); images: the first three demo scenes.
# Deterministic (fixed seeds); takes about a minute on 2 cores.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${1:-$ROOT/build}"
BIN="$BUILD/bin/interp"
TESTS="$BUILD/bin/interp_tests"
MODEL="${MODEL:-alexnet_fmnist}"
OUT="$ROOT/doc/images"
DEMO=("$ROOT/data/demo/scene_000.png" "$ROOT/data/demo/scene_001.png" "$ROOT/data/demo/scene_002.png")
[ -x "$BIN" ] || { echo "no $BIN: build first (cmake -S . -B build && cmake --build build -j2)" >&2; exit 1; }
mkdir -p "$OUT"
run() { echo "+ interp $*"; "$BIN" "$@"; }

# saliency.md: the four one-pass methods as overlays, guided backprop as a gradient image
for m in gradient input-x-gradient guided deconvnet; do
    run saliency --model "$MODEL" --image "${DEMO[@]}" --method "$m" --overlay "$OUT/saliency_$m.png"
done
run saliency --model "$MODEL" --image "${DEMO[@]}" --method guided --gradient-image "$OUT/saliency_guided_gradient.png"
# gradcam.md: the default layer, an earlier layer, guided Grad-CAM
run saliency --model "$MODEL" --image "${DEMO[@]}" --method gradcam --overlay "$OUT/gradcam.png"
run saliency --model "$MODEL" --image "${DEMO[@]}" --method gradcam --layer relu2 --overlay "$OUT/gradcam_relu2.png"
run saliency --model "$MODEL" --image "${DEMO[@]}" --method guided-gradcam --gradient-image "$OUT/gradcam_guided.png"
# smoothgrad-ig.md
run saliency --model "$MODEL" --image "${DEMO[@]}" --method smoothgrad --samples 25 --seed 7 --clip 99 \
    --overlay "$OUT/smoothgrad.png"
run saliency --model "$MODEL" --image "${DEMO[@]}" --method ig --steps 64 --baseline zero --clip 99 \
    --overlay "$OUT/ig_zero.png"
run saliency --model "$MODEL" --image "${DEMO[@]}" --method ig --steps 64 --baseline blur --clip 99 \
    --overlay "$OUT/ig_blur.png"
# saliency.md, sanity check: one column per level (trained, then one more layer randomised from the top)
for m in gradient guided gradcam; do
    run saliency --model "$MODEL" --image "${DEMO[0]}" "${DEMO[1]}" --method "$m" --seed 1 \
        --sanity-check "$OUT/sanity_$m.png"
done

# The tables: pointing game on all 200 test scenes, IG completeness, sanity-check test
if [ -x "$TESTS" ]; then
    "$TESTS" --gtest_also_run_disabled_tests \
        --gtest_filter='*DISABLED_pointing_game_all_methods_all_scenes:*ig_completeness_at_64_steps:*cascading_randomization*' |
        grep -E '^\||IG completeness|cascading|OK|FAILED'
fi
