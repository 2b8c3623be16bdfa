#!/usr/bin/python3
"""Checks what a report shows, from the DOM headless Chromium dumped after loading the page and from its image files:
    report_content.py DOM.html REPORT_DIR
- every picture has content: its grey levels are not constant as written (data-std) and as the browser decoded and
  shows it (data-shown-std, measured by the page's script on a canvas);
- every synthesised class image is recognised as its class with p >= 0.9, by cv2.dnn reading the PNG file back
  (independently of interp), and the report says the same;
- saliency and occlusion maps are not uniform, each peaks on the object on at least half of the images with masks,
  and at least two thirds of the methods on most of them;
- activation grids have live channels, patch grids hold patches.
"""
import html.parser
import json
import os
import sys

import cv2
import numpy as np


class Images(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.images = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))


def main(dom, report):
    p = Images()
    p.feed(open(dom, encoding="utf-8").read())
    problems = []
    imgs = p.images
    if not imgs:
        sys.exit("no <img> in the page")
    for im in imgs:
        src = im.get("src")
        std, shown = im.get("data-std"), im.get("data-shown-std")
        if std is None or float(std) <= 1.0:
            problems.append("%s is constant as written (data-std %s)" % (src, std))
        if shown is None or shown == "unreadable":
            problems.append("%s: the browser did not measure it (data-shown-std %s)" % (src, shown))
        elif float(shown) <= 1.0 or abs(float(shown) - float(std)) > 0.1 * float(std) + 1.0:
            problems.append("%s: shown with grey-level std %s, written with %s" % (src, shown, std))
    kinds = {}
    for im in imgs:
        kinds.setdefault(im.get("data-kind", ""), []).append(im)

    # class images: what the page claims, and an independent classification of the PNG file
    model = json.load(open(os.path.join(os.path.dirname(__file__), "..", "data", "models", "resnet_fmnist.json")))
    net = cv2.dnn.readNet(os.path.join(os.path.dirname(__file__), "..", "data", "models", model["files"]["onnx"]))
    pre = model["preprocessing"]
    h, w = model["input_size"]
    classes = kinds.get("class-image", [])
    if len(classes) != 10:
        problems.append("%d class images, expected 10" % len(classes))
    for im in classes:
        k = int(im["data-class"])
        if int(im["data-predicted"]) != k or float(im["data-p"]) < 0.9 or im["data-stalled"] != "0":
            problems.append("class image %d: the page says predicted %s, p %s, stalled %s"
                            % (k, im["data-predicted"], im["data-p"], im["data-stalled"]))
        bgr = cv2.imread(os.path.join(report, im["src"]), cv2.IMREAD_COLOR)
        blob = cv2.dnn.blobFromImage(bgr, pre["scale"], (w, h), tuple(pre["mean"]), bool(pre["swap_rb"]), False)
        net.setInput(blob)
        out = net.forward().reshape(-1).astype(np.float64)
        prob = np.exp(out - out.max()) if abs(out.sum() - 1) > 1e-3 else out
        prob /= prob.sum()
        if int(prob.argmax()) != k or prob[k] < 0.9:
            problems.append("class image %d read back from %s: cv2.dnn says class %d, p(%d) = %.3f"
                            % (k, im["src"], int(prob.argmax()), k, prob[k]))

    # saliency and occlusion maps
    rows = kinds.get("saliency", []) + kinds.get("occlusion", [])
    if len(rows) < 9:
        problems.append("%d saliency / occlusion rows, expected one per method (9)" % len(rows))
    most = 0
    for im in rows:
        if im.get("data-flat-maps") != "0":
            problems.append("%s: %s maps are uniform" % (im["data-method"], im.get("data-flat-maps")))
        hits, n = (int(v) for v in im["data-peak-in-object"].split("/"))
        if 2 * hits < n:
            problems.append("%s: the maximum is on the object on %d of %d images" % (im["data-method"], hits, n))
        most += 2 * hits > n
    if 3 * most < 2 * len(rows):
        problems.append("only %d of %d methods peak on the object on most images" % (most, len(rows)))
    for im in kinds.get("activations", []):
        if int(im["data-live-channels"].split("/")[0]) == 0:
            problems.append("%s: every channel is dead" % im["data-layer"])
    for im in kinds.get("patches", []):
        if int(im["data-patches"]) == 0:
            problems.append("%s: no patches" % im["data-layer"])
    if not kinds.get("activations") or not kinds.get("patches"):
        problems.append("no activation or patch figures")
    for p_ in problems:
        print("content: " + p_)
    if problems:
        sys.exit(1)
    print("content ok: %d images, %d class images recognised, %d map rows, %d of them on the object on most images"
          % (len(imgs), len(classes), len(rows), most))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
