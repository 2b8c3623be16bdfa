#!/usr/bin/python3
"""Networks for the benchmarks: torchvision's AlexNet, VGG-11, ResNet-18, SqueezeNet 1.1, GoogLeNet, DenseNet-121,
MobileNetV2 and EfficientNet-B0 at 224x224 with random weights (seeded; nothing is downloaded), exported to ONNX opset 10, plus the common input.

    /usr/bin/python3 perf/make_models.py --out build/perf-models

The files are large (VGG-11 is ~500 MB), so they are generated, not committed.
"""
import argparse
import os

import numpy as np
import onnx
import torch
import torchvision

NETWORKS = ("alexnet", "vgg11", "resnet18", "squeezenet1_1", "googlenet", "densenet121", "mobilenet_v2",
            "efficientnet_b0")
# GoogLeNet without its training-only auxiliary classifiers; init_weights given to silence torchvision's warning.
OPTIONS = {"googlenet": {"aux_logits": False, "init_weights": True}}


def build(name):
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None, **OPTIONS.get(name, {}))
    model.eval()
    # Randomised BatchNorm statistics, so that BatchNorm layers are not identities.
    g = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
    return model


def remove_identity_initializers(path):
    """OpenCV 4.6 rejects Identity nodes that torch's constant folding emits on duplicated initializers."""
    m = onnx.load(path)
    inits = {i.name: i for i in m.graph.initializer}
    keep = []
    for node in m.graph.node:
        if node.op_type == "Identity" and node.input[0] in inits:
            t = onnx.TensorProto()
            t.CopyFrom(inits[node.input[0]])
            t.name = node.output[0]
            m.graph.initializer.append(t)
        else:
            keep.append(node)
    del m.graph.node[:]
    m.graph.node.extend(keep)
    onnx.save(m, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="build/perf-models")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    x = torch.from_numpy(np.random.default_rng(2024).standard_normal((1, 3, 224, 224)).astype(np.float32))
    np.save(os.path.join(args.out, "input.npy"), x.numpy())
    for name in NETWORKS:
        path = os.path.join(args.out, name + ".onnx")
        model = build(name)
        torch.onnx.export(model, x, path, opset_version=10, do_constant_folding=True,
                          input_names=["data"], output_names=["scores"])
        remove_identity_initializers(path)
        print("wrote", path)


if __name__ == "__main__":
    main()
