#!/usr/bin/python3
"""Generate the committed scene sets of the interp module (deterministic).

    /usr/bin/python3 data/make_scenes.py            # classes.txt, scenes/test, scenes/shortcut
    /usr/bin/python3 data/make_scenes.py --demo     # data/demo (needs data/models/*.onnx)

Scenes: a colourised Fashion-MNIST item (t10k split) composited onto a
textured colour background, 112x112 RGB, stored as PNG (BGR on disk as usual
for cv::imread).  Mask: 0/255 single-channel PNG, pixel is object iff the
compositing alpha > 0.5.  labels.csv: file,label,class_name,x,y,w,h (bbox of
the mask).
"""
import argparse
import csv
import os
import sys

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True   # keep data/ free of __pycache__
import scenegen as sg  # noqa: E402

SEED_SELECT = 1001     # which t10k items go where
SEED_TEST = 2002       # per-scene generator seeds: default_rng([SEED_X, i])
SEED_SHORTCUT = 3003
SEED_SHORTCUT_HUE = 3004
SEED_DEMO = 4004
N_TEST_PER_CLASS = 20
N_SHORTCUT_PER_CLASS = 10
SHORTCUT_JITTER = 6.0  # degrees of hue jitter around 36*class in biased scenes
PNG = [cv2.IMWRITE_PNG_COMPRESSION, 9]


def shortcut_hue(label, rng):
    return sg.SHORTCUT_HUE_STEP * label + rng.uniform(-SHORTCUT_JITTER, SHORTCUT_JITTER)


def split_items():
    """Deterministic disjoint t10k index sets: test, shortcut, demo candidates."""
    _, labels = sg.load_fmnist("t10k")
    rng = np.random.default_rng(SEED_SELECT)
    test, short, demo = [], [], []
    for c in range(10):
        idx = rng.permutation(np.nonzero(labels == c)[0])
        test += list(idx[:N_TEST_PER_CLASS])
        short += list(idx[N_TEST_PER_CLASS:N_TEST_PER_CLASS + N_SHORTCUT_PER_CLASS])
        demo += list(idx[N_TEST_PER_CLASS + N_SHORTCUT_PER_CLASS:])
    test = list(rng.permutation(test))
    short = list(rng.permutation(short))
    return test, short, demo


def write_set(outdir, scenes):
    """scenes: list of (rgb, mask, bbox, label)."""
    os.makedirs(os.path.join(outdir, "masks"), exist_ok=True)
    rows = []
    for i, (rgb, mask, bbox, label) in enumerate(scenes):
        name = "scene_%03d.png" % i
        cv2.imwrite(os.path.join(outdir, name), np.ascontiguousarray(rgb[..., ::-1]), PNG)
        cv2.imwrite(os.path.join(outdir, "masks", name), mask, PNG)
        # round-trip check: PNG is lossless, mask strictly 0/255
        back = cv2.imread(os.path.join(outdir, name), cv2.IMREAD_COLOR)
        mback = cv2.imread(os.path.join(outdir, "masks", name), cv2.IMREAD_UNCHANGED)
        assert back.shape == (sg.SIZE, sg.SIZE, 3) and np.array_equal(back[..., ::-1], rgb)
        assert mback.ndim == 2 and np.array_equal(mback, mask)
        assert set(np.unique(mback)) <= {0, 255}
        rows.append([name, int(label), sg.CLASSES[label]] + list(bbox))
    with open(os.path.join(outdir, "labels.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["file", "label", "class_name", "x", "y", "w", "h"])
        w.writerows(rows)


def read_set(outdir):
    """Returns list of (rgb, mask, label, file) for a committed set."""
    out = []
    with open(os.path.join(outdir, "labels.csv")) as f:
        for r in csv.DictReader(f):
            bgr = cv2.imread(os.path.join(outdir, r["file"]), cv2.IMREAD_COLOR)
            m = cv2.imread(os.path.join(outdir, "masks", r["file"]), cv2.IMREAD_UNCHANGED)
            out.append((bgr[..., ::-1].copy(), m, int(r["label"]), r["file"]))
    return out


def make_test(items, labels, test_idx, outdir):
    scenes = []
    for i, k in enumerate(test_idx):
        rng = np.random.default_rng([SEED_TEST, i])
        rgb, mask, bbox, _ = sg.make_scene(items[k], rng)
        scenes.append((rgb, mask, bbox, int(labels[k])))
    write_set(outdir, scenes)


def make_shortcut(items, labels, short_idx, outdir):
    """Paired sets: scene i of biased/ and unbiased/ share item, pose, texture and
    item colour; only the background hue differs (class hue vs uniform random)."""
    biased, unbiased = [], []
    for i, k in enumerate(short_idx):
        lab = int(labels[k])
        hue_b = shortcut_hue(lab, np.random.default_rng([SEED_SHORTCUT_HUE, i]))
        hue_u = np.random.default_rng([SEED_SHORTCUT_HUE, i, 1]).uniform(0, 360)
        for hue, dst in ((hue_b, biased), (hue_u, unbiased)):
            rng = np.random.default_rng([SEED_SHORTCUT, i])
            rgb, mask, bbox, _ = sg.make_scene(items[k], rng, bg_hue=hue)
            dst.append((rgb, mask, bbox, lab))
    write_set(os.path.join(outdir, "biased"), biased)
    write_set(os.path.join(outdir, "unbiased"), unbiased)


def make_demo(items, labels, demo_idx, outdir, models_dir, min_prob=0.9, max_tries=40):
    """One scene per class (as many classes as succeed, max 10), object placed
    off-centre, kept only if both alexnet_fmnist and resnet_fmnist classify it
    correctly with probability >= min_prob (through cv2.dnn)."""
    nets = [cv2.dnn.readNetFromONNX(os.path.join(models_dir, n + ".onnx"))
            for n in ("alexnet_fmnist", "resnet_fmnist")]
    by_class = {c: [k for k in demo_idx if labels[k] == c] for c in range(10)}
    scenes, report = [], []
    for c in range(10):
        for t in range(min(max_tries, len(by_class[c]))):
            k = by_class[c][t]
            rng = np.random.default_rng([SEED_DEMO, c, t])
            # every scene off-centre except class 0's, which is unconstrained
            rgb, mask, bbox, _ = sg.make_scene(items[k], rng, offcentre=0.0 if c == 0 else 24.0,
                                               size=rng.uniform(48, 70))
            blob = sg.blob_from_bgr([rgb[..., ::-1]])
            probs = []
            for net in nets:
                net.setInput(blob)
                probs.append(net.forward().reshape(-1))
            if all(int(p.argmax()) == c and p[c] >= min_prob for p in probs):
                scenes.append((rgb, mask, bbox, c))
                report.append((c, int(k), t, [float(p[c]) for p in probs]))
                break
    assert len(scenes) >= 6, "too few confident demo scenes"
    write_set(outdir, scenes)
    for c, k, t, p in report:
        print("demo %-12s t10k#%d try %d  p(alexnet)=%.3f p(resnet)=%.3f" % (sg.CLASSES[c], k, t, p[0], p[1]))
    return report


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--demo", action="store_true", help="only (re)build data/demo from the trained models")
    args = ap.parse_args()
    items, labels = sg.load_fmnist("t10k")
    test_idx, short_idx, demo_idx = split_items()
    if args.demo:
        make_demo(items, labels, demo_idx, os.path.join(HERE, "demo"), os.path.join(HERE, "models"))
        return
    with open(os.path.join(HERE, "classes.txt"), "w") as f:
        f.write("\n".join(sg.CLASSES) + "\n")
    make_test(items, labels, test_idx, os.path.join(HERE, "scenes", "test"))
    make_shortcut(items, labels, short_idx, os.path.join(HERE, "scenes", "shortcut"))
    print("wrote classes.txt, scenes/test (%d), scenes/shortcut/{biased,unbiased} (%d each)"
          % (len(test_idx), len(short_idx)))


if __name__ == "__main__":
    main()
