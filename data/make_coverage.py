#!/usr/bin/python3
"""Layer-coverage models for the cv::interp backward pass, generated at test time.

In the spirit of OpenCV's own ONNX layer tests (opencv_extra's generate_onnx_models.py, one tiny
model per operator), this script builds one small random-weight PyTorch model per operator
variant and per common CNN block (residual, bottleneck, squeeze-excitation, inception, fire,
inverted residual, MBConv, dense, shuffle, U-Net, FPN, ASPP, CBAM, SPPF, non-local attention),
each taking one N x C x H x W input, exports it to ONNX (opset 10, the opset OpenCV 4.6 loads
for torchvision models; the lowest later opset when torch cannot export the operator at 10), and
asks cv2.dnn to run it:

* cv2.dnn loads it and its output matches PyTorch (relative L2 below 1e-4): status "ok". The
  directory then holds the model, the input, a random output seed R, the PyTorch output, and
  the input gradients of sum(R * output) computed with autograd in float64: standard, and
  guided backprop / deconvnet when every rectifier is a module (as in data/make_reference.py).
* otherwise status "load", "forward" or "mismatch" (what cv::dnn 4.6 itself cannot run), or
  "export" (torch cannot export the operator at any opset up to 13), with the reason. The list is
  printed and kept in the manifest; the C++ test prints it too.

The C++ side is modules/interp/test/test_coverage.cpp (CTest: interp_coverage, which runs this
script into the build tree first). Every "ok" model must backpropagate through cv::interp and
match the PyTorch gradients.

    /usr/bin/python3 data/make_coverage.py --out build/coverage        # all cases (~15 s)
    /usr/bin/python3 data/make_coverage.py --out /tmp/cov --only fire,unet

Deterministic: fixed seeds per case (crc32 of its name).
"""

import argparse
import io
import json
import os
import shutil
import sys
import time
import warnings
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_reference as ref  # noqa: E402  (shared: RuleReLU, ONNX post-processing, kink statistics)

OPSETS = (10, 11, 12, 13)
TOL_FORWARD = 1e-4
MARGIN = 3e-5
N, C, H, W = 2, 3, 12, 12

torch = nn = F = None


# ----------------------------------------------------------------------------
# Building blocks of the cases
# ----------------------------------------------------------------------------

def lam(fn, *modules):
    """A module applying fn(x, *modules); the modules are registered (their weights exported)."""
    class Lambda(nn.Module):
        def __init__(self):
            super().__init__()
            self.mods = nn.ModuleList(modules)

        def forward(self, x):
            return fn(x, *self.mods)
    return Lambda()


def seq(*modules):
    return nn.Sequential(*modules)


def conv_bn_relu(cin, cout, k=3, s=1, p=1, groups=1):
    return seq(nn.Conv2d(cin, cout, k, s, p, groups=groups, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


def op_cases():
    """(name, module) for single operators and operator variants."""
    c = []
    add = lambda name, m: c.append((name, m))
    # convolution
    add("conv3x3", nn.Conv2d(3, 4, 3, padding=1))
    add("conv_stride2", nn.Conv2d(3, 4, 3, stride=2, padding=1))
    add("conv_rect_kernel", nn.Conv2d(3, 4, (5, 3), stride=(2, 1), padding=(2, 0)))
    add("conv_dilated", nn.Conv2d(3, 4, 3, padding=2, dilation=2))
    add("conv_grouped", nn.Conv2d(3, 6, 3, padding=1, groups=3))
    add("conv_depthwise", seq(nn.Conv2d(3, 8, 1), nn.Conv2d(8, 8, 3, padding=1, groups=8)))
    add("conv_no_bias", nn.Conv2d(3, 4, 3, bias=False))
    add("conv_1x1", nn.Conv2d(3, 5, 1))
    add("conv_asymmetric_pad", lam(lambda x, cv: cv(F.pad(x, (0, 1, 2, 0))), nn.Conv2d(3, 4, 3, stride=2)))
    add("two_convolutions", seq(nn.Conv2d(3, 6, (5, 3), padding=1), nn.Conv2d(6, 4, 5, stride=2, padding=(0, 2))))
    # transposed convolution
    add("deconv_stride2", nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1))
    add("deconv_k4s2p1", nn.ConvTranspose2d(3, 4, 4, stride=2, padding=1))
    add("deconv_grouped", nn.ConvTranspose2d(3, 6, 2, stride=2, groups=3))
    add("deconv_rect", nn.ConvTranspose2d(3, 4, (3, 2), stride=(1, 2), padding=(1, 0), output_padding=(0, 1)))
    # pooling
    add("maxpool2", nn.MaxPool2d(2))
    add("maxpool3s2_ceil", nn.MaxPool2d(3, 2, ceil_mode=True))
    add("maxpool_rect_padded", nn.MaxPool2d((5, 3), stride=3, padding=1))
    add("maxpool3s1_padded", nn.MaxPool2d(3, 1, padding=1))
    add("maxpool_dilated", nn.MaxPool2d(3, 1, dilation=2))
    add("avgpool3s2_padded", nn.AvgPool2d(3, 2, padding=1))
    add("avgpool_exclude_pad", nn.AvgPool2d(3, 2, padding=1, count_include_pad=False))
    add("avgpool_ceil", nn.AvgPool2d(3, 2, ceil_mode=True))
    add("adaptive_avgpool_1x1", nn.AdaptiveAvgPool2d(1))
    add("adaptive_avgpool_2x2", nn.AdaptiveAvgPool2d(2))
    add("adaptive_maxpool_1x1", nn.AdaptiveMaxPool2d(1))
    add("maxpool1d", lam(lambda x, p: p(x.flatten(2)), nn.MaxPool1d(3, 2, padding=1)))
    add("avgpool1d", lam(lambda x, p: p(x.flatten(2)), nn.AvgPool1d(4, 3, padding=1)))
    add("avgpool1d_exclude_pad", lam(lambda x, p: p(x.flatten(2)), nn.AvgPool1d(3, 2, padding=1, count_include_pad=False)))
    add("maxpool3d", lam(lambda x, p: p(x.unsqueeze(1)).squeeze(1), nn.MaxPool3d((2, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1))))
    add("avgpool3d", lam(lambda x, p: p(x.unsqueeze(1)).squeeze(1), nn.AvgPool3d((2, 2, 3), stride=(1, 2, 1))))
    # activations
    for name, m in [("relu", nn.ReLU()), ("relu6", nn.ReLU6()), ("leaky_relu", nn.LeakyReLU(0.1)),
                    ("prelu_channels", nn.PReLU(3)), ("prelu_single", nn.PReLU()), ("elu", nn.ELU(0.7)),
                    ("selu", nn.SELU()), ("celu", nn.CELU(0.8)), ("gelu", nn.GELU()), ("sigmoid", nn.Sigmoid()),
                    ("tanh", nn.Tanh()), ("softplus", nn.Softplus()), ("softsign", nn.Softsign()),
                    ("hardtanh", nn.Hardtanh(-1.0, 1.0)), ("hardtanh_0_1", nn.Hardtanh(0.0, 1.0)),
                    ("hardswish", nn.Hardswish()), ("hardsigmoid", nn.Hardsigmoid()), ("silu", nn.SiLU()),
                    ("mish", nn.Mish()), ("logsigmoid", nn.LogSigmoid())]:
        add(name, m)
    add("abs", lam(lambda x: x.abs()))
    add("exp", lam(lambda x: torch.exp(0.5 * x)))
    add("log", lam(lambda x: torch.log(x * x + 1)))
    add("sqrt", lam(lambda x: torch.sqrt(x * x + 1)))
    add("square", lam(lambda x: x * x))
    add("pow3", lam(lambda x: torch.pow(x, 3.0)))
    add("reciprocal", lam(lambda x: torch.reciprocal(x * x + 1)))
    add("neg_rsub", lam(lambda x: 1.0 - x))
    add("sin_cos", lam(lambda x: torch.sin(x) + torch.cos(x)))
    add("erf", lam(lambda x: torch.erf(x)))
    add("clamp_min0", lam(lambda x: torch.clamp(x, min=0.0)))
    add("tan_atan", lam(lambda x: torch.atan(torch.tan(0.5 * x)) + torch.tan(0.3 * x)))
    add("asin_acos", lam(lambda x: torch.asin(0.9 * torch.tanh(x)) + torch.acos(0.5 * torch.tanh(x))))
    # (torch 1.13 cannot export sinh, cosh, asinh, acosh, atanh: the finite-difference rows cover them)
    add("hardshrink", nn.Hardshrink(0.5))
    add("softshrink", nn.Softshrink(0.5))
    add("floor_ceil_round_sign", lam(lambda x: x + torch.floor(x) + torch.ceil(x) + torch.round(x) + torch.sign(x)))
    # normalisation
    add("batchnorm", nn.BatchNorm2d(3))
    add("conv_batchnorm_relu", conv_bn_relu(3, 4))
    add("instancenorm_affine", nn.InstanceNorm2d(3, affine=True))
    add("instancenorm", nn.InstanceNorm2d(3))
    add("groupnorm", seq(nn.Conv2d(3, 4, 1), nn.GroupNorm(2, 4)))
    add("layernorm_chw", nn.LayerNorm([3, H, W]))
    add("local_response_norm", seq(nn.Conv2d(3, 6, 1), nn.LocalResponseNorm(3, alpha=0.3, beta=0.75, k=1.5)))
    add("l2_normalize_channels", lam(lambda x: F.normalize(x, p=2.0, dim=1)))
    add("l1_normalize_channels", lam(lambda x: F.normalize(x, p=1.0, dim=1)))
    add("l2_normalize_last_axis", lam(lambda x: x / torch.norm(x, p=2, dim=-1, keepdim=True)))
    add("pow_sum_sqrt_div", lam(lambda x: x / torch.sqrt(torch.sum(torch.pow(x, 2), dim=1, keepdim=True))))
    # fully connected
    add("flatten_linear", lam(lambda x, fc: fc(torch.flatten(x, 1)), nn.Linear(3 * H * W, 5)))
    add("linear_last_axis", nn.Linear(W, 5))
    add("global_pool_linear", lam(lambda x, fc: fc(x.mean((2, 3))), nn.Linear(3, 4)))
    # routing and shapes
    add("concat_channels", lam(lambda x, cv: torch.cat([x, cv(x)], 1), nn.Conv2d(3, 2, 3, padding=1)))
    add("concat_rows", lam(lambda x, cv: torch.cat([cv(x), x], 2), nn.Conv2d(3, 3, 1)))
    add("concat_negative_axis", lam(lambda x: torch.cat([x, x * 2], dim=-1)))
    add("split_negative_axis_concat", lam(lambda x: torch.cat(torch.split(x, [5, 7], dim=-1)[::-1], dim=-1)))
    add("split_channels_concat", lam(lambda x, cv: torch.cat([torch.split(x, [1, 2], 1)[1], cv(torch.split(x, [1, 2], 1)[0])], 1),
                                     nn.Conv2d(1, 2, 3, padding=1)))
    add("chunk_rows", lam(lambda x: torch.cat([t * (i + 1) for i, t in enumerate(torch.chunk(x, 3, dim=2))], 1)))
    add("slice", lam(lambda x: x[..., 1:-1, 0:7]))
    add("slice_steps", lam(lambda x: x[:, :, ::2, 1::3]))
    add("slice_channels", lam(lambda x: x[:, 1:] * x[:, :2]))
    add("permute_nhwc", lam(lambda x: x.permute(0, 2, 3, 1)))
    add("transpose_hw", lam(lambda x: x.transpose(2, 3)))
    add("view_3d", lam(lambda x: x.view(x.shape[0], -1, W)))
    add("flatten", lam(lambda x: torch.flatten(x, 1)))
    add("flatten_negative", lam(lambda x: torch.flatten(x, -3, -2)))
    add("unsqueeze_squeeze", lam(lambda x: torch.sigmoid(x.unsqueeze(2)).squeeze(2)))
    add("pixel_shuffle", seq(nn.Conv2d(3, 8, 1), nn.PixelShuffle(2)))
    add("channel_shuffle", lam(lambda x, cv: cv(x).view(N, 2, 3, H, W).transpose(1, 2).reshape(N, 6, H, W),
                               nn.Conv2d(3, 6, 1)))
    add("zero_pad", nn.ZeroPad2d((2, 1, 0, 3)))
    add("constant_pad", nn.ConstantPad2d(1, 0.5))
    add("reflection_pad", nn.ReflectionPad2d((1, 2, 2, 1)))
    add("replication_pad", nn.ReplicationPad2d(2))
    # resizing
    add("upsample_nearest", nn.Upsample(scale_factor=2, mode="nearest"))
    add("upsample_bilinear", nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False))
    add("upsample_bilinear_align_corners", nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True))
    add("resize_to_size", lam(lambda x: F.interpolate(x, size=(7, 9), mode="bilinear", align_corners=False)))
    # reductions
    add("mean_hw", lam(lambda x: x.mean((2, 3))))
    add("sum_hw_keepdim", lam(lambda x: x.sum((2, 3), keepdim=True)))
    add("mean_channels", lam(lambda x: x.mean(1, keepdim=True)))
    add("max_channels", lam(lambda x: torch.amax(x, 1, keepdim=True)))
    add("min_channels", lam(lambda x: torch.amin(x, 1, keepdim=True)))
    add("mean_negative_axis", lam(lambda x: x.mean(dim=-1)))
    add("sum_negative_axes", lam(lambda x: x.sum(dim=(-2, -1))))
    add("reduce_l2", lam(lambda x: torch.norm(x, p=2, dim=1)))
    add("logsumexp", lam(lambda x: torch.logsumexp(x, dim=1)))
    # element-wise arithmetic
    add("add", lam(lambda x, cv: x + cv(x), nn.Conv2d(3, 3, 3, padding=1)))
    add("sub", lam(lambda x, cv: x - cv(x), nn.Conv2d(3, 3, 1)))
    add("mul", lam(lambda x, cv: x * cv(x), nn.Conv2d(3, 3, 1)))
    add("div", lam(lambda x, cv: x / (cv(x) ** 2 + 1), nn.Conv2d(3, 3, 1)))
    add("max", lam(lambda x, cv: torch.max(x, cv(x)), nn.Conv2d(3, 3, 1)))
    add("min", lam(lambda x, cv: torch.min(x, cv(x)), nn.Conv2d(3, 3, 1)))
    add("scalar_ops", lam(lambda x: (x + 1.5) * 0.5 - 0.25))
    add("broadcast_mul_channels", lam(lambda x: x * torch.sigmoid(x.mean((2, 3), keepdim=True))))
    add("broadcast_add_constant", lam(lambda x, b: x + b.bias.view(1, 3, 1, 1), nn.Conv2d(3, 3, 1)))
    # softmax
    add("softmax_channels", nn.Softmax(dim=1))
    add("softmax_negative_axis", nn.Softmax(dim=-1))
    add("log_softmax_channels", nn.LogSoftmax(dim=1))
    add("log_softmax_negative_axis", nn.LogSoftmax(dim=-1))
    add("softmax_flat", lam(lambda x: torch.softmax(torch.flatten(x, 1), 1)))
    return c


def block_cases():
    """(name, module) for common CNN blocks, each with a 1x1 stem to their channel count."""
    from torchvision.models.resnet import BasicBlock, Bottleneck
    from torchvision.models.squeezenet import Fire
    from torchvision.models.googlenet import Inception
    from torchvision.models.mobilenetv2 import InvertedResidual as MBv2Block
    from torchvision.models.shufflenetv2 import InvertedResidual as ShuffleBlock
    from torchvision.models.densenet import _DenseBlock
    from torchvision.models.efficientnet import MBConv, MBConvConfig
    from torchvision.ops.misc import SqueezeExcitation

    c = []
    add = lambda name, m: c.append((name, m))
    stem = lambda cout: nn.Conv2d(3, cout, 1)
    add("residual_basic", seq(stem(8), BasicBlock(8, 8)))
    add("residual_downsample", seq(stem(8), BasicBlock(8, 12, stride=2, downsample=seq(
        nn.Conv2d(8, 12, 1, stride=2, bias=False), nn.BatchNorm2d(12)))))
    add("bottleneck", seq(stem(16), Bottleneck(16, 4)))
    add("resnext_bottleneck", seq(stem(16), Bottleneck(16, 8, groups=4, base_width=16,
                                                       downsample=seq(nn.Conv2d(16, 32, 1, bias=False), nn.BatchNorm2d(32)))))
    add("squeeze_excitation", seq(stem(8), SqueezeExcitation(8, 4)))
    add("inception", seq(stem(8), Inception(8, 4, 4, 6, 2, 4, 4)))
    add("fire", seq(stem(8), Fire(8, 4, 6, 6)))
    add("inverted_residual", seq(stem(8), MBv2Block(8, 8, 1, 4)))
    add("inverted_residual_stride2", seq(stem(8), MBv2Block(8, 12, 2, 4)))
    add("mbconv_se_silu", seq(stem(8), MBConv(MBConvConfig(4, 3, 1, 8, 8, 1, 1.0, 1.0), 0.0, nn.BatchNorm2d)))
    add("dense_block", seq(stem(8), _DenseBlock(2, 8, 2, 4, 0.0)))
    add("shuffle_unit", seq(stem(8), ShuffleBlock(8, 8, 1)))
    add("shuffle_unit_stride2", seq(stem(8), ShuffleBlock(8, 16, 2)))

    class MobileNetV3Block(nn.Module):
        def __init__(self, c=8, e=16):
            super().__init__()
            self.expand = seq(nn.Conv2d(c, e, 1, bias=False), nn.BatchNorm2d(e), nn.Hardswish())
            self.dw = seq(nn.Conv2d(e, e, 3, padding=1, groups=e, bias=False), nn.BatchNorm2d(e), nn.Hardswish())
            self.se = SqueezeExcitation(e, 4, scale_activation=nn.Hardsigmoid)
            self.project = seq(nn.Conv2d(e, c, 1, bias=False), nn.BatchNorm2d(c))

        def forward(self, x):
            return x + self.project(self.se(self.dw(self.expand(x))))
    add("mobilenetv3_block", seq(stem(8), MobileNetV3Block()))

    class UNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc1, self.enc2 = conv_bn_relu(3, 8), conv_bn_relu(8, 16)
            self.pool = nn.MaxPool2d(2)
            self.mid = conv_bn_relu(16, 16)
            self.up2, self.dec2 = nn.ConvTranspose2d(16, 16, 2, stride=2), conv_bn_relu(32, 8)
            self.up1, self.dec1 = nn.ConvTranspose2d(8, 8, 2, stride=2), conv_bn_relu(16, 8)
            self.head = nn.Conv2d(8, 2, 1)

        def forward(self, x):
            e1 = self.enc1(x)                       # 8 x 12 x 12
            e2 = self.enc2(self.pool(e1))           # 16 x 6 x 6
            m = self.mid(self.pool(e2))             # 16 x 3 x 3
            d2 = self.dec2(torch.cat([self.up2(m), e2], 1))
            d1 = self.dec1(torch.cat([self.up1(d2), e1], 1))
            return self.head(d1)
    add("unet", UNet())

    class FPN(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1, self.c2, self.c3 = conv_bn_relu(3, 8, s=1), conv_bn_relu(8, 12, s=2), conv_bn_relu(12, 16, s=2)
            self.l1, self.l2, self.l3 = nn.Conv2d(8, 8, 1), nn.Conv2d(12, 8, 1), nn.Conv2d(16, 8, 1)
            self.smooth = nn.Conv2d(8, 8, 3, padding=1)

        def forward(self, x):
            f1 = self.c1(x); f2 = self.c2(f1); f3 = self.c3(f2)          # 12, 6, 3
            p3 = self.l3(f3)
            p2 = self.l2(f2) + F.interpolate(p3, scale_factor=2, mode="nearest")
            p1 = self.l1(f1) + F.interpolate(p2, scale_factor=2, mode="nearest")
            return self.smooth(p1)
    add("fpn", FPN())

    class ASPP(nn.Module):
        def __init__(self, c=8):
            super().__init__()
            self.stem = conv_bn_relu(3, c)
            self.b0 = conv_bn_relu(c, 4, 1, 1, 0)
            self.b1 = seq(nn.Conv2d(c, 4, 3, padding=2, dilation=2, bias=False), nn.BatchNorm2d(4), nn.ReLU())
            self.b2 = seq(nn.Conv2d(c, 4, 3, padding=3, dilation=3, bias=False), nn.BatchNorm2d(4), nn.ReLU())
            self.pool = seq(nn.AdaptiveAvgPool2d(1), nn.Conv2d(c, 4, 1), nn.ReLU())
            self.project = conv_bn_relu(16, 8, 1, 1, 0)

        def forward(self, x):
            x = self.stem(x)
            p = F.interpolate(self.pool(x), size=x.shape[-2:], mode="bilinear", align_corners=False)
            return self.project(torch.cat([self.b0(x), self.b1(x), self.b2(x), p], 1))
    add("aspp", ASPP())

    class CBAM(nn.Module):
        def __init__(self, c=8):
            super().__init__()
            self.stem = nn.Conv2d(3, c, 3, padding=1)
            self.mlp = seq(nn.Conv2d(c, 4, 1), nn.ReLU(), nn.Conv2d(4, c, 1))
            self.spatial = nn.Conv2d(2, 1, 7, padding=3)

        def forward(self, x):
            x = self.stem(x)
            ca = torch.sigmoid(self.mlp(F.adaptive_avg_pool2d(x, 1)) + self.mlp(F.adaptive_max_pool2d(x, 1)))
            x = x * ca
            sa = torch.cat([x.mean(1, keepdim=True), torch.amax(x, 1, keepdim=True)], 1)
            return x * torch.sigmoid(self.spatial(sa))
    add("cbam", CBAM())

    class SPPF(nn.Module):
        def __init__(self, c=8):
            super().__init__()
            self.cv1, self.cv2 = conv_bn_relu(3, c // 2, 1, 1, 0), conv_bn_relu(c * 2, c, 1, 1, 0)
            self.m = nn.MaxPool2d(5, 1, 2)

        def forward(self, x):
            x = self.cv1(x)
            y1 = self.m(x); y2 = self.m(y1)
            return self.cv2(torch.cat([x, y1, y2, self.m(y2)], 1))
    add("sppf", SPPF())

    class NonLocal(nn.Module):
        """Self-attention over positions (non-local block): two-input MatMuls and a softmax."""

        def __init__(self, c=8):
            super().__init__()
            self.stem = nn.Conv2d(3, c, 3, stride=2, padding=1)
            self.q, self.k, self.v, self.o = (nn.Conv2d(c, 4, 1), nn.Conv2d(c, 4, 1), nn.Conv2d(c, 4, 1),
                                              nn.Conv2d(4, c, 1))

        def forward(self, x):
            x = self.stem(x)
            n, c, h, w = x.shape
            q = self.q(x).flatten(2).transpose(1, 2)                    # n x hw x 4
            k = self.k(x).flatten(2)                                    # n x 4 x hw
            v = self.v(x).flatten(2).transpose(1, 2)                    # n x hw x 4
            a = torch.softmax(torch.matmul(q, k) * 0.5, dim=-1)         # n x hw x hw
            y = torch.matmul(a, v).transpose(1, 2).reshape(n, 4, h, w)
            return x + self.o(y)
    add("non_local_attention", NonLocal())

    class VGGBlock(nn.Module):
        def __init__(self):
            super().__init__()
            self.f = seq(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Dropout(0.5))
            self.fc = nn.Linear(8 * 6 * 6, 10)

        def forward(self, x):
            return torch.log_softmax(self.fc(torch.flatten(self.f(x), 1)), 1)
    add("vgg_block_classifier", VGGBlock())
    return c


# ----------------------------------------------------------------------------
# Generation
# ----------------------------------------------------------------------------

def randomize(model, gen):
    """Non-trivial BatchNorm statistics and affine parameters, PReLU slopes."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                C_ = m.num_features
                m.running_mean.copy_(torch.randn(C_, generator=gen) * 0.2)
                m.running_var.copy_(torch.rand(C_, generator=gen) + 0.5)
                m.weight.copy_(torch.rand(C_, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(C_, generator=gen) * 0.2)
            elif isinstance(m, (nn.InstanceNorm2d, nn.GroupNorm, nn.LayerNorm)) and getattr(m, "weight", None) is not None:
                m.weight.copy_(torch.rand(m.weight.shape, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.2)
            elif isinstance(m, nn.PReLU):
                m.weight.copy_(torch.rand(m.weight.shape, generator=gen) * 0.4 + 0.05)


def replace_rectifiers(module):
    """nn.ReLU and Hardtanh(0, t) (ReLU6) -> make_reference.RuleReLU, whose backward follows the rule."""
    n = 0
    for name, child in list(module.named_children()):
        if type(child) is nn.ReLU:
            setattr(module, name, ref.RuleReLU())
            n += 1
        elif isinstance(child, nn.Hardtanh) and child.min_val == 0:
            setattr(module, name, ref.RuleReLU(float(child.max_val)))
            n += 1
        else:
            n += replace_rectifiers(child)
    return n


def rectifier_calls(model, x):
    calls = [0]
    hooks = [m.register_forward_pre_hook(lambda mod, i: calls.__setitem__(0, calls[0] + 1))
             for m in model.modules() if isinstance(m, ref.RuleReLU)]
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    return calls[0]


def export(model, x):
    """ONNX at opset 10, or the lowest later opset (up to 13) that has the operator."""
    for opset in OPSETS:
        f = io.BytesIO()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.onnx.export(model, x, f, opset_version=opset, do_constant_folding=True,
                                  input_names=["input"], output_names=["output"])
        except Exception:  # noqa: BLE001 (an operator missing from this opset)
            if opset == OPSETS[-1]:
                raise
            continue
        mp = ref.onnx.load_from_string(f.getvalue())
        ref.postprocess_onnx(mp)
        return mp, opset


def one_line(msg):
    msg = str(msg).strip().splitlines()
    msg = [m.strip() for m in msg if m.strip()]
    text = msg[-1] if msg else ""
    for m in msg:   # cv2 errors: the line with "error:" says what failed
        if "error:" in m:
            text = m[m.index("error:"):]
            break
    text = text.replace('"', "'").replace("\\", "/")
    return "".join(ch for ch in text if 32 <= ord(ch) < 127)[:200]


def input_grad(model64, x64, seed64, rule):
    ref.STATE["rule"] = rule
    try:
        xx = x64.clone().requires_grad_(True)
        (g,) = torch.autograd.grad((model64(xx) * seed64).sum(), xx)
    finally:
        ref.STATE["rule"] = "standard"
    return g


def generate(name, model, out_dir):
    import cv2
    seed = zlib.crc32(name.encode()) % 100000
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    randomize(model, gen)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    entry = {"name": name, "status": "ok", "reason": "", "rules": ["standard"]}
    model = nn.Sequential(model)   # so that a case that is itself a ReLU gets replaced too
    modules = replace_rectifiers(model)
    m64 = ref.copy.deepcopy(model).double()
    # an input whose rectifier / max-pool decisions are not within MARGIN of a tie (float32 stays on the branch)
    for trial in range(50):
        x = torch.randn(N, C, H, W, generator=torch.Generator().manual_seed(seed + 1 + 1000 * trial))
        st = ref.forward_stats(m64, x.double())
        if min(st["relu_margin"], st["pool_gap"]) >= MARGIN:
            break
    try:
        mp, entry["opset"] = export(model, x)
    except Exception as e:  # noqa: BLE001 (any export failure is a result)
        entry.update(status="export", reason=one_line(e))
        return entry
    d = os.path.join(out_dir, name)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "model.onnx")
    with open(path, "wb") as f:
        f.write(mp.SerializeToString())
    with torch.no_grad():
        out64 = m64(x.double())
    try:
        net = cv2.dnn.readNet(path)
        net.enableFusion(False)
        net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    except cv2.error as e:
        entry.update(status="load", reason=one_line(e))
        return entry
    try:
        net.setInput(x.numpy())
        out_cv = net.forward()
    except cv2.error as e:
        entry.update(status="forward", reason=one_line(e))
        return entry
    if out_cv.size != out64.numel():
        entry.update(status="mismatch", reason=f"output shape {list(out_cv.shape)} instead of {list(out64.shape)}")
        return entry
    err = ref.rel_l2(out_cv.reshape(out64.shape), out64.numpy())
    entry["forward_error"] = float(f"{err:.3g}")
    if not err < TOL_FORWARD:
        entry.update(status="mismatch", reason=f"output differs from PyTorch: relative L2 error {err:.2g}")
        return entry
    # rules other than standard when every rectifier call is a module (no functional relu / clamp)
    ops = [n for n in mp.graph.node]
    onnx_rectifiers = sum(n.op_type == "Relu" or (n.op_type == "Clip" and ref.clip_min(n) == 0.0) for n in ops)
    if modules and onnx_rectifiers == rectifier_calls(model, x):
        entry["rules"] = ["standard", "guided", "deconvnet"]
    seed_out = torch.randn(tuple(out64.shape), generator=torch.Generator().manual_seed(seed + 2)).double()
    ref.save_npy(os.path.join(d, "input.npy"), x.numpy())
    ref.save_npy(os.path.join(d, "seed.npy"), seed_out.numpy())
    ref.save_npy(os.path.join(d, "output.npy"), out64.numpy())
    for rule in entry["rules"]:
        g = input_grad(m64, x.double(), seed_out, rule)
        ref.save_npy(os.path.join(d, f"grad_{rule}.npy"), g.numpy())
    entry["opencv_layer_types"] = sorted({net.getLayer(n).type for n in net.getLayerNames()})
    return entry


def main():
    global torch, nn, F
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="output directory (replaced)")
    ap.add_argument("--only", default="", help="comma-separated case names")
    ap.add_argument("--list", action="store_true", help="print the case names and exit")
    args = ap.parse_args()
    t0 = time.time()
    torch = ref.torch_imports()
    nn, F = ref.nn, ref.F
    torch.set_num_threads(1)
    ref.define_modules()
    cases = [("op", n, m) for n, m in op_cases()] + [("block", n, m) for n, m in block_cases()]
    names = [n for _, n, _ in cases]
    assert len(set(names)) == len(names), "duplicate case names"
    if args.list:
        print("\n".join(names))
        return 0
    only = [s for s in args.only.split(",") if s]
    for s in only:
        if s not in names:
            ap.error(f"unknown case {s}")
    if os.path.isdir(args.out):
        shutil.rmtree(args.out)
    os.makedirs(args.out)
    entries = []
    for kind, name, model in cases:
        if only and name not in only:
            continue
        e = generate(name, model, args.out)
        e["kind"] = kind
        entries.append(e)
    manifest = {"input_shape": [N, C, H, W], "tolerance_forward": TOL_FORWARD, "cases": entries}
    tmp = os.path.join(args.out, "manifest.json.tmp")
    with open(tmp, "w") as f:
        f.write(ref.dump_json(manifest) + "\n")
    os.replace(tmp, os.path.join(args.out, "manifest.json"))
    ok = [e for e in entries if e["status"] == "ok"]
    print(f"coverage models: {len(entries)} generated in {time.time() - t0:.1f} s; cv2.dnn runs {len(ok)} "
          f"({sum(len(e['rules']) for e in ok)} model/rule gradients)")
    bad = [e for e in entries if e["status"] != "ok"]
    if bad:
        print(f"not run: {len(bad)} (export: torch cannot export it; load, forward, mismatch: cv2.dnn 4.6 cannot "
              "load it, run it, or match PyTorch):")
        for e in bad:
            print(f"  {e['name']:34s} {e['status']:9s} {e['reason']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
