#!/usr/bin/python3
"""PyTorch side of perf_attribution: every attribution method on the networks of make_models.py, the same input,
class 0, CPU, the same thread count (default 2). Captum is not packaged in Debian, so this script does what Captum
1.x does, in plain autograd:

  gradient          Saliency: autograd.grad of the score w.r.t. the input; map = max over channels of |grad|
  input-x-gradient  InputXGradient: input * grad; map = sum over channels of |.|
  guided            GuidedBackprop: full backward hooks on every ReLU module returning relu(grad_input)
  deconvnet         Deconvolution: the same hooks returning relu(grad_output)
  gradcam           LayerGradCam: forward hook on the layer, autograd.grad w.r.t. the layer output only,
                    alpha = spatial mean, relu(sum alpha A), bilinear upsampling to the input (interpolate)
  guided-gradcam    GuidedGradCam: LayerGradCam + GuidedBackprop (two forward/backward passes), product
  smoothgrad        NoiseTunnel(Saliency, nt_type="smoothgrad", nt_samples=25, nt_samples_batch_size=25): one batch
                    of 25 noisy copies (randn * 0.15 * range), mean gradient; map = sum over channels of |.|
  ig                IntegratedGradients(n_steps=51, method="riemann_trapezoid", internal_batch_size=51): one batch
                    of 51 path points (the engine's 50 trapezoid steps), zero baseline; map = sum over channels of |.|

SmoothGrad and Integrated Gradients use the interp CLI's defaults (25 copies, 50 steps), all in one batch.

All ReLU modules are made out-of-place (hooks need it; the engine keeps every activation too). The guided and
deconvnet hooks sit on nn.ReLU modules, as Captum's do: GoogLeNet's functional ReLUs and MobileNetV2's ReLU6 and
EfficientNet's SiLU modules get none, so PyTorch computes a plain gradient there (a lower bound on its time). The Grad-CAM layer
is the one the engine's generic rule picks (checked by shape in perf_attribution's label).

    /usr/bin/python3 perf/torch_attribution.py [--threads 2] [--repeat 5] [--networks alexnet ...]

Prints one line per measurement: `torch <method>/<net> median_ms=<x>`.
"""
import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from make_models import NETWORKS, build
from torch_common import median_ms

GRADCAM_LAYER = {"alexnet": "features.11", "vgg11": "features.19", "resnet18": "layer4",
                 "squeezenet1_1": "classifier.2", "googlenet": "inception5b.branch3.1", "densenet121": "features",
                 "mobilenet_v2": "features.18", "efficientnet_b0": "features.8"}
SMOOTHGRAD_SAMPLES = 25
IG_POINTS = 51


def submodule(model, path):
    for p in path.split("."):
        model = model[int(p)] if p.isdigit() else getattr(model, p)
    return model


class Methods:
    def __init__(self, model, layer):
        self.model = model
        self.layer = submodule(model, layer)
        self.relus = [m for m in model.modules() if isinstance(m, nn.ReLU)]
        for m in self.relus:
            m.inplace = False

    def grad(self, x):
        x = x.clone().requires_grad_(True)
        out = self.model(x)[:, 0].sum()
        return torch.autograd.grad(out, x)[0]

    def hooked_grad(self, x, hook):
        handles = [m.register_full_backward_hook(hook) for m in self.relus]
        try:
            return self.grad(x)
        finally:
            for h in handles:
                h.remove()

    def gradient(self, x):
        return self.grad(x).abs().amax(1)

    def input_x_gradient(self, x):
        return (x * self.grad(x)).abs().sum(1)

    def guided_grad(self, x):
        return self.hooked_grad(x, lambda m, gi, go: (F.relu(gi[0]),))

    def guided(self, x):
        return self.guided_grad(x).abs().amax(1)

    def deconvnet(self, x):
        return self.hooked_grad(x, lambda m, gi, go: (F.relu(go[0]),)).abs().amax(1)

    def cam(self, x):
        saved = {}

        def keep(module, inputs, out):
            # The input does not require grad: the graph starts at the layer, and the backward stops there. The
            # layer's output becomes a leaf; a clone of it goes on, as the model may modify it in place (DenseNet's
            # final ReLU does).
            if not out.requires_grad:
                saved["a"] = out.detach().requires_grad_(True)
                return saved["a"].clone()
            saved["a"] = out

        h = self.layer.register_forward_hook(keep)
        try:
            out = self.model(x)[:, 0].sum()
        finally:
            h.remove()
        a = saved["a"]
        g = torch.autograd.grad(out, a)[0]
        cam = F.relu((g.mean(dim=(2, 3), keepdim=True) * a).sum(1, keepdim=True))
        return F.interpolate(cam, size=x.shape[2:], mode="bilinear", align_corners=False)

    def gradcam(self, x):
        with torch.enable_grad():
            return self.cam(x).detach()

    def guided_gradcam(self, x):
        return (self.guided_grad(x) * self.gradcam(x)).abs().amax(1)

    def smoothgrad(self, x):
        sigma = 0.15 * float(x.max() - x.min())
        xs = x.repeat(SMOOTHGRAD_SAMPLES, 1, 1, 1) + torch.randn((SMOOTHGRAD_SAMPLES,) + tuple(x.shape[1:])) * sigma
        return self.grad(xs).mean(0, keepdim=True).abs().sum(1)

    def ig(self, x):
        alphas = torch.linspace(0, 1, IG_POINTS)
        w = torch.full((IG_POINTS,), 1.0 / (IG_POINTS - 1))
        w[0] = w[-1] = 0.5 / (IG_POINTS - 1)
        path = alphas[:, None, None, None] * x
        g = self.grad(path)
        return (x * (w[:, None, None, None] * g).sum(0, keepdim=True)).abs().sum(1)


METHODS = (("gradient", "gradient"), ("input-x-gradient", "input_x_gradient"), ("guided", "guided"),
           ("deconvnet", "deconvnet"), ("gradcam", "gradcam"), ("guided-gradcam", "guided_gradcam"),
           ("smoothgrad", "smoothgrad"), ("ig", "ig"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--networks", nargs="*", default=list(NETWORKS))
    ap.add_argument("--methods", nargs="*", default=[m for m, _ in METHODS])
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x0 = torch.from_numpy(np.random.default_rng(2024).standard_normal((1, 3, 224, 224)).astype(np.float32))
    for name in args.networks:
        model = build(name)
        for p in model.parameters():
            p.requires_grad_(False)  # input gradients only, as the engine computes
        m = Methods(model, GRADCAM_LAYER[name])
        for cli_name, attr in METHODS:
            if cli_name not in args.methods:
                continue
            fn = getattr(m, attr)
            print("torch %s/%s median_ms=%.3f" % (cli_name, name, median_ms(lambda: fn(x0), args.repeat)), flush=True)


if __name__ == "__main__":
    main()
