#!/usr/bin/python3
"""PyTorch references for the attribution methods (issue 4), on the shipped trained models.

    /usr/bin/python3 data/make_method_references.py                  # rewrites data/methods/ (about 10 s)
    /usr/bin/python3 data/make_method_references.py --out /tmp/m     # elsewhere
    /usr/bin/python3 data/make_method_references.py --models resnet_fmnist   # one model; keeps the others' records

For each model (alexnet_fmnist, resnet_fmnist) and one embedded demo image, with the model's predicted class
as the target (pre-softmax logit), the script computes in float64 PyTorch autograd, on the float32 weights of
data/models/<model>.onnx loaded into the PyTorch definitions of data/train_models.py:

  * Grad-CAM at a named layer (not the default one): the layer map and its bilinear upsampling to the input;
  * guided Grad-CAM: guided backprop (a custom autograd ReLU) x upsampled Grad-CAM;
  * input x gradient;
  * SmoothGrad with explicit noise given by a formula both sides evaluate (see smoothgrad_noise());
  * Integrated Gradients with a fixed number of steps (trapezoid rule) and a zero or per-channel mean baseline.

Everything is written to data/methods/ (float32 .npy, C order, plus methods.json, readable by cv::FileStorage).
The output is deterministic. Only Debian packages are used (python3-torch, python3-onnx, python3-opencv).
"""
import argparse
import glob
import json
import math
import os
import sys

import cv2
import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import train_models as tm  # noqa: E402  (the models' PyTorch definitions)

# Per model: demo image index, Grad-CAM layer (PyTorch module path, OpenCV layer), SmoothGrad and IG settings.
CASES = {
    "alexnet_fmnist": dict(image=0, gradcam=("relu2", "onnx_node!relu2"),
                           smoothgrad=dict(samples=6, noise_level=0.15),
                           ig=dict(steps=16, baseline="zero")),
    "resnet_fmnist": dict(image=1, gradcam=("layer2.relu2", "onnx_node!layer2_relu2"),
                          smoothgrad=dict(samples=6, noise_level=0.2),
                          ig=dict(steps=16, baseline="zero")),
}


def smoothgrad_noise(samples, shape, amplitude):
    """noise[s, i] = amplitude * sin(2.3 i + 0.7 s^2 + 1.1 s), i the flat index in C x H x W, computed in float64
    and stored as float32. The C++ test evaluates the same formula."""
    n = int(np.prod(shape))
    i = np.arange(n, dtype=np.float64)
    out = np.empty((samples,) + tuple(shape), np.float32)
    for s in range(samples):
        out[s] = (amplitude * np.sin(2.3 * i + 0.7 * s * s + 1.1 * s)).reshape(shape).astype(np.float32)
    return out


class GuidedReLU(torch.autograd.Function):
    """Guided backpropagation's ReLU: grad_in = [x > 0] * max(grad_out, 0)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g.clamp(min=0) * (x > 0).to(g.dtype)


def load_model(name, models_dir):
    """The PyTorch model of train_models.py with the weights of the shipped ONNX file, in float64."""
    arch = tm.CONFIGS[name]["arch"]
    # AlexNetF trains with BatchNorms that train_models.fold_bn folds into the convolutions before export.
    model = tm.AlexNetF(train_bn=False) if arch == "alexnet" else tm.build(arch)
    m = onnx.load(os.path.join(models_dir, name + ".onnx"))
    inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    sd = model.state_dict()
    new = {}
    for k, v in sd.items():
        if k.endswith("num_batches_tracked"):
            new[k] = v
            continue
        key = "net." + k
        if key not in inits:
            raise SystemExit("%s: initializer %s missing from the ONNX file" % (name, key))
        new[k] = torch.from_numpy(inits[key].copy()).to(v.dtype)
    model.load_state_dict(new)
    return model.eval().double()


def module(model, path):
    for p in path.split("."):
        model = getattr(model, p)
    return model


def blob_of(path, info):
    pre = info["preprocessing"]
    h, w = info["input_size"]
    bgr = cv2.imread(path, cv2.IMREAD_COLOR)
    if bgr is None:
        raise SystemExit("cannot read " + path)
    return cv2.dnn.blobFromImage(bgr, pre["scale"], (w, h), tuple(pre["mean"]), bool(pre["swap_rb"]),
                                 bool(pre["crop"]))


def gradient(model, x, cls, guided=False, layer=None):
    """d logit[cls] / d x for a batch of inputs (float64); with `layer`, also (activation, its gradient)."""
    saved = {}
    hooks = []
    if guided:
        for m in model.modules():
            if isinstance(m, nn.ReLU):
                m.forward = GuidedReLU.apply
    if layer is not None:
        def keep(_, __, out):
            out.retain_grad()
            saved["a"] = out
        hooks.append(module(model, layer).register_forward_hook(keep))
    x = x.clone().requires_grad_(True)
    logits = model(x)
    logits[:, cls].sum().backward()
    for h in hooks:
        h.remove()
    if guided:
        for m in model.modules():
            if isinstance(m, nn.ReLU):
                del m.forward  # back to the class's forward
    if layer is not None:
        return x.grad, logits.detach(), saved["a"].detach(), saved["a"].grad
    return x.grad, logits.detach()


def save(out_dir, model_name, name, array):
    d = os.path.join(out_dir, model_name)
    os.makedirs(d, exist_ok=True)
    np.save(os.path.join(d, name + ".npy"), np.ascontiguousarray(array, dtype=np.float32))
    return model_name + "/" + name + ".npy"


def rel_l2(a, b):
    return float(np.linalg.norm((a - b).ravel()) / max(np.linalg.norm(b.ravel()), 1e-30))


def run(name, args, demo):
    info = json.load(open(os.path.join(args.models_dir, name + ".json")))
    case = CASES[name]
    image = demo[min(case["image"], len(demo) - 1)]
    blob = blob_of(image, info)
    model = load_model(name, args.models_dir)
    x = torch.from_numpy(blob.astype(np.float64))

    # The shipped ONNX through cv2.dnn agrees with this PyTorch model.
    net = cv2.dnn.readNetFromONNX(os.path.join(args.models_dir, name + ".onnx"))
    net.enableFusion(False)
    net.setInput(blob)
    dnn_logits = net.forward(info["layers"]["logits"]).reshape(1, -1)
    with torch.no_grad():
        torch_logits = model(x).numpy()
    err = rel_l2(dnn_logits.astype(np.float64), torch_logits)
    assert err < 1e-4, (name, err)
    cls = int(torch_logits[0].argmax())

    rec = {"image": os.path.relpath(image, HERE), "input_shape": list(blob.shape),
           "input_sum": float(blob.astype(np.float64).sum()), "class": cls,
           "class_name": info["classes"][cls], "logit": float(torch_logits[0, cls]),
           "dnn_vs_torch_logits_rel_l2": err}

    # Grad-CAM at a named layer, guided Grad-CAM
    module_path, cv_layer = case["gradcam"]
    g, _, a, da = gradient(model, x, cls, layer=module_path)
    alpha = da.mean(dim=(2, 3), keepdim=True)
    cam = F.relu((alpha * a).sum(dim=1, keepdim=True))
    # A map that the ReLU zeroes everywhere would make the Grad-CAM and guided Grad-CAM references vacuous.
    assert float((cam > 0).double().mean()) > 0.05, (name, module_path, "Grad-CAM map (almost) all zero: pick "
                                                     "another layer or image in CASES")
    up = F.interpolate(cam, size=blob.shape[2:], mode="bilinear", align_corners=False)
    gb, _ = gradient(model, x, cls, guided=True)
    rec["gradcam"] = {"layer": cv_layer, "layer_map": save(args.out, name, "gradcam_layer", cam[:, 0].numpy()),
                      "map": save(args.out, name, "gradcam", up[:, 0].numpy()),
                      "weights_sum": float(alpha.sum())}
    rec["guided_gradcam"] = {"layer": cv_layer, "attribution": save(args.out, name, "guided_gradcam",
                                                                    (gb * up).numpy())}
    # input x gradient
    rec["input_x_gradient"] = {"attribution": save(args.out, name, "input_x_gradient", (x * g).numpy())}

    # SmoothGrad with explicit noise
    sgc = case["smoothgrad"]
    amplitude = float(sgc["noise_level"] * (blob.max() - blob.min()) * math.sqrt(2.0))
    noise = smoothgrad_noise(sgc["samples"], blob.shape[1:], amplitude)
    xs = x + torch.from_numpy(noise.astype(np.float64))
    gs, _ = gradient(model, xs, cls)
    rec["smoothgrad"] = {"samples": sgc["samples"], "amplitude": amplitude,
                         "noise_formula": "amplitude * sin(2.3 i + 0.7 s^2 + 1.1 s), i = flat index in C x H x W",
                         "attribution": save(args.out, name, "smoothgrad", gs.mean(dim=0, keepdim=True).numpy())}

    # Integrated Gradients, trapezoid rule with `steps` intervals
    igc = case["ig"]
    m = igc["steps"]
    # Baselines whose path has exact max-pool ties or clear winners: with a blurred baseline (near-ties) even
    # PyTorch's own float32 IG differs from its float64 IG by ~5e-4 relative L2 on resnet_fmnist.
    if igc["baseline"] == "zero":
        base = np.zeros_like(blob)
    else:  # "mean": each channel filled with the image's channel mean (accumulated in float64)
        base = np.broadcast_to(blob.astype(np.float64).mean(axis=(2, 3), keepdims=True), blob.shape)
        base = np.ascontiguousarray(base).astype(np.float32)
    xb = torch.from_numpy(base.astype(np.float64))
    alphas = torch.arange(m + 1, dtype=torch.float64) / m
    weights = torch.full((m + 1,), 1.0 / m, dtype=torch.float64)
    weights[0] = weights[-1] = 0.5 / m
    path = xb + alphas[:, None, None, None] * (x - xb)
    gp, lp = gradient(model, path, cls)
    attr = (x - xb) * (weights[:, None, None, None] * gp).sum(dim=0, keepdim=True)
    fx, fb = float(lp[-1, cls]), float(lp[0, cls])
    rec["ig"] = dict(igc, f_x=fx, f_baseline=fb, completeness_error=abs(float(attr.sum()) - (fx - fb)),
                     attribution=save(args.out, name, "ig", attr.numpy()))
    print("%s: %s class %d (%s), Grad-CAM at %s %s, IG completeness error %.2e of %.3f" % (
        name, rec["image"], cls, rec["class_name"], cv_layer, tuple(cam.shape[2:]), rec["ig"]["completeness_error"],
        fx - fb), flush=True)
    return rec


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="*", default=list(CASES))
    ap.add_argument("--models-dir", default=os.path.join(HERE, "models"))
    ap.add_argument("--demo-dir", default=os.path.join(HERE, "demo"))
    ap.add_argument("--out", default=os.path.join(HERE, "methods"))
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    demo = sorted(glob.glob(os.path.join(args.demo_dir, "*.png")))
    if not demo:
        raise SystemExit("no demo image in %s: run data/train_models.py first" % args.demo_dir)
    os.makedirs(args.out, exist_ok=True)
    out = {"note": "made by data/make_method_references.py; float64 PyTorch autograd on the shipped ONNX weights",
           "models": {}}
    # --models a subset: the other models' records already in methods.json stay (their .npy files are untouched).
    old = os.path.join(args.out, "methods.json")
    if os.path.exists(old) and set(args.models) != set(CASES):
        with open(old) as f:
            out["models"] = {k: v for k, v in json.load(f).get("models", {}).items() if k in CASES}
    for name in args.models:
        if name not in CASES:
            raise SystemExit("unknown model %s: use %s" % (name, ", ".join(CASES)))
        out["models"][name] = run(name, args, demo)
    with open(os.path.join(args.out, "methods.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
