#!/usr/bin/python3
"""PyTorch side of perf_occlusion: batched occlusion as Captum's Occlusion computes it (occluded copies of the input
evaluated in batches of `perturbations_per_eval`, the input times (1 - mask) plus the baseline times the mask,
softmax probabilities), on the networks of make_models.py with their input, window 16, stride 4 (2,809 positions),
fill 0, the same thread count as the C++ side (default 2), CPU, float32, torch.no_grad().

    /usr/bin/python3 perf/torch_occlusion.py [--threads 2] [--batch 16] [--subset 1] [--networks vgg11 ...]

Captum itself is not packaged in Debian; the loop below is its algorithm for this case
(captum.attr.Occlusion -> FeatureAblation._ith_input_ablation: masks of the sliding windows, one batch of
perturbed inputs per evaluation). Re-inference costs the same per position, so `--subset k` times every k-th row
and column of positions only. Prints one line per network:
`torch occlusion/<net> positions=<timed> ms_per_position=<x> s_all_positions=<x>`; `--save DIR` also writes the
probability grid of the predicted class (<net>_grid.npy) for comparison with cv::interp.
"""
import argparse
import os
import time

import numpy as np
import torch

from make_models import build

WINDOW, STRIDE, SIZE = 16, 4, 224


def occlusion(model, x, positions, batch):
    """Probabilities of every class for each occluded copy: [len(positions), classes]."""
    out = []
    with torch.no_grad():
        for b0 in range(0, len(positions), batch):
            chunk = positions[b0:b0 + batch]
            mask = torch.zeros(len(chunk), 1, SIZE, SIZE)
            for i, (y, xx) in enumerate(chunk):
                mask[i, :, y:y + WINDOW, xx:xx + WINDOW] = 1
            baseline = 0.0
            perturbed = x * (1 - mask) + baseline * mask
            out.append(torch.softmax(model(perturbed), dim=1))
    return torch.cat(out, 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=16, help="perturbations per evaluation (Captum's argument)")
    ap.add_argument("--subset", type=int, default=1, help="time every k-th row and column of positions")
    ap.add_argument("--networks", nargs="*", default=["vgg11", "resnet18", "squeezenet1_1", "alexnet"])
    ap.add_argument("--save", default="", help="directory for the probability grids (full runs only)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    x = torch.from_numpy(np.random.default_rng(2024).standard_normal((1, 3, SIZE, SIZE)).astype(np.float32))
    n = (SIZE - WINDOW) // STRIDE + 1
    step = STRIDE * args.subset
    positions = [(y, xx) for y in range(0, SIZE - WINDOW + 1, step) for xx in range(0, SIZE - WINDOW + 1, step)]
    for name in args.networks:
        model = build(name)
        with torch.no_grad():
            predicted = int(model(x).argmax())
        occlusion(model, x, positions[:args.batch], args.batch)  # warm-up
        t0 = time.perf_counter()
        probs = occlusion(model, x, positions, args.batch)
        seconds = time.perf_counter() - t0
        print("torch occlusion/%s positions=%d ms_per_position=%.3f s_all_positions=%.1f"
              % (name, len(positions), 1e3 * seconds / len(positions), seconds / len(positions) * n * n), flush=True)
        if args.save and args.subset == 1:
            os.makedirs(args.save, exist_ok=True)
            grid = probs[:, predicted].numpy().reshape(n, n)
            np.save(os.path.join(args.save, name + "_grid.npy"), grid.astype(np.float32))


if __name__ == "__main__":
    main()
