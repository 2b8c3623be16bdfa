#!/usr/bin/python3
"""PyTorch side of perf_synthesis: the same feature-visualisation loops written with PyTorch autograd, CPU,
same thread count (default 2), batch 1, class score 0 (pre-softmax):

  forward_backward  one forward + backward of the class score w.r.t. the input (the engine baseline)
  step_pixels       Adam (lr 0.05) on the pixels, random translation of up to 4 pixels (zero fill), clamp
  step_strong       Adam on 1/f-scaled Fourier coefficients (torch.fft.irfft2), colour decorrelation (Lucid's
                    matrix), sigmoid, random jitter +-4 px, scale +-5 % and rotation +-5 degrees (one affine
                    grid_sample, bilinear, zero fill), as SynthesisParams::strong()

Networks: those of make_models.py (224x224) and the embedded models' architectures from data/train_models.py
(112x112; random weights: the timing does not depend on them).

    /usr/bin/python3 perf/torch_synthesis.py [--threads 2] [--repeat 20] [--networks alexnet ... embedded:resnet_fmnist]

Prints one line per measurement: `torch <what>/<net> median_ms=<x>`.
"""
import argparse
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

from make_models import NETWORKS, build
from torch_common import median_ms

HERE = os.path.dirname(os.path.abspath(__file__))
EMBEDDED = {"embedded:alexnet_fmnist": "alexnet", "embedded:resnet_fmnist": "resnet"}

# Square root of ImageNet's colour correlation (Lucid), normalised by its largest column norm.
COLOR = np.array([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]], np.float32)
COLOR /= np.max(np.linalg.norm(COLOR, axis=0))


def load(name):
    if name in EMBEDDED:
        sys.path.insert(0, os.path.join(HERE, "..", "data"))
        import train_models  # noqa: E402  (the embedded models' architectures)
        torch.manual_seed(0)
        return train_models.build(EMBEDDED[name]).eval(), 112
    return build(name), 224


def blob_of_unit(s):
    """Pixels in 0..1 -> the input blob of the C++ benchmark ((p - 127.5) / 64)."""
    return (255.0 * s - 127.5) / 64.0


def random_affine(rng, size, jitter, scale, degrees):
    """The per-step transformation as an affine_grid theta (normalised coordinates)."""
    s = 1.0 + rng.uniform(-scale, scale) if scale > 0 else 1.0
    a = math.radians(rng.uniform(-degrees, degrees)) if degrees > 0 else 0.0
    tx = rng.integers(-jitter, jitter + 1) * 2.0 / size
    ty = rng.integers(-jitter, jitter + 1) * 2.0 / size
    return torch.tensor([[[s * math.cos(a), -s * math.sin(a), tx], [s * math.sin(a), s * math.cos(a), ty]]],
                        dtype=torch.float32)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--networks", nargs="*", default=list(NETWORKS) + list(EMBEDDED))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(2024)
    for name in args.networks:
        model, size = load(name)
        for p in model.parameters():
            p.requires_grad_(False)  # input gradients only, as the engine computes
        x0 = torch.from_numpy(rng.standard_normal((1, 3, size, size)).astype(np.float32))
        lo, hi = blob_of_unit(0.0), blob_of_unit(1.0)

        def forward_backward():
            x = x0.clone().requires_grad_(True)
            model(x)[0, 0].backward()

        x = x0.clone().clamp_(lo, hi).requires_grad_(True)
        opt_pixels = torch.optim.Adam([x], lr=0.05)
        jitter = 4

        def step_pixels():
            dx, dy = (int(v) for v in rng.integers(-jitter, jitter + 1, size=2))
            padded = F.pad(x, (jitter, jitter, jitter, jitter))
            shifted = padded[:, :, jitter + dy:jitter + dy + size, jitter + dx:jitter + dx + size]
            opt_pixels.zero_grad()
            (-model(shifted)[0, 0]).backward()
            opt_pixels.step()
            with torch.no_grad():
                x.clamp_(lo, hi)

        fy = np.fft.fftfreq(size)[:, None]
        fx = np.fft.rfftfreq(size)[None, :]
        freq = np.sqrt(fx * fx + fy * fy)
        scale = torch.from_numpy((0.25 * size / np.maximum(freq, 1.0 / size)).astype(np.float32))
        spectrum = (0.01 * torch.randn(1, 3, size, size // 2 + 1, 2)).requires_grad_(True)
        opt_strong = torch.optim.Adam([spectrum], lr=0.05)
        color = torch.from_numpy(COLOR)

        def step_strong():
            raw = torch.fft.irfft2(torch.view_as_complex(spectrum) * scale, s=(size, size))
            mixed = torch.einsum("kc,nchw->nkhw", color, raw)
            img = blob_of_unit(torch.sigmoid(mixed))
            theta = random_affine(rng, size, jitter, 0.05, 5.0)
            grid = F.affine_grid(theta, list(img.shape), align_corners=False)
            warped = F.grid_sample(img, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
            opt_strong.zero_grad()
            (-model(warped)[0, 0]).backward()
            opt_strong.step()

        for what, fn in (("forward_backward", forward_backward), ("step_pixels", step_pixels),
                         ("step_strong", step_strong)):
            print("torch %s/%s median_ms=%.3f" % (what, name, median_ms(fn, args.repeat)), flush=True)


if __name__ == "__main__":
    main()
