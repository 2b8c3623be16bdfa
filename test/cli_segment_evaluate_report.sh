#!/bin/bash
# Command-line checks of `interp segment`, `interp evaluate` and the errors of `interp report`, run by CTest:
#     bash test/cli_segment_evaluate_report.sh BUILD/bin/interp
source "$(dirname "$0")/cli_common.sh"
D="$(dirname "$0")/../data"
M=(--model resnet_fmnist)

# segment: mask of the image's size, binary, IoU with the true mask printed
"$BIN" segment "${M[@]}" --image "$D/scenes/test/scene_000.png" --method gradcam --out "$TMP/mask.png" \
    --cutout "$TMP/cut.png" --seeds "$TMP/seeds.png" --truth "$D/scenes/test/masks/scene_000.png" > "$TMP/log" 2>&1 \
    || { fail "segment exited non-zero"; cat "$TMP/log"; }
grep -q "IoU with" "$TMP/log" || fail "segment: no IoU printed"
for f in mask cut seeds; do [ -s "$TMP/$f.png" ] || fail "segment: $f.png missing"; done
/usr/bin/python3 - "$TMP/mask.png" <<'PY' || fail "segment: mask is not a binary 112x112 image"
import sys, cv2, numpy as np
m = cv2.imread(sys.argv[1], cv2.IMREAD_UNCHANGED)
assert m.shape == (112, 112), m.shape
assert set(np.unique(m)) <= {0, 255}
assert 0 < (m > 0).mean() < 1
PY
# no image flag: the embedded default model and demo image
"$BIN" segment --out "$TMP/default.png" > "$TMP/log" 2>&1 || { fail "segment with defaults"; cat "$TMP/log"; }

# evaluate: table on stdout, CSV and Markdown files
"$BIN" evaluate "${M[@]}" --limit 4 --methods gradient,gradcam --metrics iou,pointing,mass --csv "$TMP/t.csv" \
    --markdown "$TMP/t.md" > "$TMP/log" 2>&1 || { fail "evaluate exited non-zero"; cat "$TMP/log"; }
grep -q "^gradcam " "$TMP/log" || fail "evaluate: no gradcam row"
[ "$(head -1 "$TMP/t.csv")" = "method,images,grabcut_iou,pointing_game,mass_in_mask,deletion_auc,insertion_auc,sanity_spearman,seconds" ] \
    || fail "evaluate: CSV header"
[ "$(wc -l < "$TMP/t.csv")" = 4 ] || fail "evaluate: CSV rows"
grep -q "^| gradient | 4 |" "$TMP/t.md" || fail "evaluate: Markdown row"

# the remaining flags: thresholds, explained label, tolerance, steps, batch; a small report without the optional sections
"$BIN" segment "${M[@]}" --image "$D/scenes/test/scene_001.png" --method gradient --fg 90 --probable-fg 60 --bg 40 \
    --smooth 0 --iterations 2 --out "$TMP/mask2.png" > "$TMP/log" 2>&1 || { fail "segment with thresholds"; cat "$TMP/log"; }
[ -s "$TMP/mask2.png" ] || fail "segment with thresholds: no mask"
"$BIN" evaluate "${M[@]}" --limit 3 --methods gradcam --metrics pointing,deletion --explain-labels --tolerance 2 \
    --steps 4 --batch 2 > "$TMP/log" 2>&1 || { fail "evaluate with options"; cat "$TMP/log"; }
grep -q "explaining the ground-truth label$" "$TMP/log" || fail "evaluate --explain-labels not reported"
# --explain-labels: the labels are the explained classes (resnet_fmnist calls scene_002, a 4, a 3); shards explaining
# the labels merge, a shard explaining the predictions does not merge with them
E=(evaluate "${M[@]}" --limit 3 --methods gradcam --metrics pointing --batch 2)
for run in "l0 --explain-labels --shard 0/2" "l1 --explain-labels --shard 1/2" "p1 --shard 1/2"; do
    set -- $run
    out="$1"
    shift
    "$BIN" "${E[@]}" "$@" --json "$TMP/$out.json" > "$TMP/log" 2>&1 || { fail "evaluate $*"; cat "$TMP/log"; }
done
"$BIN" evaluate-merge "$TMP/l0.json" "$TMP/l1.json" --json "$TMP/l.json" > "$TMP/log" 2>&1 \
    || { fail "evaluate-merge of --explain-labels shards"; cat "$TMP/log"; }
/usr/bin/python3 - "$TMP/l.json" <<'PY' || fail "evaluate --explain-labels: the labels are not the explained classes"
import json, sys
im = json.load(open(sys.argv[1]))["images"]
assert im["label"] == [1, 3, 4] and im["target"] == im["label"], im
assert im["prediction"][2] == 3, im
PY
if "$BIN" evaluate-merge "$TMP/l0.json" "$TMP/p1.json" > "$TMP/log" 2>&1; then
    fail "evaluate-merge accepted shards explaining the labels and the predictions"
fi
grep -q "settings" "$TMP/log" || { fail "evaluate-merge of other targets: no word of the settings"; cat "$TMP/log"; }
# an image without a label is explained by its predicted class, and the header says so
mkdir -p "$TMP/part/masks"
cp "$D/scenes/test/scene_000.png" "$D/scenes/test/scene_002.png" "$TMP/part/"
cp "$D/scenes/test/masks/scene_000.png" "$D/scenes/test/masks/scene_002.png" "$TMP/part/masks/"
printf 'file,label\nscene_000.png,1\n' > "$TMP/part/labels.csv"
"$BIN" evaluate "${M[@]}" --images "$TMP/part" --methods gradcam --metrics pointing --explain-labels \
    --json "$TMP/part.json" > "$TMP/log" 2>&1 || { fail "evaluate --explain-labels, one label"; cat "$TMP/log"; }
grep -q "explaining the ground-truth label (the predicted class of the 1 of 2 images without a label)" "$TMP/log" \
    || { fail "evaluate --explain-labels: unlabelled images not reported"; cat "$TMP/log"; }
/usr/bin/python3 - "$TMP/part.json" <<'PY' || fail "evaluate --explain-labels: an unlabelled image's target"
import json, sys
im = json.load(open(sys.argv[1]))["images"]
assert im["label"] == [1, -1] and im["target"] == [1, 3] and im["prediction"][1] == 3, im
PY
"$BIN" report "${M[@]}" --images "$D/demo" --eval-images "$D/scenes/test" --eval-masks "$D/scenes/test/masks" \
    --eval-count 3 --sanity-images 0 --patch-images "$D/demo" --layers layer1_relu2 --methods gradient,gradcam \
    --segmentation-method gradient --no-synthesis --no-shortcut --title "small report" --out "$TMP/rep" \
    > "$TMP/log" 2>&1 || { fail "report with options"; cat "$TMP/log"; }
grep -q "<title>small report</title>" "$TMP/rep/index.html" || fail "report --title"
! grep -q 'id="synthesis"\|id="shortcut"' "$TMP/rep/index.html" || fail "report --no-synthesis/--no-shortcut"
[ "$(grep -c 'img/input_' "$TMP/rep/index.html")" = 8 ] || fail "report --images: expected the 8 demo scenes, not their masks"
grep -q "img/saliency_gradcam.png" "$TMP/rep/index.html" && ! grep -q "img/saliency_ig.png" "$TMP/rep/index.html" \
    || fail "report --methods"
rm -rf "$TMP/rep"

# bad input: non-zero exit, a message naming the problem, no output written
bad() {
    local what="$1" word="$2"
    shift 2
    if "$@" > "$TMP/log" 2>&1; then fail "$what: exit code 0"; fi
    grep -q -- "$word" "$TMP/log" || { fail "$what: message without '$word'"; cat "$TMP/log"; }
    [ ! -e "$TMP/bad.png" ] && [ ! -e "$TMP/bad.csv" ] && [ ! -e "$TMP/badreport" ] || fail "$what: wrote output"
}
bad "segment, unknown method" "occlusion" "$BIN" segment "${M[@]}" --method sift --out "$TMP/bad.png"
bad "segment, no output" "nothing to do" "$BIN" segment "${M[@]}"
bad "segment, unreadable image" "nope.png" "$BIN" segment "${M[@]}" --image "$TMP/nope.png" --out "$TMP/bad.png"
bad "evaluate, no such folder" "does not exist" "$BIN" evaluate "${M[@]}" --images "$TMP/none" --csv "$TMP/bad.csv"
mkdir -p "$TMP/empty/masks"
bad "evaluate, empty folder" "no images found" "$BIN" evaluate "${M[@]}" --images "$TMP/empty" --csv "$TMP/bad.csv"
bad "evaluate, unknown metric" "unknown metric" "$BIN" evaluate "${M[@]}" --metrics speed --limit 1 --csv "$TMP/bad.csv"
bad "report, unknown model" "ghostnet" "$BIN" report --model ghostnet --out "$TMP/badreport"
bad "report, no --out" "out" "$BIN" report
bad "report, unknown layer" "no_such_layer" "$BIN" report "${M[@]}" --layers no_such_layer --out "$TMP/badreport"

[ $fails -eq 0 ] && echo "ok" || { echo "$fails failure(s)"; exit 1; }
