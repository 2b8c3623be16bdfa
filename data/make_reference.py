#!/usr/bin/python3
"""Reference-data generator for the cv::interp backward pass.

For every model family this script builds a small random-weight PyTorch network,
exports it to ONNX (opset 10; alexnet_caffe also to Caffe), checks that OpenCV
4.6's cv2.dnn loads it and reproduces the PyTorch output, and stores input
gradients computed with PyTorch autograd for three rules (standard, guided
backprop, deconvnet) and three kinds of target (class logit, single neuron,
whole channel).  See data/README.md ("Reference data for the backward pass")
for the file format.

Run with the Debian interpreter (it has torch, torchvision, onnx, cv2):

    /usr/bin/python3 data/make_reference.py            # (re)generate everything
    /usr/bin/python3 data/make_reference.py --check    # verify existing files with cv2.dnn only
    /usr/bin/python3 data/make_reference.py --models resnet,layers --out /tmp/ref

The output is deterministic: running the script twice gives byte-identical files.
"""

import argparse
import copy
import importlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "reference")
DEFAULT_OPENCV_SRC = "/work/opencv-src/opencv-4.6.0+dfsg"

RULES = ["standard", "guided", "deconvnet"]
OPSET = 10
TOL_FORWARD = 1e-4          # relative L2, cv2.dnn vs PyTorch
MARGIN = 3e-5               # min distance of any kink input (ReLU, ReLU6, LeakyReLU, PReLU, Max) to its kink
MODEL_ORDER = ["alexnet", "vgg", "resnet", "squeezenet", "googlenet", "densenet",
               "mobilenetv2", "shufflenetv2", "efficientnet", "alexnet_caffe", "layers",
               "normalization", "pool1d_lrn"]


def rel_l2(a, b):
    a = np.asarray(a, np.float64).ravel()
    b = np.asarray(b, np.float64).ravel()
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))


def dump_json(obj, indent=0):
    """Plain JSON; arrays of scalars and small objects of scalars on one line."""
    pad, pad1 = " " * indent, " " * (indent + 2)
    scalar = (str, int, float, bool, type(None))
    if isinstance(obj, dict):
        if all(isinstance(v, scalar) or (isinstance(v, list) and all(isinstance(e, scalar) for e in v))
               for v in obj.values()) and len(json.dumps(obj)) <= 100:
            return json.dumps(obj)
        items = [f"{pad1}{json.dumps(k)}: {dump_json(v, indent + 2)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list):
        if all(isinstance(e, scalar) for e in obj) and len(json.dumps(obj)) <= 100:
            return json.dumps(obj)
        return "[\n" + ",\n".join(pad1 + dump_json(e, indent + 2) for e in obj) + "\n" + pad + "]"
    return json.dumps(obj)


def load_json(path):
    with open(path) as f:
        return json.load(f)


def read_cv_net(d, ref, caffe=False):
    import cv2
    if caffe:
        net = cv2.dnn.readNetFromCaffe(os.path.join(d, ref["caffe"]["prototxt"]),
                                       os.path.join(d, ref["caffe"]["caffemodel"]))
    else:
        net = cv2.dnn.readNet(os.path.join(d, ref["model"]))
    net.enableFusion(False)
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
    return net


def cv_layers(net):
    return [[n, net.getLayer(n).type] for n in net.getLayerNames()]


# ----------------------------------------------------------------------------
# --check: verify existing files with cv2.dnn only (no torch needed)
# ----------------------------------------------------------------------------

def check_dir(out_dir, models):
    ok = True
    for name in models:
        d = os.path.join(out_dir, name)
        ref = load_json(os.path.join(d, "reference.json"))
        x = np.load(os.path.join(d, ref["input"]))
        out_ref = np.load(os.path.join(d, ref["output"]))
        logits_ref = np.load(os.path.join(d, ref["logits"]))
        assert x.dtype == np.float32 and x.flags.c_contiguous and list(x.shape) == ref["input_shape"]
        variants = [("onnx", False)] + ([("caffe", True)] if "caffe" in ref else [])
        msgs = []
        for tag, caffe in variants:
            net = read_cv_net(d, ref, caffe)
            names = list(net.getLayerNames())
            key = "caffe_layer" if caffe else "layer"
            logits_layer = ref["caffe"]["logits_layer"] if caffe else ref["logits_layer"]
            wanted = [logits_layer] + sorted({c["target"][key] for c in ref["cases"] if key in c["target"]})
            for w in wanted:
                if w not in names:
                    print(f"[{name}] {tag}: layer {w} missing"); ok = False
            net.setInput(x)
            outs = net.forward([names[-1]] + wanted)
            e_out = rel_l2(outs[0].reshape(out_ref.shape), out_ref)
            e_log = rel_l2(outs[1].reshape(logits_ref.shape), logits_ref)
            types = sorted({net.getLayer(n).type for n in names})
            exp_types = ref["caffe"]["opencv_layer_types"] if caffe else ref["opencv_layer_types"]
            if types != exp_types:
                print(f"[{name}] {tag}: layer types differ {types} vs {exp_types}"); ok = False
            if not (e_out < TOL_FORWARD and e_log < TOL_FORWARD):
                ok = False
            msgs.append(f"{tag}: output {e_out:.1e} logits {e_log:.1e}")
        for c in ref["cases"]:
            g = np.load(os.path.join(d, c["grad"]))
            if g.shape != x.shape or g.dtype != np.float32 or not np.isfinite(g).all():
                print(f"[{name}] bad gradient file {c['grad']}"); ok = False
        print(f"[{name}] {'; '.join(msgs)}; {len(ref['cases'])} cases")
    return ok


# ----------------------------------------------------------------------------
# Everything below needs torch.
# ----------------------------------------------------------------------------

def torch_imports():
    global torch, nn, F, torchvision, onnx
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    import torchvision
    import onnx
    return torch


# global switches read by the custom modules
STATE = {"rule": "standard", "impl": "function", "export": False}


def define_modules():
    """Custom modules (defined lazily so that --check works without torch)."""
    global RuleReLU, LRN, Head, EltMax
    global _GuidedFn, _LRNFn

    class _GuidedFn(torch.autograd.Function):
        """ReLU / ReLU6 whose backward implements guided backprop or deconvnet."""

        @staticmethod
        def forward(ctx, x, upper, rule):
            ctx.save_for_backward(x)
            ctx.upper = upper
            ctx.rule = rule
            return x.clamp(min=0) if upper is None else x.clamp(min=0, max=upper)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            gpos = g.clamp(min=0)
            if ctx.rule == "deconvnet":
                return gpos, None, None
            mask = x > 0
            if ctx.upper is not None:
                mask = mask & (x < ctx.upper)
            return torch.where(mask, gpos, torch.zeros_like(gpos)), None, None

    class RuleReLU(nn.Module):
        """Replacement for every nn.ReLU / nn.ReLU6; each instance is used once."""

        def __init__(self, upper=None):
            super().__init__()
            self.upper = upper

        def _std(self, x):
            # nn.ReLU6 calls F.hardtanh (exported as one Clip node); F.relu6 would
            # export as Relu + Clip (+ shape junk) in torch 1.13
            return F.relu(x) if self.upper is None else F.hardtanh(x, 0.0, self.upper)

        def forward(self, x):
            rule = STATE["rule"]
            if rule == "standard":
                return self._std(x)
            if STATE["impl"] == "function":
                return _GuidedFn.apply(x, self.upper, rule)
            # second, independent implementation (cross-check only): a tensor hook clamps
            # the upstream gradient; guided then uses the ordinary ReLU backward, deconvnet
            # an identity backward (forward value unchanged)
            y = self._std(x)
            if rule == "deconvnet":
                y = x + (y - x).detach()
            if y.requires_grad:
                y.register_hook(lambda g: g.clamp(min=0))
            return y

        def extra_repr(self):
            return "relu" if self.upper is None else f"relu6(upper={self.upper})"

    class _LRNFn(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, size, alpha, beta, k):
            return F.local_response_norm(x, size, alpha, beta, k)

        @staticmethod
        def symbolic(g, x, size, alpha, beta, k):
            return g.op("LRN", x, size_i=size, alpha_f=alpha, beta_f=beta, bias_f=k)

    class LRN(nn.LocalResponseNorm):
        """nn.LocalResponseNorm that exports as a single ONNX LRN node."""

        def forward(self, x):
            if STATE["export"]:
                return _LRNFn.apply(x, self.size, self.alpha, self.beta, self.k)
            return super().forward(x)

    class EltMax(nn.Module):
        """torch.max(a, b) as a module (ONNX Max), so that its inputs can be hooked."""

        def forward(self, a, b):
            return torch.max(a, b)

    class Head(nn.Module):
        """net -> logits, optionally followed by (Log)Softmax (that is the exported graph)."""

        def __init__(self, net, head):
            super().__init__()
            self.net = net
            self.head = head
            if head == "softmax":
                self.final = nn.Softmax(dim=1)
            elif head == "logsoftmax":
                self.final = nn.LogSoftmax(dim=1)

        def forward(self, x):
            z = self.net(x)
            return self.final(z) if self.head else z


# ----------------------------------------------------------------------------
# Model builders
# ----------------------------------------------------------------------------

def mk_alexnet():
    class AlexNetMini(nn.Module):
        # same layout as torchvision.models.AlexNet, reduced widths; first conv 7x7/2
        # instead of 11x11/4 so that a 32x32 input is enough
        def __init__(self, num_classes=10):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(3, 8, kernel_size=7, stride=2, padding=3), nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),
                nn.Conv2d(8, 12, kernel_size=5, padding=2), nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),
                nn.Conv2d(12, 16, kernel_size=3, padding=1), nn.ReLU(inplace=True),
                nn.Conv2d(16, 16, kernel_size=3, padding=1), nn.ReLU(inplace=True),
                nn.Conv2d(16, 16, kernel_size=3, padding=1), nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),
            )
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.classifier = nn.Sequential(
                nn.Dropout(p=0.5), nn.Linear(16, 32), nn.ReLU(inplace=True),
                nn.Dropout(p=0.5), nn.Linear(32, 32), nn.ReLU(inplace=True),
                nn.Linear(32, num_classes),
            )

        def forward(self, x):
            x = self.features(x)
            x = self.avgpool(x)
            x = torch.flatten(x, 1)
            return self.classifier(x)

    return dict(net=AlexNetMini(), hw=31,
                targets=[("neuron", "features.7", "out"),      # ReLU after conv3
                         ("channel", "features.3", "out")])    # conv2 output (pre-ReLU)


def mk_vgg():
    from torchvision.models.vgg import make_layers

    class VGGMini(nn.Module):
        # torchvision.models.vgg.VGG layout (features from torchvision's make_layers,
        # adaptive avgpool, 3-layer classifier with dropout), reduced widths
        def __init__(self, num_classes=10):
            super().__init__()
            self.features = make_layers([8, "M", 12, "M", 16, 16, "M", 16, 16], batch_norm=False)
            self.avgpool = nn.AdaptiveAvgPool2d((2, 2))
            self.classifier = nn.Sequential(
                nn.Linear(16 * 2 * 2, 24), nn.ReLU(True), nn.Dropout(p=0.5),
                nn.Linear(24, 24), nn.ReLU(True), nn.Dropout(p=0.5),
                nn.Linear(24, num_classes),
            )

        def forward(self, x):
            x = self.features(x)
            x = self.avgpool(x)
            x = torch.flatten(x, 1)
            return self.classifier(x)

    return dict(net=VGGMini(), hw=32,
                targets=[("neuron", "features.9", "out"),      # ReLU after conv4
                         ("channel", "features.11", "out")])   # conv5 output


def mk_resnet():
    from torchvision.models.resnet import ResNet, BasicBlock

    class BasicBlockU(BasicBlock):
        """torchvision BasicBlock whose two ReLUs are separate modules."""

        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            self.relu2 = nn.ReLU()

        def forward(self, x):
            identity = x
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            if self.downsample is not None:
                identity = self.downsample(x)
            out = out + identity
            return self.relu2(out)

    class ResNetMini(ResNet):
        """torchvision ResNet (its _make_layer / forward) with widths 4-8-12-16."""

        def __init__(self, layers=(1, 1, 1, 1), widths=(4, 8, 12, 16), num_classes=10):
            nn.Module.__init__(self)
            self._norm_layer = nn.BatchNorm2d
            self.inplanes = widths[0]
            self.dilation = 1
            self.groups = 1
            self.base_width = 64
            self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
            self.bn1 = nn.BatchNorm2d(self.inplanes)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
            self.layer1 = self._make_layer(BasicBlockU, widths[0], layers[0])
            self.layer2 = self._make_layer(BasicBlockU, widths[1], layers[1], stride=2)
            self.layer3 = self._make_layer(BasicBlockU, widths[2], layers[2], stride=2)
            self.layer4 = self._make_layer(BasicBlockU, widths[3], layers[3], stride=2)
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(widths[3], num_classes)

    return dict(net=ResNetMini(), hw=31, keep_bn=True,
                targets=[("neuron", "layer2.0.relu", "out"),   # ReLU inside a block
                         ("channel", "layer3.0.relu2", "in")])  # residual Add output


def mk_squeezenet():
    from torchvision.models.squeezenet import SqueezeNet, Fire

    class SqueezeNetMini(SqueezeNet):
        """torchvision SqueezeNet 1.0 layout / forward with small Fire modules."""

        def __init__(self, num_classes=10):
            nn.Module.__init__(self)
            self.num_classes = num_classes
            self.features = nn.Sequential(
                nn.Conv2d(3, 16, kernel_size=7, stride=2), nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
                Fire(16, 4, 8, 8), Fire(16, 4, 8, 8), Fire(16, 6, 12, 12),
                nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
                Fire(24, 6, 12, 12), Fire(24, 8, 12, 12), Fire(24, 8, 16, 16), Fire(32, 8, 16, 16),
                nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
                Fire(32, 8, 16, 16),
            )
            final_conv = nn.Conv2d(32, num_classes, kernel_size=1)
            self.classifier = nn.Sequential(
                nn.Dropout(p=0.5), final_conv, nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d((1, 1)))

    return dict(net=SqueezeNetMini(), hw=31, logit_bias=1.0,
                targets=[("neuron", "features.4.expand3x3_activation", "out"),
                         ("channel", "features.5", "out")])     # Fire output = Concat


def mk_googlenet():
    from torchvision.models.googlenet import BasicConv2d, Inception

    class BasicConv2dU(BasicConv2d):
        """torchvision BasicConv2d with its F.relu turned into a module."""

        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            self.relu = nn.ReLU()

        def forward(self, x):
            return self.relu(self.bn(self.conv(x)))

    class GoogLeNetMini(nn.Module):
        """torchvision GoogLeNet stem + Inception blocks (torchvision's Inception class),
        ceil-mode max pools, adaptive avgpool, dropout, fc; fewer/narrower blocks."""

        def __init__(self, num_classes=10):
            super().__init__()
            B = BasicConv2dU
            self.conv1 = B(3, 8, kernel_size=7, stride=2, padding=3)
            self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
            self.conv2 = B(8, 8, kernel_size=1)
            self.conv3 = B(8, 16, kernel_size=3, padding=1)
            self.maxpool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
            self.inception3a = Inception(16, 8, 8, 12, 4, 4, 4, conv_block=B)      # -> 28
            self.inception3b = Inception(28, 12, 8, 16, 4, 8, 8, conv_block=B)     # -> 44
            self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
            self.inception4a = Inception(44, 16, 8, 16, 4, 8, 8, conv_block=B)     # -> 48
            self.maxpool4 = nn.MaxPool2d(2, stride=2, ceil_mode=True)
            self.inception5a = Inception(48, 16, 12, 16, 4, 8, 8, conv_block=B)    # -> 48
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.dropout = nn.Dropout(p=0.2)
            self.fc = nn.Linear(48, num_classes)

        def forward(self, x):
            x = self.maxpool1(self.conv1(x))
            x = self.maxpool2(self.conv3(self.conv2(x)))
            x = self.inception3b(self.inception3a(x))
            x = self.maxpool3(x)
            x = self.inception4a(x)
            x = self.maxpool4(x)
            x = self.inception5a(x)
            x = torch.flatten(self.avgpool(x), 1)
            return self.fc(self.dropout(x))

    return dict(net=GoogLeNetMini(), hw=31,
                targets=[("neuron", "inception3b.branch2.1.relu", "out"),
                         ("channel", "inception3a", "out")])    # Inception output = Concat


def mk_densenet():
    from torchvision.models.densenet import DenseNet

    class DenseNetMini(DenseNet):
        """torchvision DenseNet; its final functional F.relu turned into a module."""

        def __init__(self, **k):
            super().__init__(**k)
            self.relu_final = nn.ReLU()

        def forward(self, x):
            out = self.relu_final(self.features(x))
            out = F.adaptive_avg_pool2d(out, (1, 1))
            return self.classifier(torch.flatten(out, 1))

    net = DenseNetMini(growth_rate=4, block_config=(2, 2, 2), num_init_features=8, bn_size=2,
                       drop_rate=0, num_classes=10)
    return dict(net=net, hw=31,
                targets=[("neuron", "features.denseblock2.denselayer1.relu1", "out"),
                         ("channel", "features.denseblock2.denselayer2.norm1", "in")])  # Concat


def mk_mobilenetv2():
    from torchvision.models import MobileNetV2
    from torchvision.ops.misc import Conv2dNormActivation

    net = MobileNetV2(num_classes=10, width_mult=0.5,
                      inverted_residual_setting=[[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 1, 2]])
    # torchvision hard-codes a 1280-channel last conv; shrink it (and the classifier)
    cin = net.features[-1][0].in_channels
    net.features[-1] = Conv2dNormActivation(cin, 48, kernel_size=1, norm_layer=nn.BatchNorm2d,
                                            activation_layer=nn.ReLU6)
    net.classifier[1] = nn.Linear(48, 10)
    net.last_channel = 48
    # larger BN gammas so that some ReLU6 inputs exceed 6 (exercises the upper clip)
    return dict(net=net, hw=31, bn_gamma=(2.0, 5.0),
                targets=[("neuron", "features.3.conv.1.2", "out"),   # ReLU6 after depthwise
                         ("channel", "features.3", "out")])          # inverted-residual Add


def mk_shufflenetv2():
    from torchvision.models.shufflenetv2 import ShuffleNetV2

    net = ShuffleNetV2(stages_repeats=[2, 2, 1], stages_out_channels=[8, 16, 32, 64, 32], num_classes=10)
    return dict(net=net, hw=31,
                targets=[("neuron", "stage3.1.branch2.2", "out"),    # ReLU in a split block
                         ("channel", "stage2.1", "out")])           # channel-shuffle output


def mk_efficientnet():
    from torchvision.models.efficientnet import EfficientNet, MBConvConfig

    def c(*a):
        return MBConvConfig(*a, width_mult=0.25, depth_mult=1.0)
    # first three stages of efficientnet_b0, (expand, kernel, stride, in, out, layers),
    # widths x0.25 -> 8, 8, 8, 16 channels; stage 1 (expand 1) and the second block of
    # stage 2 have residual connections
    setting = [c(1, 3, 1, 32, 16, 1), c(6, 3, 2, 16, 24, 2), c(6, 5, 2, 24, 40, 1)]
    net = EfficientNet(setting, dropout=0.2, num_classes=10)
    return dict(net=net, hw=31,
                targets=[("neuron", "features.2.1.block.1", "out"),   # SiLU after depthwise
                         ("channel", "features.2.1.block.2", "out")])  # SE output (Mul)


def mk_alexnet_caffe():
    class AlexNetCaffe(nn.Module):
        """bvlc_alexnet-like: grouped convs, LRN, ceil-mode 3x3/2 max pools, FC+dropout."""

        def __init__(self, num_classes=10):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(3, 12, kernel_size=11, stride=2), nn.ReLU(inplace=True),
                LRN(5, alpha=0.5, beta=0.75, k=1.0),
                nn.MaxPool2d(3, 2, ceil_mode=True),
                nn.Conv2d(12, 16, kernel_size=5, padding=2, groups=2), nn.ReLU(inplace=True),
                LRN(5, alpha=0.5, beta=0.75, k=1.0),
                nn.MaxPool2d(3, 2, ceil_mode=True),
                nn.Conv2d(16, 24, kernel_size=3, padding=1), nn.ReLU(inplace=True),
                nn.Conv2d(24, 24, kernel_size=3, padding=1, groups=2), nn.ReLU(inplace=True),
                nn.Conv2d(24, 16, kernel_size=3, padding=1, groups=2), nn.ReLU(inplace=True),
                nn.MaxPool2d(3, 2, ceil_mode=True),
            )
            self.classifier = nn.Sequential(
                nn.Linear(16, 32), nn.ReLU(inplace=True), nn.Dropout(0.5),
                nn.Linear(32, 32), nn.ReLU(inplace=True), nn.Dropout(0.5),
                nn.Linear(32, num_classes),
            )

        def forward(self, x):
            return self.classifier(torch.flatten(self.features(x), 1))

    # 33x33: conv1 (11x11, stride 2 instead of 4 to keep the input small) -> 12x12,
    # pool1 (ceil) -> 6x6, pool2 (ceil) -> 3x3, pool5 -> 1x1.  (OpenCV 4.6 cannot do a
    # ceil-mode 3x3/2 pool on a 2x2 map, so smaller inputs with stride 4 do not work.)
    return dict(net=AlexNetCaffe(), hw=33, head="softmax", caffe=True,
                targets=[("neuron", "features.9", "out"),        # ReLU after conv3
                         ("channel", "features.6", "out")])     # LRN2 output


def mk_layers():
    class LayersNet(nn.Module):
        """Less common ops: PReLU, dilated conv, LeakyReLU, asymmetric Pad, ELU,
        padded AvgPool, Tanh, Sigmoid, Mul/Sub/Max eltwise, ReLU, MaxPool,
        ConvTranspose, nearest and bilinear Resize, scalar Mul/Add, ReduceMean,
        ReduceSum, Concat, Gemm, LogSoftmax."""

        def __init__(self, num_classes=10):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
            self.prelu = nn.PReLU(8)
            self.conv2 = nn.Conv2d(8, 8, 3, padding=2, dilation=2)
            self.lrelu = nn.LeakyReLU(0.1)
            self.conv3 = nn.Conv2d(8, 16, 3, stride=2)
            self.elu = nn.ELU()
            self.avgpool = nn.AvgPool2d(3, stride=1, padding=1)       # count_include_pad=True
            self.tanh = nn.Tanh()
            self.sigmoid = nn.Sigmoid()
            self.max = EltMax()
            self.relu = nn.ReLU()
            self.maxpool = nn.MaxPool2d(2)
            self.deconv = nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1)
            self.conv4 = nn.Conv2d(8, 8, 3, stride=2, padding=1)
            self.conv5 = nn.Conv2d(16, 8, 1)
            self.fc = nn.Linear(16, num_classes)

        def forward(self, x):
            # shapes for the 31x31 input
            x = self.lrelu(self.conv2(self.prelu(self.conv1(x))))      # 8x31x31
            x = F.pad(x, (0, 1, 1, 0))                                   # 8x32x32 (asymmetric: right 1, top 1)
            x = self.elu(self.conv3(x))                                  # 16x15x15
            a = self.avgpool(x)                                          # 16x15x15
            t, s = self.tanh(a), self.sigmoid(a)
            m = self.max(t * s, t - s)
            q = self.maxpool(self.relu(m))                               # 16x7x7 (last row/col dropped)
            d = self.deconv(q)                                           # 8x14x14
            u1 = self.conv4(F.interpolate(d, scale_factor=2, mode="nearest"))        # 8x14x14
            u2 = self.conv5(F.interpolate(q, scale_factor=2, mode="bilinear", align_corners=False))  # 8x14x14
            e = u1 * 0.5 + u2
            h = torch.cat([e.mean(dim=(2, 3)), (u1 * u2).sum(dim=(2, 3)) * 0.0625], dim=1)
            return self.fc(h)

    net = LayersNet()
    with torch.no_grad():
        g = torch.Generator().manual_seed(1234)
        net.prelu.weight.copy_(torch.rand(8, generator=g) * 0.45 + 0.05)
    return dict(net=net, hw=31, head="logsoftmax", fold_avgpool_pad=True,
                targets=[("neuron", "relu", "out"),
                         ("channel", "deconv", "out")])


def mk_normalization():
    class L2Norm(nn.Module):
        """F.normalize over channels (ONNX ReduceL2, Clip, Expand, Div: cv::dnn's Normalize)."""

        def forward(self, x):
            return F.normalize(x, p=2.0, dim=1)

    class L2Div(nn.Module):
        """x / ||x||_2 over channels without the clamp (ONNX ReduceL2 + Div: cv::dnn's Normalize)."""

        def forward(self, x):
            return x / torch.norm(x, p=2, dim=1, keepdim=True)

    class NormalizationNet(nn.Module):
        """InstanceNorm2d with affine parameters and without (ONNX InstanceNormalization: cv::dnn's MVN
        and a BatchNorm), and two L2 normalisations over channels (cv::dnn's Normalize)."""

        def __init__(self, num_classes=10):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
            self.in1 = nn.InstanceNorm2d(8, affine=True)
            self.relu1 = nn.ReLU()
            self.conv2 = nn.Conv2d(8, 12, 3, stride=2, padding=1)
            self.in2 = nn.InstanceNorm2d(12)
            self.relu2 = nn.ReLU()
            self.conv3 = nn.Conv2d(12, 12, 3, padding=1)
            self.l2 = L2Norm()
            self.conv4 = nn.Conv2d(12, 16, 1)
            self.relu3 = nn.ReLU()
            self.l2div = L2Div()
            self.fc = nn.Linear(16, num_classes)

        def forward(self, x):
            x = self.relu1(self.in1(self.conv1(x)))                     # 8x16x16
            x = self.relu2(self.in2(self.conv2(x)))                     # 12x8x8
            x = self.l2(self.conv3(x)) * 3.0
            x = self.l2div(self.relu3(self.conv4(x)) + 0.5)             # 16x8x8, norms >= 2
            return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1) * 4.0)

    net = NormalizationNet()
    with torch.no_grad():
        g = torch.Generator().manual_seed(4321)
        net.in1.weight.copy_(torch.rand(8, generator=g) + 0.5)
        net.in1.bias.copy_(torch.randn(8, generator=g) * 0.3)
    return dict(net=net, hw=16,
                targets=[("neuron", "relu2", "out"),     # ReLU after the non-affine InstanceNorm2d
                         ("channel", "l2", "out")])      # F.normalize output


def mk_pool1d_lrn():
    class Pool1dLrnNet(nn.Module):
        """torch's own LocalResponseNorm export (x^2 on an N x 1 x C x H x W view, Pad, 3-D AveragePool,
        Pow, Div), and MaxPool1d / AvgPool1d (count_include_pad: Pad + AveragePool) on the N x C x L
        blob of a flattened feature map."""

        def __init__(self, num_classes=10):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
            self.relu1 = nn.ReLU()
            self.lrn = nn.LocalResponseNorm(5, alpha=0.5, beta=0.75, k=2.0)
            self.conv2 = nn.Conv2d(8, 8, 3, stride=2, padding=1)
            self.relu2 = nn.ReLU()
            self.maxpool1d = nn.MaxPool1d(3, stride=2, padding=1)
            self.avgpool1d = nn.AvgPool1d(3, stride=2, padding=1)
            self.fc = nn.Linear(8, num_classes)

        def forward(self, x):
            x = self.lrn(self.relu1(self.conv1(x)))                     # 8x16x16
            x = self.relu2(self.conv2(x))                                # 8x8x8
            x = self.avgpool1d(self.maxpool1d(x.flatten(2)))             # 8x64 -> 8x32 -> 8x16
            # (staying 1-D to the end keeps every 4-D layer's receptive field an exact rectangle)
            return self.fc(x.mean(dim=-1))                               # ReduceMean over axis -1

    return dict(net=Pool1dLrnNet(), hw=16,
                targets=[("neuron", "relu2", "out"),
                         ("channel", "lrn", "out")])


BUILDERS = {
    "alexnet": mk_alexnet, "vgg": mk_vgg, "resnet": mk_resnet, "squeezenet": mk_squeezenet,
    "googlenet": mk_googlenet, "densenet": mk_densenet, "mobilenetv2": mk_mobilenetv2,
    "shufflenetv2": mk_shufflenetv2, "efficientnet": mk_efficientnet,
    "alexnet_caffe": mk_alexnet_caffe, "layers": mk_layers,
    "normalization": mk_normalization, "pool1d_lrn": mk_pool1d_lrn,
}

# ----------------------------------------------------------------------------
# Model preparation: ReLU replacement, initialisation
# ----------------------------------------------------------------------------


def replace_relus(module):
    for name, child in list(module.named_children()):
        if type(child) is nn.ReLU:
            setattr(module, name, RuleReLU())
        elif isinstance(child, nn.Hardtanh) and child.min_val == 0 and child.max_val == 6:
            setattr(module, name, RuleReLU(6.0))
        else:
            replace_relus(child)


def no_inplace(module):
    for m in module.modules():
        if hasattr(m, "inplace"):
            m.inplace = False


def seed_of(name):
    return zlib.crc32(name.encode()) % 100000


def calibrate(net, x_cal, gen, bn_gamma=(0.5, 1.5), logit_bias=0.0):
    """One data-dependent pass (like LSUV): every Conv/Linear is rescaled so that its
    output has unit std on the calibration batch; every BatchNorm gets running stats
    near the actual batch stats (mean + N(0,0.1)*std, var * U(0.5,1.5)) and random
    affine parameters (gamma ~ U(bn_gamma), beta ~ N(0,0.1))."""
    hooks = []
    convs = (nn.Conv2d, nn.Linear, nn.ConvTranspose2d)
    last_linear = [m for m in net.modules() if isinstance(m, convs)][-1]

    def conv_hook(m, inp, out):
        s = out.std()
        m.weight.div_(s)
        if m.bias is not None:
            m.bias.div_(s)
        if m is last_linear and logit_bias and m.bias is not None:
            m.bias.add_(logit_bias)
            return out / s + logit_bias
        return out / s

    def bn_pre_hook(m, inp):
        x = inp[0]
        C = x.shape[1]
        mean = x.mean(dim=(0, 2, 3))
        var = x.var(dim=(0, 2, 3), unbiased=False)
        m.running_mean.copy_(mean + torch.randn(C, generator=gen) * 0.1 * var.sqrt())
        m.running_var.copy_(var * (torch.rand(C, generator=gen) + 0.5))
        lo, hi = bn_gamma
        m.weight.copy_(torch.rand(C, generator=gen) * (hi - lo) + lo)
        m.bias.copy_(torch.randn(C, generator=gen) * 0.1)

    for m in net.modules():
        if isinstance(m, convs):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.BatchNorm2d):
            hooks.append(m.register_forward_pre_hook(bn_pre_hook))
    with torch.no_grad():
        net(x_cal)
    for h in hooks:
        h.remove()


# ----------------------------------------------------------------------------
# ONNX export and post-processing
# ----------------------------------------------------------------------------

def scope_to_module(node_name):
    """'/stage3/stage3.1/branch2/branch2.7/Relu' -> 'stage3.1.branch2.7' (torch 1.13 scope names)."""
    segs = node_name.strip("/").split("/")[:-1]
    path, prev = "", None
    for s in segs:
        if prev is not None and s.startswith(prev + "."):
            path += s[len(prev):]
        else:
            path = path + ("." if path else "") + s
        prev = s
    return path


INIT_ROLES = {"Conv": ["weight", "bias"], "ConvTranspose": ["weight", "bias"], "Gemm": ["weight", "bias"],
              "BatchNormalization": ["scale", "bias", "mean", "var"], "PRelu": ["slope"], "MatMul": ["weight"]}


def postprocess_onnx(mp, fold_avgpool_pad=False):
    """Identity->initializer copies, optional Pad+AveragePool folding, readable names.
    Returns {new node name: module path (from torch's scope name)}."""
    from onnx import helper
    g = mp.graph
    inits = {i.name: i for i in g.initializer}

    # (1) Identity nodes on initializers (duplicated folded constants): OpenCV 4.6 rejects them
    keep = []
    for n in g.node:
        if n.op_type == "Identity" and n.input[0] in inits:
            t = copy.deepcopy(inits[n.input[0]])
            t.name = n.output[0]
            g.initializer.append(t)
            inits[t.name] = t
        else:
            keep.append(n)
    assert not any(n.op_type == "Identity" for n in keep)

    # (2) torch exports AvgPool2d(count_include_pad=True, padding>0) as Pad + AveragePool.
    #     Fold the (symmetric, zero) Pad into AveragePool pads with count_include_pad=1.
    if fold_avgpool_pad:
        consumers = {}
        for n in keep:
            for i in n.input:
                consumers.setdefault(i, []).append(n)
        drop = set()
        for n in keep:
            if n.op_type != "Pad" or len(consumers.get(n.output[0], [])) != 1:
                continue
            nxt = consumers[n.output[0]][0]
            if nxt.op_type != "AveragePool":
                continue
            attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
            pads = list(attrs["pads"])
            mode = attrs.get("mode", b"constant")
            if mode not in (b"constant", "constant") or attrs.get("value", 0.0) != 0.0:
                continue
            if pads[0] or pads[1] or pads[4] or pads[5] or pads[2] != pads[6] or pads[3] != pads[7]:
                continue
            pa = {a.name: a for a in nxt.attribute}
            if "pads" in pa and any(helper.get_attribute_value(pa["pads"])):
                continue
            for a in list(nxt.attribute):
                if a.name in ("pads", "count_include_pad"):
                    nxt.attribute.remove(a)
            nxt.attribute.extend([helper.make_attribute("pads", [pads[2], pads[3], pads[6], pads[7]]),
                                  helper.make_attribute("count_include_pad", 1)])
            nxt.input[0] = n.input[0]
            drop.add(id(n))
        keep = [n for n in keep if id(n) not in drop]
    del g.node[:]
    g.node.extend(keep)

    # (3) names: node = op type lowercased + running index; values = node name (+_i);
    #     initializers = <node>.<role>
    cnt, scope = {}, {}
    rename = {}
    graph_io = {v.name for v in g.input} | {v.name for v in g.output}
    for n in g.node:
        k = n.op_type.lower()
        cnt[k] = cnt.get(k, 0) + 1
        new = f"{k}{cnt[k]}"
        scope[new] = scope_to_module(n.name) if n.name.startswith("/") else ""
        n.name = new
        for i, o in enumerate(n.output):
            if o and o not in graph_io:
                rename[o] = new if i == 0 else f"{new}_{i}"
    for n in g.node:
        roles = INIT_ROLES.get(n.op_type, [])
        for i, inp in enumerate(n.input):
            if inp in inits and inp not in rename and inp not in graph_io:
                role = roles[i - 1] if 0 < i <= len(roles) else f"in{i}"
                rename[inp] = f"{n.name}.{role}"
    for n in g.node:
        for i, v in enumerate(n.input):
            n.input[i] = rename.get(v, v)
        for i, v in enumerate(n.output):
            n.output[i] = rename.get(v, v)
    for t in g.initializer:
        t.name = rename.get(t.name, t.name)
    for vi in g.value_info:
        vi.name = rename.get(vi.name, vi.name)
    mp.producer_name = "pytorch"   # OpenCV keys PyTorch-specific Resize/AvgPool semantics on this
    onnx.checker.check_model(mp)
    return scope


def export_onnx(model, x, keep_bn, fold_avgpool_pad):
    from torch.onnx import TrainingMode
    f = io.BytesIO()
    STATE["export"] = True
    STATE["rule"] = "standard"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, x, f, opset_version=OPSET, do_constant_folding=True,
                              input_names=["input"], output_names=["output"],
                              training=TrainingMode.PRESERVE if keep_bn else TrainingMode.EVAL)
    finally:
        STATE["export"] = False
    mp = onnx.load_from_string(f.getvalue())
    scope = postprocess_onnx(mp, fold_avgpool_pad)
    return mp, scope


def clip_min(node):
    """The lower bound of an opset-10 Clip node (its attribute; -inf when absent)."""
    from onnx import helper
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    return float(attrs.get("min", -float("inf")))


def find_target_node(mp, scope, module_path, io_kind):
    """ONNX node whose output is the module's output ('out') or input ('in')."""
    nodes = [n for n in mp.graph.node if n.op_type != "Constant"]
    inside = [n for n in nodes if scope[n.name] == module_path or scope[n.name].startswith(module_path + ".")]
    assert inside, f"no ONNX node for module {module_path}"
    if io_kind == "out":
        return inside[-1].name
    producers = {o: n for n in nodes for o in n.output}
    src = producers[inside[0].input[0]]
    assert list(src.output).index(inside[0].input[0]) == 0
    return src.name


# ----------------------------------------------------------------------------
# Caffe export (alexnet_caffe)
# ----------------------------------------------------------------------------

def load_caffe_pb2(opencv_src, tmp):
    proto_dir = os.path.join(opencv_src, "modules", "dnn", "src", "caffe")
    subprocess.check_call(["protoc", f"-I{proto_dir}", f"--python_out={tmp}",
                           os.path.join(proto_dir, "opencv-caffe.proto")])
    sys.path.insert(0, tmp)
    try:
        return importlib.import_module("opencv_caffe_pb2")
    finally:
        sys.path.remove(tmp)


def export_caffe(pb2, net, node_of_module, x_shape, prototxt_path, caffemodel_path):
    """Write the AlexNetCaffe module as Caffe prototxt + caffemodel.  Layer names equal
    the ONNX node names (without OpenCV's 'onnx_node!' prefix); ReLU and Dropout are
    in-place as in bvlc_alexnet's deploy.prototxt."""
    from google.protobuf import text_format
    P = pb2.NetParameter()
    P.name = "alexnet_caffe"
    P.input.append("data")
    P.input_shape.add().dim.extend(list(x_shape))
    bottom = "data"
    n_drop = 0
    mods = [("net.features." + k, m) for k, m in net.net.features.named_children()] + \
           [("net.classifier." + k, m) for k, m in net.net.classifier.named_children()]

    def blob(t):
        b = pb2.BlobProto()
        a = t.detach().cpu().numpy().astype(np.float32)
        b.shape.dim.extend(list(a.shape))
        b.data.extend(a.ravel().tolist())
        return b

    for path, m in mods:
        L = P.layer.add()
        if isinstance(m, nn.Dropout):
            n_drop += 1
            L.name = f"dropout{n_drop}"
        else:
            L.name = node_of_module[path]
        L.bottom.append(bottom)
        if isinstance(m, nn.Conv2d):
            L.type = "Convolution"
            cp = L.convolution_param
            cp.num_output = m.out_channels
            cp.kernel_size.append(m.kernel_size[0])
            cp.stride.append(m.stride[0])
            if m.padding[0]:
                cp.pad.append(m.padding[0])
            if m.groups != 1:
                cp.group = m.groups
            L.blobs.extend([blob(m.weight), blob(m.bias)])
        elif isinstance(m, RuleReLU):
            L.type = "ReLU"
        elif isinstance(m, LRN):
            L.type = "LRN"
            lp = L.lrn_param
            lp.local_size, lp.alpha, lp.beta, lp.k = m.size, m.alpha, m.beta, m.k
        elif isinstance(m, nn.MaxPool2d):
            assert m.ceil_mode and m.padding == 0
            L.type = "Pooling"
            pp = L.pooling_param
            pp.pool = pb2.PoolingParameter.MAX
            pp.kernel_size, pp.stride = m.kernel_size, m.stride
        elif isinstance(m, nn.Linear):
            L.type = "InnerProduct"
            L.inner_product_param.num_output = m.out_features
            L.blobs.extend([blob(m.weight), blob(m.bias)])
        elif isinstance(m, nn.Dropout):
            L.type = "Dropout"
            L.dropout_param.dropout_ratio = m.p
        else:
            raise TypeError(type(m))
        inplace = L.type in ("ReLU", "Dropout")
        top = bottom if inplace else L.name
        L.top.append(top)
        bottom = top
    L = P.layer.add()
    L.name = node_of_module["final"]
    L.type = "Softmax"
    L.bottom.append(bottom)
    L.top.append(L.name)

    with open(caffemodel_path, "wb") as f:
        f.write(P.SerializeToString(deterministic=True))
    for L in P.layer:
        del L.blobs[:]
    with open(prototxt_path, "w") as f:
        f.write(text_format.MessageToString(P))


# ----------------------------------------------------------------------------
# Gradients
# ----------------------------------------------------------------------------

def capture(model, module_path, io_kind):
    """Register a hook that stores the module's output / first input in box[0]."""
    m = model.get_submodule(module_path)
    box = []
    if io_kind == "out":
        h = m.register_forward_hook(lambda mod, i, o: box.append(o))
    else:
        h = m.register_forward_pre_hook(lambda mod, i: box.append(i[0]))
    return box, h


def score_fn(model, target):
    """Returns f(x) -> scalar score for a target (sum over the batch)."""
    kind = target["kind"]
    if kind == "class":
        cls = torch.tensor(target["classes"])

        def f(x):
            z = model.net(x)
            return z[torch.arange(z.shape[0]), cls].sum()
        return f

    def f(x):
        box, h = capture(model, target["module"], target["io"])
        try:
            model(x)
        finally:
            h.remove()
        t = box[0]
        if kind == "neuron":
            return t[:, target["channel"], target["y"], target["x"]].sum()
        return t[:, target["channel"]].sum()
    return f


def input_grad(model, x, target, rule, impl="function"):
    STATE["rule"], STATE["impl"] = rule, impl
    try:
        xx = x.clone().requires_grad_(True)
        s = score_fn(model, target)(xx)
        (g,) = torch.autograd.grad(s, xx)
    finally:
        STATE["rule"], STATE["impl"] = "standard", "function"
    return g


def finite_difference_check(model, x, target, g, rng, n_coords=10, epss=(1e-5, 1e-6)):
    f = score_fn(model, target)
    gf = g.reshape(-1)
    mag = gf.abs()
    big = torch.nonzero(mag > 0.1 * mag.max()).reshape(-1).numpy()
    nb = min(n_coords - 3, len(big))
    coords = list(rng.choice(big, size=nb, replace=False)) + \
        list(rng.choice(gf.numel(), size=n_coords - nb, replace=False))
    worst = 0.0
    with torch.no_grad():
        for c in coords:
            errs = []
            for eps in epss:   # two step sizes: one of them may cross a ReLU kink
                xp = x.clone().reshape(-1)
                xm = x.clone().reshape(-1)
                xp[c] += eps
                xm[c] -= eps
                fd = (f(xp.reshape(x.shape)) - f(xm.reshape(x.shape))).item() / (2 * eps)
                errs.append(abs(fd - gf[c].item()) / max(abs(gf[c].item()), 1e-2 * mag.max().item(), 1e-300))
            worst = max(worst, min(errs))
    return worst


def forward_stats(model, x):
    """Forward statistics that matter for reproducing the gradients in float32:
    relu_margin  smallest distance of any ReLU/ReLU6/LeakyReLU/PReLU input to a kink (0, and 6
                 for ReLU6), and smallest |a - b| of an elementwise Max
    pool_gap     smallest non-zero gap between the maximum of a max-pool window and the
                 next smaller value in that window
    ties         number of max-pool windows whose maximum is attained more than once
                 (all-zero windows behind a ReLU; matters for the deconvnet rule only)
    plus counts of ReLU modules / units and of ReLU6 inputs above 6."""
    relus, pools, kinks, hooks = [], [], [], []
    for m in model.modules():
        if isinstance(m, RuleReLU):
            hooks.append(m.register_forward_pre_hook(lambda mod, i: relus.append((mod.upper, i[0].detach()))))
        elif isinstance(m, (nn.LeakyReLU, nn.PReLU)):
            hooks.append(m.register_forward_pre_hook(lambda mod, i: kinks.append(i[0].detach())))
        elif isinstance(m, EltMax):
            hooks.append(m.register_forward_pre_hook(lambda mod, i: kinks.append((i[0] - i[1]).detach())))
        elif isinstance(m, (nn.MaxPool2d, nn.MaxPool1d)):
            hooks.append(m.register_forward_hook(lambda mod, i, o: pools.append((mod, i[0].detach(), o.detach()))))
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    st = {"relu_margin": float("inf"), "relu6_above": 0, "relu_units": 0, "relu_modules": len(relus),
          "ties": 0, "pool_gap": float("inf")}
    for up, v in relus:
        d = v.abs()
        if up is not None:
            d = torch.minimum(d, (v - up).abs())
            st["relu6_above"] += int((v > up).sum())
        st["relu_margin"] = min(st["relu_margin"], float(d.min()))
        st["relu_units"] += v.numel()
    for v in kinks:   # LeakyReLU / PReLU inputs, differences of Max inputs
        st["relu_margin"] = min(st["relu_margin"], float(v.abs().min()))
    for m, inp, out in pools:
        k, s, p = (v if isinstance(v, int) else v[0] for v in (m.kernel_size, m.stride, m.padding))
        if inp.dim() == 3:   # MaxPool1d: one row
            inp, out = inp.unsqueeze(2), out.unsqueeze(2)
            kh, sh, ph = 1, 1, 0
        else:
            kh, sh, ph = k, s, p
        H, W = inp.shape[2:]
        for oy in range(out.shape[2]):
            for ox in range(out.shape[3]):
                y0, x0 = oy * sh - ph, ox * s - p
                win = inp[:, :, max(y0, 0):min(y0 + kh, H), max(x0, 0):min(x0 + k, W)].flatten(2)
                mx = out[:, :, oy:oy + 1, ox]
                st["ties"] += int(((win == mx).sum(dim=2) > 1).sum())
                below = torch.where(win < mx, win, torch.full_like(win, -float("inf"))).max(dim=2).values
                st["pool_gap"] = min(st["pool_gap"], float((mx[:, :, 0] - below).min()))
    return st


def pick_neuron(t, upper=None):
    """(c, y, x) in the central half of the map maximising min over the batch
    (excluding saturated ReLU6 outputs, whose gradient would be zero)."""
    t = t.detach()
    if upper is not None:
        t = torch.where((t >= upper).any(dim=0, keepdim=True).expand_as(t), torch.full_like(t, -1e30), t)
    H, W = t.shape[2:]
    y0, y1 = H // 4, max(H // 4 + 1, (3 * H + 3) // 4)
    x0, x1 = W // 4, max(W // 4 + 1, (3 * W + 3) // 4)
    sub = t[:, :, y0:y1, x0:x1].min(dim=0).values
    idx = int(torch.argmax(sub.reshape(-1)))
    c, r = divmod(idx, sub.shape[1] * sub.shape[2])
    y, x = divmod(r, sub.shape[2])
    return c, y + y0, x + x0


def pick_channel(t):
    t = t.detach()
    return int(torch.argmax(t.abs().mean(dim=(2, 3)).min(dim=0).values))


# ----------------------------------------------------------------------------
# Per-model generation
# ----------------------------------------------------------------------------

def save_npy(path, a):
    a = np.ascontiguousarray(np.asarray(a, dtype=np.float32))
    np.save(path, a, allow_pickle=False)


def generate(name, out_dir, opencv_src, caffe_tmp):
    t0 = time.time()
    seed = seed_of(name)
    torch.manual_seed(seed)
    spec = BUILDERS[name]()
    net = spec["net"]
    replace_relus(net)
    no_inplace(net)
    model = Head(net, spec.get("head")).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    hw = spec["hw"]
    gen = torch.Generator().manual_seed(seed + 1)
    x_cal = torch.randn(8, 3, hw, hw, generator=gen)
    calibrate(net, x_cal, gen, spec.get("bn_gamma", (0.5, 1.5)), spec.get("logit_bias", 0.0))
    # input: N(0,1) with a fixed seed; if some ReLU input lies closer than MARGIN to a kink
    # (or two max-pool candidates closer than MARGIN), a float32 forward pass could take the
    # other branch, so the next seed is used instead (deterministic)
    m64 = copy.deepcopy(model).double()
    for trial in range(100):
        x = torch.randn(2, 3, hw, hw, generator=torch.Generator().manual_seed(seed + 2 + 1000 * trial))
        stats = forward_stats(m64, x.double())
        if min(stats["relu_margin"], stats["pool_gap"]) >= MARGIN:
            break
    else:
        raise RuntimeError(f"{name}: no input with kink margin >= {MARGIN}")
    stats["input_trial"] = trial
    relu_modules = [m for m in model.modules() if isinstance(m, RuleReLU)]

    # every RuleReLU must run exactly once per forward
    calls = {}
    hs = [m.register_forward_pre_hook(lambda mod, i: calls.__setitem__(id(mod), calls.get(id(mod), 0) + 1))
          for m in relu_modules]
    with torch.no_grad():
        model(x)
    for h in hs:
        h.remove()
    assert all(calls.get(id(m)) == 1 for m in relu_modules), "a ReLU module is unused or reused"

    # ---- ONNX
    mp, scope = export_onnx(model, x, spec.get("keep_bn", False), spec.get("fold_avgpool_pad", False))
    ops = [n.op_type for n in mp.graph.node]
    # rectifiers: Relu and Clip(min=0); F.normalize's Clip(min=1e-12) is part of cv::dnn's Normalize
    n_relu_onnx = sum(n.op_type == "Relu" or (n.op_type == "Clip" and clip_min(n) == 0.0) for n in mp.graph.node)
    assert n_relu_onnx == len(relu_modules), f"functional ReLU left: {n_relu_onnx} vs {len(relu_modules)}"
    mdir = os.path.join(out_dir, name)
    os.makedirs(mdir, exist_ok=True)
    onnx_path = os.path.join(mdir, "model.onnx")
    with open(onnx_path, "wb") as f:
        f.write(mp.SerializeToString())
    node_of_module = {}
    for n in mp.graph.node:
        if n.op_type != "Constant" and scope[n.name]:
            node_of_module[scope[n.name]] = n.name      # last node of each module
    logits_node = [n for n in mp.graph.node if "output" in n.output][0]
    if spec.get("head"):
        producers = {o: n for n in mp.graph.node for o in n.output}
        logits_node = producers[logits_node.input[0]]
    logits_layer = "onnx_node!" + logits_node.name

    # ---- reference values in float64 (same float32 weights, evaluated in double)
    x64 = x.double()
    with torch.no_grad():
        out64 = m64(x64)
        logits64 = m64.net(x64)
    lstd = float(logits64.std())
    assert 0.2 < lstd < 20, f"logit std {lstd}"

    # class target: [3, 7] unless a class has an all-zero gradient for its sample (possible
    # when the logits come out of a ReLU, as in SqueezeNet); then use that sample's top class
    classes = list(spec.get("classes", [3, 7]))
    g0 = input_grad(m64, x64, {"kind": "class", "classes": classes}, "standard")
    for n in range(len(classes)):
        if not bool((g0[n] != 0).any()):
            order = [int(k) for k in torch.argsort(logits64[n], descending=True)]
            classes[n] = [k for k in order if k not in classes][0]
    targets = [{"kind": "class", "classes": classes}]
    for kind, mpath, io_kind in spec["targets"]:
        box, h = capture(m64, "net." + mpath, io_kind)
        with torch.no_grad():
            m64(x64)
        h.remove()
        t = box[0]
        tg = {"kind": kind, "module": "net." + mpath, "io": io_kind,
              "node": find_target_node(mp, scope, "net." + mpath, io_kind), "tensor": t}
        if kind == "neuron":
            mod = m64.get_submodule("net." + mpath)
            upper = mod.upper if isinstance(mod, RuleReLU) and io_kind == "out" else None
            tg["channel"], tg["y"], tg["x"] = pick_neuron(t, upper)
        else:
            tg["channel"] = pick_channel(t)
        targets.append(tg)

    # ---- cv2.dnn check of the ONNX model
    def cv_check(net_cv, layer_of):
        names = list(net_cv.getLayerNames())
        wanted = [layer_of(tg["node"]) for tg in targets[1:]]
        for w in wanted + [layer_of(logits_node.name)]:
            assert w in names, f"{w} not among OpenCV layers"
        net_cv.setInput(x.numpy())
        outs = net_cv.forward([names[-1], layer_of(logits_node.name)] + wanted)
        errs = {"output": rel_l2(outs[0].reshape(out64.shape), out64.numpy()),
                "logits": rel_l2(outs[1].reshape(logits64.shape), logits64.numpy())}
        for tg, o in zip(targets[1:], outs[2:]):
            errs[tg["kind"]] = rel_l2(o.reshape(tg["tensor"].shape), tg["tensor"].numpy())
        for k, e in errs.items():
            assert e < TOL_FORWARD, f"{name}: cv2.dnn {k} differs from PyTorch: rel L2 {e:.2e}"
        return errs, outs[0]

    net_cv = read_cv_net(mdir, {"model": "model.onnx"})
    errs, out_cv = cv_check(net_cv, lambda n: "onnx_node!" + n)
    layers = cv_layers(net_cv)
    layer_types = sorted({t for _, t in layers})

    ref = {"model": "model.onnx"}
    caffe_info = None
    if spec.get("caffe"):
        pb2 = load_caffe_pb2(opencv_src, caffe_tmp)
        export_caffe(pb2, model, node_of_module, list(x.shape),
                     os.path.join(mdir, "model.prototxt"), os.path.join(mdir, "model.caffemodel"))
        net_cf = read_cv_net(mdir, {"caffe": {"prototxt": "model.prototxt", "caffemodel": "model.caffemodel"}},
                             caffe=True)
        errs_cf, out_cf = cv_check(net_cf, lambda n: n)
        e_cf_onnx = rel_l2(out_cf, out_cv)
        assert e_cf_onnx < TOL_FORWARD, f"Caffe vs ONNX in cv2.dnn: {e_cf_onnx}"
        cl = cv_layers(net_cf)
        caffe_info = {"prototxt": "model.prototxt", "caffemodel": "model.caffemodel",
                      "logits_layer": logits_node.name,
                      "opencv_layer_types": sorted({t for _, t in cl}), "opencv_layers": cl}
        ref["caffe"] = caffe_info
        errs["caffe_vs_onnx"] = e_cf_onnx
        errs.update({"caffe_" + k: v for k, v in errs_cf.items()})

    # ---- gradients
    save_npy(os.path.join(mdir, "input.npy"), x.numpy())
    save_npy(os.path.join(mdir, "output.npy"), out64.numpy())
    save_npy(os.path.join(mdir, "logits.npy"), logits64.numpy())
    rng = np.random.RandomState(seed)
    cases, fd_worst, hook_worst, nonzero = [], 0.0, 0.0, True
    grads = {}
    for tg in targets:
        for rule in RULES:
            g = input_grad(m64, x64, tg, rule)
            if rule != "standard":
                g2 = input_grad(m64, x64, tg, rule, impl="hook")
                hook_worst = max(hook_worst, float((g - g2).abs().max() / g.abs().max().clamp(min=1e-300)))
            else:
                fd_worst = max(fd_worst, finite_difference_check(m64, x64, tg, g, rng))
            for n in range(g.shape[0]):
                if not bool((g[n] != 0).any()):
                    nonzero = False
                    print(f"  warning: {name} {rule} {tg['kind']}: zero gradient for sample {n}")
            fname = f"grad_{rule}_{tg['kind']}.npy"
            save_npy(os.path.join(mdir, fname), g.numpy())
            grads[(rule, tg["kind"])] = g
            jt = {"kind": tg["kind"]}
            if tg["kind"] == "class":
                jt["classes"] = list(tg["classes"])
            else:
                jt["layer"] = "onnx_node!" + tg["node"]
                if caffe_info:
                    jt["caffe_layer"] = tg["node"]
                jt["channel"] = tg["channel"]
                if tg["kind"] == "neuron":
                    jt["y"], jt["x"] = tg["y"], tg["x"]
            cases.append({"rule": rule, "target": jt, "grad": fname})

    ref.update({"input": "input.npy", "input_shape": list(x.shape), "output": "output.npy",
                "logits": "logits.npy", "logits_layer": logits_layer,
                "opencv_layer_types": layer_types, "opencv_layers": layers, "cases": cases})
    # caffe key order: keep "model", "caffe" first as in the format description
    with open(os.path.join(mdir, "reference.json"), "w") as f:
        f.write(dump_json(ref) + "\n")

    same_rules = all(torch.equal(grads[("standard", k)], grads[(r, k)])
                     for r in RULES[1:] for k in ("class", "neuron", "channel"))
    info = {"name": name, "seconds": time.time() - t0, "onnx_ops": sorted(set(ops)), "layer_types": layer_types,
            "errs": errs, "fd": fd_worst, "hook": hook_worst, "logit_std": lstd, "stats": stats,
            "rules_identical": same_rules, "nonzero": nonzero, "classes": classes,
            "targets": [(t["kind"], t.get("node"), t.get("channel"), t.get("y"), t.get("x")) for t in targets[1:]],
            "caffe_types": caffe_info["opencv_layer_types"] if caffe_info else None,
            "hw": hw, "onnx_bytes": os.path.getsize(onnx_path)}
    return info


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT, help="output directory (default: data/reference)")
    ap.add_argument("--opencv-src", default=DEFAULT_OPENCV_SRC,
                    help="OpenCV 4.6 source tree (for modules/dnn/src/caffe/opencv-caffe.proto)")
    ap.add_argument("--models", default=",".join(MODEL_ORDER), help="comma-separated subset")
    ap.add_argument("--check", action="store_true", help="only verify existing files with cv2.dnn")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (default 1: on the shared 2-core machine, 2 OpenMP threads "
                         "made these tiny float64 convolutions ~100x slower)")
    args = ap.parse_args()
    models = [m for m in args.models.split(",") if m]
    for m in models:
        if m not in MODEL_ORDER:
            ap.error(f"unknown model {m}")

    if args.check:
        ok = check_dir(args.out, models)
        print("check:", "OK" if ok else "FAILED")
        return 0 if ok else 1

    torch_imports()
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    define_modules()
    import cv2
    assert cv2.__version__.startswith("4.6"), cv2.__version__
    t0 = time.time()
    os.makedirs(args.out, exist_ok=True)
    infos = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in models:
            mdir = os.path.join(args.out, name)
            if os.path.isdir(mdir):
                shutil.rmtree(mdir)
            info = generate(name, args.out, args.opencv_src, tmp)
            infos.append(info)
            e = info["errs"]
            print(f"[{name}] input {info['hw']}x{info['hw']}  {info['seconds']:.1f}s  "
                  f"cv2 vs torch: output {e['output']:.1e} logits {e['logits']:.1e} "
                  f"targets {max(v for k, v in e.items() if k in ('neuron', 'channel')):.1e}"
                  + (f"  caffe vs onnx {e['caffe_vs_onnx']:.1e}" if "caffe_vs_onnx" in e else ""))
            print(f"    FD max rel err (standard) {info['fd']:.1e}; hook-vs-function (guided/deconvnet) "
                  f"{info['hook']:.1e}; logit std {info['logit_std']:.2f}")
            st = info["stats"]
            print(f"    ReLU: {st['relu_modules']} modules, {st['relu_units']} units, min |x - kink| "
                  f"{st['relu_margin']:.1e}, ReLU6 inputs > 6: {st['relu6_above']}; max-pool: min gap "
                  f"{st['pool_gap']:.1e}, windows with ties {st['ties']}; input seed trial {st['input_trial']}"
                  + ("; guided == deconvnet == standard (no ReLU)" if info["rules_identical"] else ""))
            print(f"    classes {info['classes']}, onnx {info['onnx_bytes']} bytes")
            print(f"    targets: {info['targets']}")
            print(f"    OpenCV layer types: {', '.join(info['layer_types'])}")
            if info["caffe_types"]:
                print(f"    OpenCV layer types (Caffe): {', '.join(info['caffe_types'])}")
    total = 0
    for root, _, files in os.walk(args.out):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    print(f"total size of {args.out}: {total / 1e6:.2f} MB (apparent); time {time.time() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
