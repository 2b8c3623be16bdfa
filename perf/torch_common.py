"""Timing helper shared by the PyTorch sides of the benchmarks (torch_engine.py, torch_attribution.py,
torch_synthesis.py). Imported from the scripts' own directory, as make_models is."""
import time

import numpy as np


def median_ms(fn, repeat):
    """Median wall-clock milliseconds of `repeat` calls of fn(), after one warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(times))
