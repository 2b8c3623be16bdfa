#!/bin/bash
# Command-line checks of `interp saliency` (issue 4 methods) and `interp visualize` (issue 7), run by CTest:
# output shapes of --raw / --raw-grad per method, the files of --all-classes and --channels, and that bad input
# exits non-zero with a message and writes no file.
#     bash test/cli_saliency_visualize.sh BUILD/bin/interp
source "$(dirname "$0")/cli_common.sh"
# The shape in an .npy header, e.g. "(1, 3, 112, 112)".
npyShape() { head -c 128 "$1" | LC_ALL=C tr -d '\0' | LC_ALL=C sed -n "s/.*'shape': \(([0-9, ]*)\).*/\1/p"; }
expectShape() {
    local got
    got="$(npyShape "$1")"
    [ "$got" = "$2" ] || fail "$1: shape '$got', expected '$2'"
}
M=(--model resnet_fmnist)

# --raw: Grad-CAM at the layer's resolution (resnet_fmnist's default layer is 14 x 14), every other method at the input's
for m in gradient input-x-gradient guided deconvnet gradcam guided-gradcam smoothgrad ig; do
    "$BIN" saliency "${M[@]}" --method "$m" --samples 2 --steps 2 --raw "$TMP/r_$m.npy" --raw-grad "$TMP/g_$m.npy" \
        --out "$TMP/o_$m.png" --overlay "$TMP/v_$m.png" > "$TMP/log" 2>&1 || { fail "$m exited non-zero"; cat "$TMP/log"; }
    [ -s "$TMP/o_$m.png" ] && [ -s "$TMP/v_$m.png" ] || fail "$m: --out or --overlay missing"
    if [ "$m" = gradcam ]; then
        expectShape "$TMP/r_$m.npy" "(14, 14)"
        expectShape "$TMP/g_$m.npy" "(1, 1, 112, 112)"
    else
        expectShape "$TMP/r_$m.npy" "(112, 112)"
        expectShape "$TMP/g_$m.npy" "(1, 3, 112, 112)"
    fi
done
# a named layer; two images give N x H x W
"$BIN" saliency "${M[@]}" --method gradcam --layer layer1_relu2 --raw "$TMP/l.npy" > /dev/null 2>&1 || fail "gradcam --layer"
expectShape "$TMP/l.npy" "(28, 28)"
D="$(dirname "$0")/../data/demo"
"$BIN" saliency "${M[@]}" --image "$D/scene_000.png" "$D/scene_001.png" --method ig --steps 2 --raw "$TMP/two.npy" \
    > /dev/null 2>&1 || fail "ig on two images"
expectShape "$TMP/two.npy" "(2, 112, 112)"

# OPENCV_INTERP_USE_ONEDNN=0 runs the convolutions on cv::dnn's layers: the run says so, and the gradient is the
# oneDNN run's to float rounding
if "$BIN" saliency "${M[@]}" --bench 1 | grep -q "convolutions=oneDNN"; then
    OPENCV_INTERP_USE_ONEDNN=0 "$BIN" saliency "${M[@]}" --method gradient --raw-grad "$TMP/g_cvdnn.npy" --bench 1 \
        > "$TMP/log" 2>&1 || fail "OPENCV_INTERP_USE_ONEDNN=0 exited non-zero"
    grep -q "convolutions=cv::dnn" "$TMP/log" || fail "OPENCV_INTERP_USE_ONEDNN=0: $(grep bench "$TMP/log")"
    /usr/bin/python3 -c "
import sys, numpy as np
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
err = np.abs(a - b).max() / np.abs(b).max()
assert err < 1e-4, 'relative difference %g' % err" "$TMP/g_cvdnn.npy" "$TMP/g_gradient.npy" ||
        fail "oneDNN and cv::dnn gradients differ"
fi

# bad input: non-zero exit, a message naming the problem, no output file
bad() {
    local what="$1" word="$2"
    shift 2
    if "$@" > "$TMP/log" 2>&1; then fail "$what: exit code 0"; fi
    grep -q -- "$word" "$TMP/log" || { fail "$what: message without '$word'"; cat "$TMP/log"; }
    [ ! -e "$TMP/bad.png" ] && [ ! -e "$TMP/bad.npy" ] || fail "$what: wrote an output file"
}
bad "unknown method" "smoothgrad" "$BIN" saliency "${M[@]}" --method gradcam++ --out "$TMP/bad.png"
bad "unknown layer" "unknown layer" "$BIN" saliency "${M[@]}" --method gradcam --layer nosuch --raw "$TMP/bad.npy"
bad "unknown baseline" "baseline" "$BIN" saliency "${M[@]}" --method ig --baseline foo --out "$TMP/bad.png"
bad "zero samples" "at least 1" "$BIN" saliency "${M[@]}" --method smoothgrad --samples 0 --out "$TMP/bad.png"
bad "channel out of range" "out of range" "$BIN" visualize "${M[@]}" --neuron layer2_add:400 --out "$TMP/bad.png"
bad "position outside" "outside" "$BIN" visualize "${M[@]}" --neuron layer2_add:4:70:7 --out "$TMP/bad.png"
bad "unknown layer (visualize)" "unknown layer" "$BIN" visualize "${M[@]}" --neuron nosuch:1 --out "$TMP/bad.png"
bad "no objective" "exactly one" "$BIN" visualize "${M[@]}" --out "$TMP/bad.png"

# visualize: one image, every class + contact sheet, channels of two layers (no file name clash)
"$BIN" visualize "${M[@]}" --class 9 --iterations 2 --l2 0.001 --blur-every 1 --blur-sigma 0.5 --jitter 1 --tv 0.001 \
    --init noise --seed 1 --out "$TMP/one.png" > /dev/null 2>&1 || fail "visualize --class"
[ -s "$TMP/one.png" ] || fail "visualize --class wrote no image"
"$BIN" visualize "${M[@]}" --all-classes --iterations 1 --fourier --out "$TMP/classes" > /dev/null 2>&1 ||
    fail "visualize --all-classes"
n="$(ls "$TMP/classes"/class_*.png 2> /dev/null | wc -l)"
[ "$n" = 10 ] && [ -s "$TMP/classes/contact_sheet.png" ] || fail "--all-classes: $n class images"
"$BIN" visualize "${M[@]}" --channels layer1_relu2:0,1 layer3_relu2:0,1 --iterations 1 --out "$TMP/ch" > /dev/null 2>&1 ||
    fail "visualize --channels"
n="$(ls "$TMP/ch"/*_channel_*.png 2> /dev/null | wc -l)"
[ "$n" = 4 ] || fail "--channels: $n channel images, expected 4"

# A start without gradient is reported, not returned silently as a result.
"$BIN" visualize --model alexnet_fmnist --class 3 --init zeros --iterations 3 --out "$TMP/flat.png" > "$TMP/out" 2> "$TMP/err" ||
    fail "visualize --init zeros exited non-zero"
grep -q "warning: the ascent did not move sample 0" "$TMP/err" || fail "no warning for a stalled synthesis: $(cat "$TMP/err")"

# Every error goes to stderr; a negative class is an error; defaults print as written.
"$BIN" frobnicate > "$TMP/out" 2> "$TMP/err" && fail "an unknown command exits 0"
[ -s "$TMP/out" ] && fail "an unknown command printed to stdout: $(cat "$TMP/out")"
grep -q "unknown command 'frobnicate'" "$TMP/err" || fail "unknown command: no message on stderr"
bad "negative class (saliency)" "class must be >= 0" "$BIN" saliency --class -1 --out "$TMP/bad.png"
bad "negative class (visualize)" "class must be >= 0" "$BIN" visualize --class -2 --out "$TMP/bad.png"
bad "negative class (occlusion)" "class must be >= 0" "$BIN" occlusion --class -1 --out "$TMP/bad.png"
"$BIN" saliency --help | grep -q -- "--noise arg (=0.15)" || fail "--noise shows its default otherwise than 0.15"
for c in $("$BIN" --help | sed -n 's/^  \([a-z-]*\) .*/\1/p'); do
    "$BIN" "$c" --help > "$TMP/help" 2>&1 || fail "interp $c --help exits non-zero"
    grep -E "\(=[-0-9.e]*[0-9]{7,}\)" "$TMP/help" && fail "interp $c --help shows a default with spurious digits"
done

[ "$fails" = 0 ] && echo "all CLI checks passed"
exit "$fails"
