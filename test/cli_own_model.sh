#!/bin/bash
# A user's own ImageNet-style models, end to end through the command line (CTest):
#     bash test/cli_own_model.sh BUILD/bin/interp WORK_DIR
# data/make_user_models.py writes torchvision's ResNet-18 (ONNX, 224, RGB mean/std) and a BVLC-AlexNet-style Caffe
# deploy.prototxt (227, BGR mean) with random weights, ImageNet's class names, and PyTorch's predictions for the photos
# of data/photos. Checks: every label the CLI and the report print equals PyTorch's under the same preprocessing (and a
# wrong preprocessing changes them, so the check can fail); `interp describe` then `--model-info` gives the same page
# as the flags; no picture of the report is constant; each bad input gets its own clear, early error.
set -u
BIN="$1"
WORK="$2"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY=/usr/bin/python3
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$WORK"
mkdir -p "$WORK"
M="$WORK/models"
"$PY" "$ROOT/data/make_user_models.py" "$M" > "$WORK/make.log" 2>&1 || { cat "$WORK/make.log"; fail "make_user_models.py"; }
PHOTOS="$ROOT/data/photos"
TORCH=(--model "$M/resnet18.onnx" --swap-rb --mean 123.675,116.28,103.53 --std 58.395,57.12,57.375 --labels "$M/synset_words.txt")
CAFFE=(--model "$M/alexnet.caffemodel" --config "$M/alexnet_deploy.prototxt" --mean 104,117,123 --labels "$M/labels.txt")
IMAGES=()
for f in "$PHOTOS"/*.jpg; do IMAGES+=("$f"); done

# PyTorch's label of each photo: "stem<TAB>label" lines.
expected() {
    "$PY" - "$M/expected.json" "$1" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))[sys.argv[2]]
for stem in sorted(e):
    print("%s\t%s" % (stem, e[stem]["label"]))
PY
}
# What `interp saliency` names as the explained (predicted) class of each image, same form.
cli_labels() {
    "$BIN" saliency "$@" --image "${IMAGES[@]}" --method gradient 2> "$WORK/cli.err" |
        sed -n 's|^sample [0-9]* (.*/\([^/]*\)\.jpg): gradient of class [0-9]*[^[]* \[\(.*\)\], score.*|\1\t\2|p' | sort
}
# The captions of the report's photos: "<stem>: <label> (p = 0.87)".
report_labels() {
    grep -o '<figcaption>[a-z_]*: [^<]* (p = [0-9.]*)</figcaption>' "$1" | sed 's|<figcaption>\([a-z_]*\): \(.*\) (p = .*|\1\t\2|' | sort -u
}

for model in resnet18 alexnet; do
    if [ $model = resnet18 ]; then FLAGS=("${TORCH[@]}"); else FLAGS=("${CAFFE[@]}"); fi
    expected $model > "$WORK/$model.expected"
    [ "$(wc -l < "$WORK/$model.expected")" = 6 ] || fail "$model: expected.json has not 6 photos"
    cli_labels "${FLAGS[@]}" > "$WORK/$model.cli"
    diff "$WORK/$model.expected" "$WORK/$model.cli" > /dev/null ||
        { cat "$WORK/cli.err"; diff "$WORK/$model.expected" "$WORK/$model.cli"; fail "$model: the CLI's labels differ from PyTorch's"; }
done
# Negative controls: the channel order matters for these models, so a wrong --swap-rb changes labels.
cli_labels "${TORCH[@]:0:2}" --mean 123.675,116.28,103.53 --std 58.395,57.12,57.375 --labels "$M/synset_words.txt" > "$WORK/wrong.cli"
diff -q "$WORK/resnet18.expected" "$WORK/wrong.cli" > /dev/null && fail "resnet18 without --swap-rb still gives PyTorch's labels: the check cannot fail"
cli_labels "${CAFFE[@]}" --swap-rb > "$WORK/wrong.cli"
diff -q "$WORK/alexnet.expected" "$WORK/wrong.cli" > /dev/null && fail "alexnet with --swap-rb still gives PyTorch's labels: the check cannot fail"

# describe: the questions answered once, in a file every command reads.
"$BIN" describe "${TORCH[@]}" --out "$M/resnet18.info.json" > "$WORK/describe.log" 2>&1 || { cat "$WORK/describe.log"; fail "describe"; }
"$PY" - "$M/resnet18.info.json" <<'PY' || fail "describe: wrong description"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["input_size"] == [224, 224], d["input_size"]
p = d["preprocessing"]
assert p["swap_rb"] is True and p["mean"] == [123.675, 116.28, 103.53] and p["std"] == [58.395, 57.12, 57.375], p
assert len(d["classes"]) == 1000 and d["classes"][0] == "tench" and d["classes"][999] == "toilet tissue", d["classes"][:3]
assert d["layers"]["logits"] and d["layers"]["last_conv"], d["layers"]
assert d["files"]["model"] == "resnet18.onnx", d["files"]
PY
cli_labels --model-info "$M/resnet18.info.json" > "$WORK/info.cli"
diff "$WORK/resnet18.expected" "$WORK/info.cli" > /dev/null || fail "--model-info gives other labels than the flags"

# The reports: PyTorch's labels in the captions; for the Caffe model once with the flags and once with its description
# (`interp describe` then --model-info): the same page, timings aside.
SMALL=(--images "$PHOTOS" --methods gradient,gradcam,occlusion --synthesis-iterations 4 --synthesis-classes 2)
"$BIN" report "${TORCH[@]}" "${SMALL[@]}" --out "$WORK/flags" > "$WORK/report1.log" 2>&1 || { cat "$WORK/report1.log"; fail "report with flags"; }
report_labels "$WORK/flags/index.html" > "$WORK/report.labels"
diff "$WORK/resnet18.expected" "$WORK/report.labels" > /dev/null ||
    { diff "$WORK/resnet18.expected" "$WORK/report.labels"; fail "resnet18: the report's captions differ from PyTorch's labels"; }
grep -q "Not measured: the metrics" "$WORK/flags/index.html" || fail "without --eval-images the evaluation should say it needs masks"
grep -q "scenes/test" "$WORK/flags/index.html" && fail "the report of a user's model uses the embedded scenes"
"$BIN" report "${CAFFE[@]}" "${SMALL[@]}" --out "$WORK/caffe" > "$WORK/report3.log" 2>&1 || { cat "$WORK/report3.log"; fail "report of the Caffe model"; }
report_labels "$WORK/caffe/index.html" > "$WORK/report.labels"
diff "$WORK/alexnet.expected" "$WORK/report.labels" > /dev/null ||
    { diff "$WORK/alexnet.expected" "$WORK/report.labels"; fail "alexnet: the report's captions differ from PyTorch's labels"; }
"$BIN" describe "${CAFFE[@]}" --out "$M/alexnet.info.json" > "$WORK/describe2.log" 2>&1 || { cat "$WORK/describe2.log"; fail "describe (Caffe)"; }
"$BIN" report --model-info "$M/alexnet.info.json" "${SMALL[@]}" --out "$WORK/caffe-info" > "$WORK/report2.log" 2>&1 ||
    { cat "$WORK/report2.log"; fail "report with --model-info"; }
strip_times() { sed -E 's/[0-9]+\.[0-9]+ s\b/T s/g' "$1"; }
diff <(strip_times "$WORK/caffe/index.html") <(strip_times "$WORK/caffe-info/index.html") > "$WORK/page.diff" ||
    { head -20 "$WORK/page.diff"; fail "describe + --model-info gives another page than the flags"; }
# No picture is blank; the class images are of the predicted classes.
"$PY" - "$WORK/flags/img" "$WORK/caffe/img" <<'PY' || fail "a picture of the report is constant"
import glob, sys
import cv2
n = 0
for d in sys.argv[1:]:
    for f in sorted(glob.glob(d + "/*.png")):
        img = cv2.imread(f, cv2.IMREAD_UNCHANGED)
        assert img is not None and img.size > 0, f
        assert float(img.std()) > 1.0, "%s is constant (std %.3f)" % (f, img.std())
        n += 1
assert n >= 20, n
PY
[ "$(ls "$WORK"/flags/img/synthesis_class_*.png | wc -l)" = 2 ] || fail "expected 2 class images (--synthesis-classes 2)"
for f in "$WORK"/flags/img/synthesis_class_*.png; do
    k="$(basename "$f" .png | sed 's/synthesis_class_//')"
    "$PY" - "$M/expected.json" "$k" <<'PY' || fail "class image $k is not of a predicted class"
import json, sys
e = json.load(open(sys.argv[1]))["resnet18"]
assert int(sys.argv[2]) in [v["class"] for v in e.values()], sys.argv[2]
PY
done

# Bad input: a clear error, a non-zero exit, nothing written.
expect_error() {  # expect_error "what the message must say" interp-args...
    local want="$1"; shift
    rm -rf "$WORK/bad"
    "$BIN" "$@" > "$WORK/bad.out" 2> "$WORK/bad.err" && fail "no error for: $*"
    grep -q -- "$want" "$WORK/bad.err" || { cat "$WORK/bad.err"; fail "the error for '$*' does not say '$want'"; }
    [ -e "$WORK/bad" ] && fail "'$*' wrote output although it failed"
    return 0
}
expect_error "does not fix its input size" report --model "$M/resnet18_dynamic.onnx" --images "$PHOTOS" --out "$WORK/bad"
expect_error "\-\-size W,H" saliency --model "$M/resnet18_dynamic.onnx" --image "${IMAGES[0]}"
"$BIN" saliency --model "$M/resnet18_dynamic.onnx" --size 96,96 --image "${IMAGES[0]}" > /dev/null 2>&1 ||
    fail "a dynamic-size model with --size does not run"
expect_error "std of channel 1 is 0" report --model "$M/resnet18.onnx" --std 58,0,57 --images "$PHOTOS" --out "$WORK/bad"
head -n 999 "$M/labels.txt" > "$WORK/labels999.txt"
expect_error "999 class names" report --model "$M/resnet18.onnx" --labels "$WORK/labels999.txt" --images "$PHOTOS" --out "$WORK/bad"
mkdir -p "$WORK/no-images" && echo "not an image" > "$WORK/no-images/readme.txt"
expect_error "no images found" report "${TORCH[@]}" --images "$WORK/no-images" --out "$WORK/bad"
expect_error "no such folder" report "${TORCH[@]}" --images "$WORK/missing-folder" --out "$WORK/bad"
expect_error "mask directory" report "${TORCH[@]}" --images "$PHOTOS" --eval-images "$PHOTOS" --out "$WORK/bad"
expect_error "needs its network definition: give --config" report --model "$M/alexnet.caffemodel" --images "$PHOTOS" --out "$WORK/bad"
expect_error "cannot read the model file" describe --model "$WORK/missing.onnx"
cp "$WORK/labels999.txt" "$WORK/text.onnx"
expect_error "not a valid ONNX model" describe --model "$WORK/text.onnx"
expect_error "unrecognised option '--scale-display'" report "${TORCH[@]}" --scale-display 2 --out "$WORK/bad"
expect_error "\-\-class must be >= 0" saliency --class -1
echo "ok: ResNet-18 (ONNX) and AlexNet (Caffe): CLI and report labels equal PyTorch's for 6 photos; describe + --model-info gives the same page (Caffe) and labels (ONNX); errors are clear"
