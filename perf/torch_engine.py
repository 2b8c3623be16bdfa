#!/usr/bin/python3
"""PyTorch side of perf_engine: forward, input-gradient backward and forward+backward of class score 0 on
the networks of make_models.py, same input, same thread count (default 2), CPU.

    /usr/bin/python3 perf/torch_engine.py [--threads 2] [--repeat 20]

Prints one line per measurement: `torch <what>/<net> median_ms=<x>`.
"""
import argparse

import numpy as np
import torch

from make_models import NETWORKS, build
from torch_common import median_ms


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--networks", nargs="*", default=list(NETWORKS))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    x0 = torch.from_numpy(np.random.default_rng(2024).standard_normal((1, 3, 224, 224)).astype(np.float32))
    for name in args.networks:
        model = build(name)
        for p in model.parameters():
            p.requires_grad_(False)  # input gradients only, as the engine computes

        def forward():
            with torch.no_grad():
                model(x0)

        def forward_backward():
            x = x0.clone().requires_grad_(True)
            model(x)[0, 0].backward()

        x = x0.clone().requires_grad_(True)
        out = model(x)[0, 0]

        def backward():
            x.grad = None
            out.backward(retain_graph=True)

        for what, fn in (("forward", forward), ("backward", backward), ("forward_backward", forward_backward)):
            print("torch %s/%s median_ms=%.3f" % (what, name, median_ms(fn, args.repeat)), flush=True)


if __name__ == "__main__":
    main()
