#!/usr/bin/python3
"""Fixtures for "explain your own model": ImageNet-style classifiers as users bring them, and PyTorch's predictions.

    data/make_user_models.py --photos         (once) data/photos/*.jpg from Debian's python3-skimage
    data/make_user_models.py OUT_DIR          (at test time) the models below in OUT_DIR, and expected.json

OUT_DIR receives, all with random weights (seeded; no download):
  resnet18.onnx          torchvision's ResNet-18 (11.7 M parameters), exported to ONNX opset 10 with a fixed
                         1 x 3 x 224 x 224 input; trained-like BatchNorm statistics. Preprocessing as torchvision's:
                         RGB, (x / 255 - mean) / std = (x - 255 mean) / (255 std).
  resnet18_dynamic.onnx  a small convolutional classifier whose ONNX input has symbolic height and width
                         (a model that does not say its input size).
  alexnet_deploy.prototxt, alexnet.caffemodel
                         the BVLC AlexNet deploy definition (227 x 227 BGR, convolutions as BVLC's, groups and LRN
                         included) with fc6 / fc7 of 256 instead of 4096 units to keep the weights at 20 MB;
                         preprocessing as Caffe's: BGR minus the mean (104, 117, 123). The caffemodel is written with
                         a few lines of protobuf encoding (no Caffe needed).
  synset_words.txt       ImageNet's 1000 class names (torchvision's list) in synset_words.txt form
                         ("n00000000 tench, ..."; the WordNet ids are made up: torchvision does not ship them)
  labels.txt             the same names, one per line
  expected.json          for every photo of data/photos and each model: PyTorch's predicted class, its
                         softmax probability and the margin to the runner-up logit, computed from the photo with
                         OpenCV's decoder and resize (cv2.imread, cv2.resize INTER_LINEAR, as blobFromImage) and the
                         normalisation written out here in numpy.
"""
import json
import os
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
PHOTOS = os.path.join(HERE, "photos")
sys.dont_write_bytecode = True

TORCHVISION_MEAN = [0.485, 0.456, 0.406]
TORCHVISION_STD = [0.229, 0.224, 0.225]
CAFFE_MEAN_BGR = [104.0, 117.0, 123.0]


def make_photos():
    """Six photos of skimage's data (public domain or CC0), longer side 320 px, JPEG."""
    import cv2
    import skimage.data as d
    for name in ["astronaut", "chelsea", "coffee", "rocket", "camera", "retina"]:
        img = getattr(d, name)()
        if img.ndim == 2:
            img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
        else:
            img = cv2.cvtColor(img[..., :3], cv2.COLOR_RGB2BGR)
        f = 320.0 / max(img.shape[:2])
        img = cv2.resize(img, (round(img.shape[1] * f), round(img.shape[0] * f)), interpolation=cv2.INTER_AREA)
        cv2.imwrite(os.path.join(PHOTOS, name + ".jpg"), img, [cv2.IMWRITE_JPEG_QUALITY, 88])


def fix_identity(path):
    """OpenCV 4.6 rejects the Identity nodes torch's constant folding puts on duplicated initializers."""
    import onnx
    m = onnx.load(path)
    g = m.graph
    inits = {i.name: i for i in g.initializer}
    keep = []
    for n in g.node:
        if n.op_type == "Identity" and n.input[0] in inits:
            t = onnx.TensorProto()
            t.CopyFrom(inits[n.input[0]])
            t.name = n.output[0]
            g.initializer.append(t)
        else:
            keep.append(n)
    del g.node[:]
    g.node.extend(keep)
    onnx.save(m, path)


def randomize_bn(model, gen):
    import torch
    for mod in model.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            c = mod.num_features
            mod.weight.data = 0.5 + torch.rand(c, generator=gen)
            mod.bias.data = 0.2 * torch.randn(c, generator=gen)
            mod.running_mean.data = 0.1 * torch.randn(c, generator=gen)
            mod.running_var.data = 0.5 + torch.rand(c, generator=gen)


# ---------------------------------------------------------------------------------------------------- Caffe
def _varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field(number, wire, payload):
    key = _varint((number << 3) | wire)
    if wire == 2:
        return key + _varint(len(payload)) + payload
    return key + payload


def _blob(arr):
    """caffe.BlobProto: shape (7) = BlobShape{dim (1), packed int64}, data (5) packed float."""
    dims = b"".join(_varint(int(d)) for d in arr.shape)
    shape = _field(1, 2, dims)
    data = np.ascontiguousarray(arr, dtype="<f4").tobytes()
    return _field(7, 2, shape) + _field(5, 2, data)


def _layer(name, typ, blobs):
    """caffe.LayerParameter: name (1), type (2), blobs (7)."""
    out = _field(1, 2, name.encode()) + _field(2, 2, typ.encode())
    for b in blobs:
        out += _field(7, 2, _blob(b))
    return out


ALEXNET_CONVS = [  # name, out, kernel, stride, pad, group (BVLC AlexNet)
    ("conv1", 96, 11, 4, 0, 1), ("conv2", 256, 5, 1, 2, 2), ("conv3", 384, 3, 1, 1, 1),
    ("conv4", 384, 3, 1, 1, 2), ("conv5", 256, 3, 1, 1, 2)]
ALEXNET_FC = [("fc6", 256), ("fc7", 256), ("fc8", 1000)]


def alexnet_prototxt():
    L = ['name: "AlexNet"', 'input: "data"', "input_dim: 1", "input_dim: 3", "input_dim: 227", "input_dim: 227"]

    def layer(name, typ, bottom, top, body=""):
        L.append('layer {\n  name: "%s"\n  type: "%s"\n  bottom: "%s"\n  top: "%s"\n%s}' % (name, typ, bottom, top, body))

    prev = "data"
    for i, (name, out, k, s, p, g) in enumerate(ALEXNET_CONVS, 1):
        body = "  convolution_param {\n    num_output: %d\n    kernel_size: %d\n    stride: %d\n" % (out, k, s)
        body += ("    pad: %d\n" % p if p else "") + ("    group: %d\n" % g if g > 1 else "") + "  }\n"
        layer(name, "Convolution", prev, name, body)
        layer("relu%d" % i, "ReLU", name, name)
        prev = name
        if i in (1, 2):
            layer("norm%d" % i, "LRN", prev, "norm%d" % i,
                  "  lrn_param {\n    local_size: 5\n    alpha: 0.0001\n    beta: 0.75\n  }\n")
            layer("pool%d" % i, "Pooling", "norm%d" % i, "pool%d" % i,
                  "  pooling_param {\n    pool: MAX\n    kernel_size: 3\n    stride: 2\n  }\n")
            prev = "pool%d" % i
    layer("pool5", "Pooling", prev, "pool5", "  pooling_param {\n    pool: MAX\n    kernel_size: 3\n    stride: 2\n  }\n")
    prev = "pool5"
    for j, (name, out) in enumerate(ALEXNET_FC):
        layer(name, "InnerProduct", prev, name, "  inner_product_param {\n    num_output: %d\n  }\n" % out)
        prev = name
        if j < 2:
            layer("relu%d" % (6 + j), "ReLU", name, name)
            layer("drop%d" % (6 + j), "Dropout", name, name, "  dropout_param {\n    dropout_ratio: 0.5\n  }\n")
    layer("prob", "Softmax", prev, "prob")
    return "\n".join(L) + "\n"


def alexnet_weights(rng):
    """He-initialised weights in Caffe's layouts (OIHW, grouped; InnerProduct out x in), small positive biases."""
    w = {}
    cin = 3
    for name, out, k, s, p, g in ALEXNET_CONVS:
        fan = (cin // g) * k * k
        w[name] = [rng.normal(0, np.sqrt(2.0 / fan), (out, cin // g, k, k)).astype(np.float32),
                   rng.uniform(0, 0.1, out).astype(np.float32)]
        cin = out
    fin = 256 * 6 * 6
    for name, out in ALEXNET_FC:
        w[name] = [rng.normal(0, np.sqrt(2.0 / fin), (out, fin)).astype(np.float32),
                   rng.uniform(0, 0.1, out).astype(np.float32)]
        fin = out
    return w


def alexnet_torch(w):
    import torch
    import torch.nn as nn

    class AlexNet(nn.Module):
        def __init__(self):
            super().__init__()
            layers = []
            cin = 3
            for i, (name, out, k, s, p, g) in enumerate(ALEXNET_CONVS, 1):
                conv = nn.Conv2d(cin, out, k, s, p, groups=g)
                conv.weight.data = torch.from_numpy(w[name][0])
                conv.bias.data = torch.from_numpy(w[name][1])
                layers += [conv, nn.ReLU()]
                if i in (1, 2):
                    layers += [nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=1.0),
                               nn.MaxPool2d(3, 2, ceil_mode=True)]
                cin = out
            layers.append(nn.MaxPool2d(3, 2, ceil_mode=True))
            self.features = nn.Sequential(*layers)
            fcs = []
            fin = 256 * 6 * 6
            for j, (name, out) in enumerate(ALEXNET_FC):
                fc = nn.Linear(fin, out)
                fc.weight.data = torch.from_numpy(w[name][0])
                fc.bias.data = torch.from_numpy(w[name][1])
                fcs.append(fc)
                if j < 2:
                    fcs.append(nn.ReLU())
                fin = out
            self.classifier = nn.Sequential(*fcs)

        def forward(self, x):
            return self.classifier(torch.flatten(self.features(x), 1))

    return AlexNet().eval()


def write_alexnet(w, out_dir):
    with open(os.path.join(out_dir, "alexnet_deploy.prototxt"), "w") as f:
        f.write(alexnet_prototxt())
    net = b""
    for name in [c[0] for c in ALEXNET_CONVS] + [c[0] for c in ALEXNET_FC]:
        typ = "Convolution" if name.startswith("conv") else "InnerProduct"
        net += _field(100, 2, _layer(name, typ, w[name]))
    with open(os.path.join(out_dir, "alexnet.caffemodel"), "wb") as f:
        f.write(_field(1, 2, b"AlexNet") + net)


def export_resnet(resnet, out_dir):
    import torch
    path = os.path.join(out_dir, "resnet18.onnx")
    torch.onnx.export(resnet, torch.zeros(1, 3, 224, 224), path, opset_version=10, input_names=["input"],
                      output_names=["logits"])
    fix_identity(path)


# ------------------------------------------------------------------------------------------------------- main
def centre_classifier(model, fc, batch, sharpen=1.0):
    """Random networks map every input to nearly the same class (their ReLU features share one large mean). Setting
    the last layer's bias to minus its response to the mean feature of the photos makes the prediction depend on what
    differs between photos, so a wrong preprocessing changes the labels (the tests check that it does). `sharpen`
    scales the weights: larger margins between the first and second class."""
    import torch
    feats = []
    hook = fc.register_forward_hook(lambda m, i, o: feats.append(i[0].detach()))
    with torch.no_grad():
        model(torch.from_numpy(batch))
    hook.remove()
    with torch.no_grad():
        fc.weight.data *= sharpen
        fc.bias.data = -(fc.weight.data @ feats[0].mean(0))


def predictions(model, batch, names, files):
    import torch
    with torch.no_grad():
        logits = model(torch.from_numpy(batch)).double().numpy()
    out = {}
    for f, row in zip(files, logits):
        order = np.argsort(-row)
        p = np.exp(row - row.max())
        p /= p.sum()
        k = int(order[0])
        out[os.path.splitext(os.path.basename(f))[0]] = {
            "class": k, "label": names[k], "p": float(p[k]), "margin": float(row[order[0]] - row[order[1]])}
    return out


def main(out_dir):
    import cv2
    import torch
    import torchvision
    from torchvision.models._meta import _IMAGENET_CATEGORIES as names
    torch.set_num_threads(1)
    os.makedirs(out_dir, exist_ok=True)
    gen = torch.Generator().manual_seed(2024)
    torch.manual_seed(2024)

    with open(os.path.join(out_dir, "labels.txt"), "w") as f:
        f.write("".join(n + "\n" for n in names))
    with open(os.path.join(out_dir, "synset_words.txt"), "w") as f:
        f.write("".join("n%08d %s, synonym of %s\n" % (k, n, n) for k, n in enumerate(names)))

    resnet = torchvision.models.resnet18().eval()
    randomize_bn(resnet, gen)

    small = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1),
                                torch.nn.Flatten(), torch.nn.Linear(8, 1000)).eval()
    path = os.path.join(out_dir, "resnet18_dynamic.onnx")
    torch.onnx.export(small, torch.zeros(1, 3, 224, 224), path, opset_version=10, input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "n", 2: "h", 3: "w"}})
    fix_identity(path)

    rng = np.random.default_rng(2024)
    w = alexnet_weights(rng)
    alexnet = alexnet_torch(w)

    files = sorted(os.path.join(PHOTOS, f) for f in os.listdir(PHOTOS) if f.endswith(".jpg"))
    bgr = [cv2.imread(f, cv2.IMREAD_COLOR) for f in files]
    # torchvision: RGB, 224 x 224, (x / 255 - mean) / std
    x = np.stack([cv2.resize(b, (224, 224), interpolation=cv2.INTER_LINEAR)[..., ::-1].astype(np.float32) for b in bgr])
    x = (x / 255.0 - np.float32(TORCHVISION_MEAN)) / np.float32(TORCHVISION_STD)
    resnet_in = np.ascontiguousarray(x.transpose(0, 3, 1, 2), dtype=np.float32)
    # Caffe: BGR, 227 x 227, x - mean
    x = np.stack([cv2.resize(b, (227, 227), interpolation=cv2.INTER_LINEAR).astype(np.float32) for b in bgr])
    alexnet_in = np.ascontiguousarray((x - np.float32(CAFFE_MEAN_BGR)).transpose(0, 3, 1, 2), dtype=np.float32)
    centre_classifier(resnet, resnet.fc, resnet_in, sharpen=20.0)
    centre_classifier(alexnet, alexnet.classifier[-1], alexnet_in)
    export_resnet(resnet, out_dir)
    w["fc8"][1] = alexnet.classifier[-1].bias.data.numpy().copy()
    write_alexnet(w, out_dir)
    expected = {"resnet18": predictions(resnet, resnet_in, names, files),
                "alexnet": predictions(alexnet, alexnet_in, names, files)}
    # Negative controls: the same photos with a wrong preprocessing (no RGB swap; no std) give other labels.
    wrong = {"resnet18 without --swap-rb": predictions(resnet, np.ascontiguousarray(resnet_in[:, ::-1]), names, files),
             "alexnet with --swap-rb": predictions(alexnet, np.ascontiguousarray(alexnet_in[:, ::-1]), names, files)}
    expected["wrong_preprocessing_changes"] = {
        k: sum(v[f]["class"] != expected[k.split()[0]][f]["class"] for f in v) for k, v in wrong.items()}
    with open(os.path.join(out_dir, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
    for m, e in expected.items():
        if m == "wrong_preprocessing_changes":
            print(m, e)
            continue
        print("%s: %s" % (m, ", ".join("%s %s (p %.3f, margin %.3g)" % (k, v["label"], v["p"], v["margin"])
                                        for k, v in e.items())))


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "--photos":
        make_photos()
    elif len(sys.argv) == 2:
        main(sys.argv[1])
    else:
        sys.exit(__doc__)
