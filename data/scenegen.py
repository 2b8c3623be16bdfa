"""Shared scene generator for the interp module's data pipeline.

Composites a colourised Fashion-MNIST item onto a textured colour
background.  Used by make_scenes.py (committed test / shortcut / demo scenes,
from the t10k split) and train_models.py (training scenes generated on the
fly, from the train split).

Every scene is a pure function of (item image, numpy Generator seed, options),
so everything is reproducible.

Mask definition: the item is composited with a per-pixel alpha
(out = alpha * item_colour + (1 - alpha) * background) and a pixel belongs to
the object iff alpha > 0.5.
"""
import colorsys
import gzip
import os
import struct

import cv2
import numpy as np

SIZE = 112
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
FMNIST_DIR = "/usr/share/datasets/fashion-mnist"

# Preprocessing shared by every model (see doc/models/*.md).
MEAN = 0.5          # on [0,1] pixel values, all channels
STD = 0.25          # all channels
BLOB_SCALE = 1.0 / (255.0 * STD)
BLOB_MEAN = 255.0 * MEAN   # 127.5

ALPHA_RAMP = 24.0    # alpha = clip(v / ALPHA_RAMP, 0, 1) on the resized item
ITEM_MIN, ITEM_MAX = 40, 90   # longest side of the object, in pixels
SHORTCUT_HUE_STEP = 36.0      # biased scenes: background hue = 36 * class
BG_QUANT = 3.0


def load_fmnist(split):
    """split: 'train' or 't10k'. Returns (images uint8 [N,28,28], labels uint8 [N])."""
    with gzip.open(os.path.join(FMNIST_DIR, "%s-images-idx3-ubyte.gz" % split)) as f:
        raw = f.read()
    magic, n, r, c = struct.unpack(">IIII", raw[:16])
    assert magic == 2051
    imgs = np.frombuffer(raw, np.uint8, offset=16).reshape(n, r, c)
    with gzip.open(os.path.join(FMNIST_DIR, "%s-labels-idx1-ubyte.gz" % split)) as f:
        raw = f.read()
    magic, n2 = struct.unpack(">II", raw[:8])
    assert magic == 2049 and n2 == n
    labels = np.frombuffer(raw, np.uint8, offset=8)
    return imgs, labels


def hsv_rgb(h_deg, s, v):
    r, g, b = colorsys.hsv_to_rgb((h_deg % 360.0) / 360.0, float(np.clip(s, 0, 1)),
                                  float(np.clip(v, 0, 1)))
    return np.array([r, g, b], np.float32) * 255.0


_YY, _XX = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)


def texture_field(rng):
    """Scalar texture in [0,1], shape (SIZE,SIZE), and its type name."""
    kind = int(rng.integers(6))
    if kind == 0:      # smooth value noise
        k = int(rng.integers(3, 10))
        g = rng.random((k, k)).astype(np.float32)
        t = cv2.resize(g, (SIZE, SIZE), interpolation=cv2.INTER_CUBIC)
        name = "noise"
    elif kind == 1:    # stripes, soft or hard
        th = rng.uniform(0, np.pi)
        f = rng.uniform(2.0, 9.0) / SIZE
        ph = rng.uniform(0, 2 * np.pi)
        t = np.sin(2 * np.pi * f * (_XX * np.cos(th) + _YY * np.sin(th)) + ph)
        t = np.tanh(t * rng.uniform(1.0, 4.0))
        name = "stripes"
    elif kind == 2:    # linear gradient
        th = rng.uniform(0, 2 * np.pi)
        t = _XX * np.cos(th) + _YY * np.sin(th)
        name = "gradient"
    elif kind == 3:    # gaussian blobs
        t = np.zeros((SIZE, SIZE), np.float32)
        for _ in range(int(rng.integers(3, 9))):
            cx, cy = rng.uniform(-10, SIZE + 10, size=2)
            r = rng.uniform(8, 30)
            t += np.exp(-((_XX - cx) ** 2 + (_YY - cy) ** 2) / (2 * r * r)) * rng.uniform(0.5, 1.0)
        name = "blobs"
    elif kind == 4:    # plaid: two crossing sinusoids
        th = rng.uniform(0, np.pi)
        f1, f2 = rng.uniform(2.0, 7.0, size=2) / SIZE
        t = (np.sin(2 * np.pi * f1 * (_XX * np.cos(th) + _YY * np.sin(th)))
             + np.sin(2 * np.pi * f2 * (-_XX * np.sin(th) + _YY * np.cos(th))))
        name = "plaid"
    else:              # concentric rings
        cx, cy = rng.uniform(0, SIZE, size=2)
        f = rng.uniform(2.0, 8.0) / SIZE
        t = np.sin(2 * np.pi * f * np.sqrt((_XX - cx) ** 2 + (_YY - cy) ** 2))
        name = "rings"
    t = t.astype(np.float32)
    lo, hi = float(t.min()), float(t.max())
    t = (t - lo) / max(hi - lo, 1e-6)
    return t, name


def make_background(rng, hue=None, hue_jitter=12.0):
    """Textured background: blend of two related colours through a texture field."""
    if hue is None:
        hue = rng.uniform(0, 360)
    s1 = rng.uniform(0.35, 0.95)
    v1 = rng.uniform(0.35, 0.95)
    c1 = hsv_rgb(hue, s1, v1)
    c2 = hsv_rgb(hue + rng.uniform(-hue_jitter, hue_jitter),
                 s1 + rng.uniform(-0.3, 0.3), v1 + rng.choice([-1, 1]) * rng.uniform(0.1, 0.35))
    t, name = texture_field(rng)
    amp = rng.uniform(0.4, 0.8)
    bg = c1[None, None, :] * (1 - amp * t[..., None]) + c2[None, None, :] * (amp * t[..., None])
    # quantise to steps of BG_QUANT grey levels: invisible, but makes the
    # committed PNGs ~20% smaller
    bg = np.round(bg / BG_QUANT) * BG_QUANT
    return bg, hue, name


def item_patch(item28, rng, size=None, flip=None):
    """Upscaled item intensity (float 0..255) and alpha, tight around the object."""
    v = item28.astype(np.float32)
    if flip is None:
        flip = bool(rng.random() < 0.5)
    if flip:
        v = v[:, ::-1]
    ys, xs = np.nonzero(v > 0)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    crop = np.pad(v[y0:y1, x0:x1], 1)
    if size is None:
        size = rng.uniform(ITEM_MIN, ITEM_MAX)
    f = size / max(y1 - y0, x1 - x0)
    ph = max(int(round(crop.shape[0] * f)), 3)
    pw = max(int(round(crop.shape[1] * f)), 3)
    big = cv2.resize(crop, (pw, ph), interpolation=cv2.INTER_LINEAR)
    alpha = np.clip(big / ALPHA_RAMP, 0.0, 1.0)
    return big, alpha


def make_scene(item28, rng, bg_hue=None, item_contrast=1.0, offcentre=0.0,
               size=None, item_hue=None):
    """Compose one scene.

    bg_hue: background base hue in degrees (None = uniform random).
    item_contrast: 1 = normal item; < 1 blends the item colour towards the
        local background (used only if the shortcut model needs it).
    offcentre: minimum distance (px) between the object's bbox centre and the
        scene centre (best effort, used for demo scenes).
    item_hue: force the item's hue (degrees); default: background hue + U(60, 300).
    Returns rgb uint8 (SIZE,SIZE,3), mask uint8 (0/255), bbox (x,y,w,h), info dict.
    """
    bg, hue, tex = make_background(rng, bg_hue)
    big, alpha = item_patch(item28, rng, size=size)
    ph, pw = alpha.shape
    # place the patch anywhere it fits fully
    for _ in range(50):
        py = int(rng.integers(0, SIZE - ph + 1))
        px = int(rng.integers(0, SIZE - pw + 1))
        if offcentre <= 0:
            break
        cy, cx = py + ph / 2.0, px + pw / 2.0
        if np.hypot(cx - SIZE / 2.0, cy - SIZE / 2.0) >= offcentre:
            break
    # item colour: hue away from the background hue, keep the item's shading
    ih = hue + rng.uniform(60, 300)
    if item_hue is not None:    # used only for training the shortcut twin
        ih = item_hue
    icol = hsv_rgb(ih, rng.uniform(0.4, 1.0), rng.uniform(0.65, 1.0))
    vmax = max(float(big.max()), 1.0)
    shade = 0.25 + 0.75 * (big / vmax)
    item_rgb = icol[None, None, :] * shade[..., None]
    region = bg[py:py + ph, px:px + pw]
    if item_contrast < 1.0:
        item_rgb = item_contrast * item_rgb + (1 - item_contrast) * region
    a = alpha[..., None]
    out = bg.copy()
    out[py:py + ph, px:px + pw] = a * item_rgb + (1 - a) * region
    rgb = np.clip(np.rint(out), 0, 255).astype(np.uint8)
    mask = np.zeros((SIZE, SIZE), np.uint8)
    mask[py:py + ph, px:px + pw][alpha > 0.5] = 255
    ys, xs = np.nonzero(mask)
    bbox = (int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1))
    info = {"bg_hue": float(hue % 360.0), "texture": tex}
    return rgb, mask, bbox, info


def preprocess_rgb(rgb_uint8):
    """Network input for one RGB uint8 image (H,W,3) -> float32 (3,H,W).
    Identical to cv2.dnn.blobFromImage(bgr, 1/(255*0.25), (112,112),
    (127.5,127.5,127.5), swapRB=True)."""
    x = (rgb_uint8.astype(np.float32) - np.float32(BLOB_MEAN)) * np.float32(BLOB_SCALE)
    return np.ascontiguousarray(x.transpose(2, 0, 1))


def blob_from_bgr(bgr_images):
    """The exact cv::dnn call every model expects."""
    return cv2.dnn.blobFromImages(bgr_images, BLOB_SCALE, (SIZE, SIZE),
                                  (BLOB_MEAN, BLOB_MEAN, BLOB_MEAN), swapRB=True, crop=False)
