#!/bin/bash
# Regenerates every picture in doc/images from the current models and methods, so the guides show what the code
# does today. Rerun it after changing a model (data/train_models.py), a method or anything a command or the report
# draws, look at the result (git diff --stat doc/images; open the PNGs), and commit the pictures with the change.
#
#     bash doc/make_figures.sh [BUILD_DIR]        # default BUILD_DIR: build; about 5 minutes on 2 cores
#
# Parts: doc/make_attribution_figures.sh (saliency, Grad-CAM, SmoothGrad / IG, sanity check),
# doc/make_synthesis_figures.sh (class and channel visualisations), and below: activation grids and top patches
# (what-a-layer-sees.md), occlusion (occlusion.md), the report of the embedded model (report.md, segmentation.md,
# evaluation.md) and of a user-style ImageNet model (own-model.md; its models come from data/make_user_models.py).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${1:-$ROOT/build}"
BIN="$BUILD/bin/interp"
OUT="$ROOT/doc/images"
PY=/usr/bin/python3
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
[ -x "$BIN" ] || { echo "no $BIN: build first (cmake -S . -B build && cmake --build build -j2)" >&2; exit 1; }
CHROME="$(command -v chromium || command -v chromium-browser || true)"
[ -n "$CHROME" ] || { echo "no chromium (scripts/setup.sh installs it)" >&2; exit 1; }
run() { echo "+ interp $*"; "$BIN" "$@"; }
cd "$ROOT"

bash doc/make_attribution_figures.sh "$BUILD"
bash doc/make_synthesis_figures.sh "$BUILD"

# what-a-layer-sees.md
for n in channel global percentile:99.5; do
    run activations --image data/demo/scene_000.png --layer relu1 --normalize $n --columns 8 \
        --out "$OUT/activations_relu1_${n%%:*}.png"
done
find "$ROOT/data/scenes/test" -maxdepth 1 -name 'scene_*.png' | sort > "$TMP/scenes.txt"
run patches --images "$TMP/scenes.txt" --layer relu1 --layer relu2 --layer relu3 --top 6 --one-per-image \
    --json "$TMP/patches.json" > /dev/null
for l in relu1 relu2; do
    run patches-merge "$TMP/patches.json" --layer $l --channels 0-5 --out "$OUT/patches_$l.png" \
        --guided "$OUT/patches_${l}_guided.png" > /dev/null
done
run patches-merge "$TMP/patches.json" --layer relu3 --channels 0-5 --tile 64 --out "$OUT/patches_relu3.png" \
    --guided "$OUT/patches_relu3_guided.png" > /dev/null

# occlusion.md: six demo scenes above their occlusion overlays (window 16, stride 4, the image's mean colour)
for i in 0 1 2 3 4 5; do
    run occlusion --image data/demo/scene_00$i.png --window 16 --stride 4 --fill mean --overlay "$TMP/o$i.png" > /dev/null
done
"$PY" - "$TMP" "$OUT/occlusion.png" <<'PY'
import sys
import cv2, numpy as np
top = np.hstack([cv2.imread('data/demo/scene_%03d.png' % i) for i in range(6)])
bottom = np.hstack([cv2.imread('%s/o%d.png' % (sys.argv[1], i)) for i in range(6)])
cv2.imwrite(sys.argv[2], cv2.resize(np.vstack([top, bottom]), None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST))
PY

# The reports: screenshots of the page and some of its figures.
shoot() {  # shoot PAGE OUT.png HEIGHT
    timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
        --disable-background-networking --disable-sync --user-data-dir="$TMP/chromium" --hide-scrollbars \
        --window-size=1280,"$3" --screenshot="$2" "file://$1" > /dev/null 2>&1
}
run report --out "$TMP/report" > /dev/null
shoot "$TMP/report/index.html" "$OUT/report_top.png" 1300
cp "$TMP/report/img/segmentation.png" "$OUT/report_segmentation.png"
"$PY" - "$TMP/report/img" "$OUT/report_shortcut.png" <<'PY'
import sys
import cv2, numpy as np
a, b = (cv2.imread("%s/shortcut_%s.png" % (sys.argv[1], m)) for m in ("resnet_fmnist", "resnet_shortcut"))
gap = np.full((a.shape[0], 8, 3), 255, np.uint8)
cv2.imwrite(sys.argv[2], np.hstack([a, gap, b]))
PY
"$PY" data/make_user_models.py "$TMP/user" > /dev/null
(cd "$TMP/user" && run report --model resnet18.onnx --swap-rb --mean 123.675,116.28,103.53 --std 58.395,57.12,57.375 \
    --labels synset_words.txt --images "$ROOT/data/photos" --out "$TMP/user-report" > /dev/null)
shoot "$TMP/user-report/index.html" "$TMP/user.png" 1100
"$PY" - "$TMP/user.png" "$OUT/own_model_report.png" <<'PY'
import sys
import cv2
img = cv2.imread(sys.argv[1])
cv2.imwrite(sys.argv[2], cv2.resize(img, None, fx=0.75, fy=0.75, interpolation=cv2.INTER_AREA))
PY
echo "doc/images regenerated: look at them (git diff --stat doc/images) before committing"
