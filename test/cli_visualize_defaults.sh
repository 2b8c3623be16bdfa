#!/bin/bash
# `interp visualize --all-classes` with its defaults on both embedded models, run by CTest: every class image, read back
# from its PNG by plain cv2.dnn, is its class with p >= 0.9, and the default synthesis prints no warning. (Apart from
# cli_saliency_visualize.sh: these are two full syntheses, the longest CLI runs, slow under the sanitizers.)
#     bash test/cli_visualize_defaults.sh BUILD/bin/interp
source "$(dirname "$0")/cli_common.sh"

# (the default start is seeded noise: the flat start of alexnet_fmnist has no gradient)
for model in alexnet_fmnist resnet_fmnist; do
    "$BIN" visualize --model $model --all-classes --out "$TMP/default_$model" > "$TMP/log" 2>&1 ||
        { fail "$model: visualize --all-classes with defaults"; cat "$TMP/log"; }
    grep -q "warning" "$TMP/log" && fail "$model: the default synthesis warns: $(grep warning "$TMP/log")"
    /usr/bin/python3 - "$(dirname "$0")/../data/models/$model.json" "$TMP/default_$model" <<'PY' || fail "$model: a class image is not its class"
import glob, json, os, sys
import cv2, numpy as np
info = json.load(open(sys.argv[1])); pre = info["preprocessing"]; h, w = info["input_size"]
net = cv2.dnn.readNet(os.path.join(os.path.dirname(sys.argv[1]), info["files"]["onnx"]))
files = sorted(glob.glob(sys.argv[2] + "/class_*.png"))
assert len(files) == 10, files
for k, f in enumerate(files):
    img = cv2.imread(f, cv2.IMREAD_COLOR)
    assert img.std() > 10, "%s is nearly flat" % f
    net.setInput(cv2.dnn.blobFromImage(img, pre["scale"], (w, h), tuple(pre["mean"]), bool(pre["swap_rb"]), False))
    p = net.forward().reshape(-1)
    assert int(p.argmax()) == k and p[k] >= 0.9, "%s: class %d, p(%d) = %.3f" % (f, int(p.argmax()), k, p[k])
PY
done

[ "$fails" = 0 ] && echo "the default class images are their classes"
exit "$fails"
