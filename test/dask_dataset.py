#!/usr/bin/python3
# Makes an image folder for the Dask front-end test (test/dask_frontend.sh) from the embedded test scenes:
#     dask_dataset.py SCENES_DIR OUT_DIR COUNT [--bad-mask INDEX]
# COUNT images (scene i under variant i // 200: identity, flips, rotations, transpose, brightness), their masks
# transformed alike in OUT_DIR/masks, and OUT_DIR/labels.csv. --bad-mask gives image INDEX a mask of the wrong size
# (interp evaluate then fails on the batch holding it).
import csv
import os
import sys

import cv2
import numpy as np

VARIANTS = [
    lambda a: a,
    lambda a: cv2.flip(a, 1),
    lambda a: cv2.flip(a, 0),
    lambda a: cv2.rotate(a, cv2.ROTATE_180),
    lambda a: cv2.transpose(a),
    lambda a: cv2.rotate(a, cv2.ROTATE_90_CLOCKWISE),
]


def main():
    scenes, out, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    bad = int(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[4] == "--bad-mask" else -1
    with open(os.path.join(scenes, "labels.csv")) as f:
        rows = [r for r in csv.DictReader(f)]
    os.makedirs(os.path.join(out, "masks"), exist_ok=True)
    labels = []
    for i in range(count):
        row = rows[i % len(rows)]
        variant = (i // len(rows)) % len(VARIANTS)
        image = cv2.imread(os.path.join(scenes, row["file"]), cv2.IMREAD_COLOR)
        mask = cv2.imread(os.path.join(scenes, "masks", row["file"]), cv2.IMREAD_GRAYSCALE)
        assert image is not None and mask is not None, row["file"]
        image, mask = VARIANTS[variant](image), VARIANTS[variant](mask)
        if i // (len(rows) * len(VARIANTS)) % 2:  # a darker copy after every variant was used
            image = (image.astype(np.float32) * 0.8).astype(np.uint8)
        if i == bad:
            mask = cv2.resize(mask, (mask.shape[1] // 2, mask.shape[0] // 2), interpolation=cv2.INTER_NEAREST)
        name = "img_%05d.png" % i
        cv2.imwrite(os.path.join(out, name), image)
        cv2.imwrite(os.path.join(out, "masks", name), mask)
        labels.append((name, row["label"]))
    with open(os.path.join(out, "labels.csv"), "w") as f:
        f.write("file,label\n")
        for name, label in labels:
            f.write("%s,%s\n" % (name, label))


if __name__ == "__main__":
    main()
