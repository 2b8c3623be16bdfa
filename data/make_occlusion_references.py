#!/usr/bin/python3
"""PyTorch reference grids for occlusion sensitivity (cv::interp::Occlusion).

For every reference model of data/reference (the small random-weight networks of
data/make_reference.py) this script rebuilds the PyTorch model with the same seeds,
checks that it reproduces the stored logits, and computes occlusion grids the way
Captum's Occlusion does: occluded copies of the input go through the model in batches.
Everything is computed in float64 and stored as float32 in data/occlusion/.

    /usr/bin/python3 data/make_occlusion_references.py            # rewrites data/occlusion (seconds)
    /usr/bin/python3 data/make_occlusion_references.py --out /tmp/occ --models alexnet,vgg

Cases (one per model unless noted), window positions y = 0, s, 2s, ... while y + k <= H:
  constant fill 0 (k = 7, s = 4; vgg k = 8); and on alexnet the per-channel image mean
  (k = 9, s = 5), on resnet a colour (0.5, -0.25, 1.0) (k = 5, s = 9: stride > window),
  on squeezenet a Gaussian-blurred copy (sigma 2, kernel 13, reflect-101 border like
  OpenCV's BORDER_DEFAULT; k = 11, s = 4).
The embedded trained models (data/models: alexnet_fmnist, resnet_fmnist) are rebuilt in
PyTorch from their ONNX files (every node mapped to the torch operation it names, weights
from the initializers), checked against the logits of the scenes listed under "logits_check"
in <model>.json, and occluded on the first of those scenes: alexnet_fmnist with constant fill 0 (the
mid grey of its preprocessing; k = 16, s = 12) and the image mean (k = 16, s = 16), resnet_fmnist
with constant fill 0 (k = 16, s = 12). Rerun after retraining a model (train_models.py).
Files: cases.json (index, readable by cv::FileStorage) and per case
<model>_<fill>_k<k>_s<s>_{logits,probs}.npy, float32 [N, classes, rows, cols]: the
pre-softmax class scores and their softmax with the square at (row*s, col*s).
Deterministic up to the last bit of float32 (which may differ between machines and PyTorch builds).
"""
import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True
import make_reference as mr  # noqa: E402  (model builders, seeds and calibration of data/reference)

DEFAULT_OUT = os.path.join(HERE, "occlusion")
REFERENCE = os.path.join(HERE, "reference")


def rebuild(name):
    """The PyTorch model of data/reference/<name>, exactly as make_reference.generate() builds it."""
    torch = mr.torch
    seed = mr.seed_of(name)
    torch.manual_seed(seed)
    spec = mr.BUILDERS[name]()
    net = spec["net"]
    mr.replace_relus(net)
    mr.no_inplace(net)
    model = mr.Head(net, spec.get("head")).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    hw = spec["hw"]
    gen = torch.Generator().manual_seed(seed + 1)
    x_cal = torch.randn(8, 3, hw, hw, generator=gen)
    mr.calibrate(net, x_cal, gen, spec.get("bn_gamma", (0.5, 1.5)), spec.get("logit_bias", 0.0))
    return model


def gaussian_blur(x, sigma, radius):
    """Separable Gaussian blur of N x C x H x W with reflect-101 borders (numpy 'reflect')."""
    t = np.arange(-radius, radius + 1, dtype=np.float64)
    g = np.exp(-t * t / (2 * sigma * sigma))
    g /= g.sum()
    p = np.pad(x, ((0, 0), (0, 0), (radius, radius), (radius, radius)), mode="reflect")
    H, W = x.shape[2], x.shape[3]
    rows = sum(g[i] * p[:, :, i:i + H, :] for i in range(2 * radius + 1))
    return sum(g[i] * rows[:, :, :, i:i + W] for i in range(2 * radius + 1))


def fill_image(x, fill):
    kind = fill["kind"]
    if kind == "constant":
        return np.full_like(x, fill["value"])
    if kind == "mean":
        return np.broadcast_to(x.mean(axis=(2, 3), keepdims=True), x.shape).copy()
    if kind == "color":
        return np.broadcast_to(np.asarray(fill["color"], np.float64).reshape(1, -1, 1, 1), x.shape).copy()
    if kind == "blur":
        return gaussian_blur(x, fill["sigma"], fill["radius"])
    raise ValueError(kind)


def occlusion_grid(model, x, fill_img, k, s, batch=64):
    """Captum-style occlusion: [N, classes, rows, cols] logits of the occluded copies."""
    torch = mr.torch
    N, C, H, W = x.shape
    ys = list(range(0, H - k + 1, s))
    xs = list(range(0, W - k + 1, s))
    copies = []
    for y in ys:
        for xx in xs:
            c = x.copy()
            c[:, :, y:y + k, xx:xx + k] = fill_img[:, :, y:y + k, xx:xx + k]
            copies.append(c)
    copies = np.concatenate(copies, 0)  # (P * N) x C x H x W, window-major
    outs = []
    with torch.no_grad():
        for i in range(0, len(copies), batch * N):
            outs.append(model.net(torch.from_numpy(copies[i:i + batch * N])).numpy())
    logits = np.concatenate(outs, 0).reshape(len(ys), len(xs), N, -1)
    return logits.transpose(2, 3, 0, 1)


def softmax(z, axis):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


EMBEDDED = {"alexnet_fmnist": [(16, 12, {"kind": "constant", "value": 0.0}), (16, 16, {"kind": "mean"})],
            "resnet_fmnist": [(16, 12, {"kind": "constant", "value": 0.0})]}
EMBEDDED_SAMPLES = 1
MODELS = os.path.join(HERE, "models")


def embedded_blob(info, images):
    """The blob of the scenes as the model's JSON says its inputs are made (cv::dnn::blobFromImage)."""
    import cv2
    p = info["preprocessing"]
    w, h = info["input_size"]
    bgr = [cv2.imread(os.path.join(HERE, f), cv2.IMREAD_COLOR) for f in images]
    return cv2.dnn.blobFromImages(bgr, p["scale"], (w, h), tuple(p["mean"]), p["swap_rb"], p.get("crop", False))


class OnnxInTorch:
    """A float64 PyTorch evaluation of an ONNX graph made of the operations of the embedded models
    (Conv, Relu, LRN, MaxPool, BatchNormalization, Add, GlobalAveragePool, Flatten, Gemm, Softmax).
    `net(x)` returns the pre-softmax class scores: the input of the final Softmax node."""

    def __init__(self, path):
        import onnx
        from onnx import numpy_helper
        torch = mr.torch
        m = onnx.load(path)
        self.inits = {t.name: torch.from_numpy(numpy_helper.to_array(t).astype(np.float64)) for t in m.graph.initializer}
        self.nodes = [(n.op_type, list(n.input), list(n.output),
                       {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}) for n in m.graph.node]
        self.input = [i.name for i in m.graph.input if i.name not in self.inits][0]
        softmax = [n for n in self.nodes if n[0] == "Softmax"]
        if len(softmax) != 1:
            raise SystemExit(f"{path}: expected one Softmax node, found {len(softmax)}")
        self.scores = softmax[0][1][0]

    def net(self, x):
        F = mr.torch.nn.functional
        v = dict(self.inits)
        v[self.input] = x
        for op, ins, outs, a in self.nodes:
            i = [v[n] for n in ins if n]
            if op == "Conv":
                p = a.get("pads", [0, 0, 0, 0])
                if p[0] != p[2] or p[1] != p[3]:
                    raise SystemExit("asymmetric Conv padding is not supported here")
                y = F.conv2d(i[0], i[1], i[2] if len(i) > 2 else None, a.get("strides", [1, 1]), p[:2],
                             a.get("dilations", [1, 1]), a.get("group", 1))
            elif op == "Relu":
                y = F.relu(i[0])
            elif op == "LRN":
                y = F.local_response_norm(i[0], a["size"], a.get("alpha", 1e-4), a.get("beta", 0.75), a.get("bias", 1.0))
            elif op == "MaxPool":
                p = a.get("pads", [0, 0, 0, 0])
                y = F.max_pool2d(i[0], a["kernel_shape"], a.get("strides", [1, 1]), p[:2], ceil_mode=bool(a.get("ceil_mode", 0)))
            elif op == "BatchNormalization":
                y = F.batch_norm(i[0], i[3], i[4], i[1], i[2], False, 0.0, a.get("epsilon", 1e-5))
            elif op == "Add":
                y = i[0] + i[1]
            elif op == "GlobalAveragePool":
                y = i[0].mean(dim=(2, 3), keepdim=True)
            elif op == "Flatten":
                y = i[0].reshape(i[0].shape[0], -1)
            elif op == "Gemm":
                w = i[1].t() if a.get("transB", 0) else i[1]
                y = a.get("alpha", 1.0) * (i[0] @ w) + a.get("beta", 1.0) * i[2]
            elif op == "Softmax":
                y = F.softmax(i[0], dim=a.get("axis", 1))
            else:
                raise SystemExit(f"operation {op} is not supported by OnnxInTorch")
            v[outs[0]] = y
        return v[self.scores]


def cases_for(name, hw):
    k = 8 if hw == 32 else 7
    out = [(k, 4, {"kind": "constant", "value": 0.0})]
    if name == "alexnet":
        out.append((9, 5, {"kind": "mean"}))
    if name == "resnet":
        out.append((5, 9, {"kind": "color", "color": [0.5, -0.25, 1.0]}))
    if name == "squeezenet":
        out.append((11, 4, {"kind": "blur", "sigma": 2.0, "radius": 6}))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--models", default=",".join(mr.MODEL_ORDER + list(EMBEDDED)))
    args = ap.parse_args()
    torch = mr.torch_imports()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    mr.define_modules()
    os.makedirs(args.out, exist_ok=True)
    index = []
    for name in [m for m in args.models.split(",") if m]:
        if name in EMBEDDED:
            info = mr.load_json(os.path.join(MODELS, name + ".json"))
            check = info["logits_check"]
            images = [os.path.join(check["source"], f) for f in check["scenes"]]
            x = embedded_blob(info, images).astype(np.float64)
            model = OnnxInTorch(os.path.join(MODELS, name + ".onnx"))
            with torch.no_grad():
                logits = model.net(torch.from_numpy(x)).numpy()
            stored = np.load(os.path.join(MODELS, check["logits"]))
            x = x[:EMBEDDED_SAMPLES]
            images = images[:EMBEDDED_SAMPLES]
            cases = EMBEDDED[name]
        else:
            images = []
            ref = mr.load_json(os.path.join(REFERENCE, name, "reference.json"))
            x = np.load(os.path.join(REFERENCE, name, ref["input"])).astype(np.float64)
            model = rebuild(name).double()
            with torch.no_grad():
                logits = model.net(torch.from_numpy(x)).numpy()
            stored = np.load(os.path.join(REFERENCE, name, ref["logits"]))
            cases = cases_for(name, x.shape[2])
        err = mr.rel_l2(logits, stored)
        if err > 1e-5:
            raise SystemExit(f"{name}: the rebuilt PyTorch model does not reproduce the stored logits ({err:.1e})")
        for k, s, fill in cases:
            grid = occlusion_grid(model, x, fill_image(x, fill), k, s)
            stem = f"{name}_{fill['kind']}_k{k}_s{s}"
            np.save(os.path.join(args.out, stem + "_logits.npy"), grid.astype(np.float32))
            np.save(os.path.join(args.out, stem + "_probs.npy"), softmax(grid, 1).astype(np.float32))
            case = {"model": name, "window": k, "stride": s, "fill": fill["kind"],
                    "logits": stem + "_logits.npy", "probs": stem + "_probs.npy"}
            if images:  # the input: these images (relative to data/) through the model's preprocessing
                case["images"] = images
            if "value" in fill:
                case["fill_value"] = fill["value"]
            if "color" in fill:
                case["fill_color"] = fill["color"]
            if "sigma" in fill:
                case["blur_sigma"] = fill["sigma"]
            index.append(case)
            print(f"{stem}: grid {grid.shape[2]}x{grid.shape[3]}, logits vs stored {err:.1e}, "
                  f"score range [{grid.min():.3f}, {grid.max():.3f}]")
    with open(os.path.join(args.out, "cases.json"), "w") as f:
        json.dump({"cases": index}, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(args.out, f)) for f in os.listdir(args.out))
    print(f"{len(index)} cases, {total / 1e3:.0f} kB in {args.out}")


if __name__ == "__main__":
    main()
