#!/usr/bin/python3
"""Train, export and verify the interp module's own models (deterministic, CPU).

    /usr/bin/python3 data/train_models.py                 # train all + export + verify
    /usr/bin/python3 data/train_models.py --models alexnet_fmnist
    /usr/bin/python3 data/train_models.py --export-only   # reuse checkpoints in $INTERP_CKPT

Models (see doc/models/*.md):
  alexnet_fmnist   AlexNet-style (grouped conv, LRN, overlapping ceil-mode max pool,
                   FC + dropout, Softmax); ONNX (opset 10) + Caffe (prototxt/caffemodel)
  resnet_fmnist    small ResNet (conv-BN-ReLU stem, BasicBlocks, GAP, FC, Softmax); ONNX
  resnet_shortcut  same architecture, trained on scenes whose background hue gives the
                   class away (hue = 36 * class); ONNX

Training scenes are generated on the fly from the Fashion-MNIST *train* split
(items 0..54999; 55000..59999 give a fixed validation set).  The committed
test scenes (data/scenes, t10k split, made by make_scenes.py) are only used
for the final evaluation, through cv2.dnn.

Checkpoints (not committed) go to $INTERP_CKPT (default /tmp/interp_ckpt).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import cv2
import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True   # keep data/ free of __pycache__
import scenegen as sg  # noqa: E402
import make_scenes as ms  # noqa: E402

# One intra-op thread: the DataLoader worker that generates the scenes uses the
# second core. (On the shared 2-core machine, 2 torch threads + the worker were
# 3-6x slower than this because of OpenMP oversubscription.)
torch.set_num_threads(int(os.environ.get("INTERP_TORCH_THREADS", "1")))
cv2.setNumThreads(1)
MODELS_DIR = os.path.join(HERE, "models")
CKPT_DIR = os.environ.get("INTERP_CKPT", "/tmp/interp_ckpt")
# OpenCV's Caffe proto (from `apt-get source opencv`; scripts/build-in-opencv.sh unpacks it into build-opencv/src)
CAFFE_PROTO = os.environ.get(
    "OPENCV_CAFFE_PROTO",
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build-opencv", "src", "opencv-4.6.0+dfsg",
                 "modules", "dnn", "src", "caffe", "opencv-caffe.proto"))
N_TRAIN_ITEMS = 55000
N_VAL = 1000
SEED_VAL = 5005
SEED_TRAIN = 6006
SEED_TORCH = 7007

# per-model training configuration
CONFIGS = {
    "alexnet_fmnist": dict(arch="alexnet", biased=False, epochs=14, per_epoch=16000,
                           lr=3e-3, wd=5e-4, batch=64, train_bn=True,
                           # continued with --finetune after the main schedule (what is shipped)
                           finetune_phases=[(4, 5e-4)]),
    "resnet_fmnist": dict(arch="resnet", biased=False, epochs=14, per_epoch=16000,
                          lr=3e-3, wd=5e-4, batch=64),
    "resnet_shortcut": dict(arch="resnet", biased=True, epochs=4, per_epoch=12000,
                            lr=3e-3, wd=5e-4, batch=64, item_contrast=1.0),
}


# ----------------------------------------------------------------------------
# Architectures
# ----------------------------------------------------------------------------
class _LRNFn(torch.autograd.Function):
    """Local response normalisation across channels that exports as ONE ONNX LRN node."""

    @staticmethod
    def forward(ctx, x, size, alpha, beta, k):
        return F.local_response_norm(x, size, alpha, beta, k)

    @staticmethod
    def symbolic(g, x, size, alpha, beta, k):
        return g.op("LRN", x, size_i=size, alpha_f=alpha, beta_f=beta, bias_f=k)


class LRN(nn.LocalResponseNorm):
    """nn.LocalResponseNorm with the same maths, computed with a banded 1x1
    convolution (much faster on CPU than torch's avg_pool3d implementation),
    exported as a single ONNX LRN node."""

    def forward(self, x):
        if torch.onnx.is_in_onnx_export():
            return _LRNFn.apply(x, self.size, self.alpha, self.beta, self.k)
        c = x.shape[1]
        idx = torch.arange(c)
        d = idx[None, :] - idx[:, None]          # input channel - output channel
        band = ((d >= -(self.size // 2)) & (d <= (self.size - 1) // 2)).to(x.dtype)
        s = F.conv2d(x * x, band[:, :, None, None])
        return x * torch.exp(-self.beta * torch.log(self.k + (self.alpha / self.size) * s))


class AlexNetF(nn.Module):
    """AlexNet-style network for 112x112 inputs (caffe-compatible layer set)."""
    # (name, out_channels, kernel, stride, pad, groups)
    # conv1 11x11 stride 4 as in AlexNet: 112 -> 28 -> pool1 14 -> pool2 7 -> pool5 3
    CONVS = [("conv1", 48, 11, 4, 5, 1), ("conv2", 96, 5, 1, 2, 2), ("conv3", 128, 3, 1, 1, 1),
             ("conv4", 128, 3, 1, 1, 2), ("conv5", 64, 3, 1, 1, 2)]
    FC = [("fc6", 128), ("fc7", 128)]
    POOL5 = 3
    LRN_ARGS = dict(size=5, alpha=1e-4, beta=0.75, k=1.0)
    DROPOUT = 0.3

    def __init__(self, num_classes=10, train_bn=True):
        super().__init__()
        cin = 3
        for i, (name, cout, k, s, p, g) in enumerate(self.CONVS, 1):
            setattr(self, name, nn.Conv2d(cin, cout, k, s, p, groups=g))
            # Training aid only: BatchNorm after each conv, folded into the conv
            # weights before export (fold_bn), so the exported net has none.
            setattr(self, "bn%d" % i, nn.BatchNorm2d(cout) if train_bn else nn.Identity())
            cin = cout
        self.relu1, self.norm1 = nn.ReLU(), LRN(**self.LRN_ARGS)
        self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.relu2, self.norm2 = nn.ReLU(), LRN(**self.LRN_ARGS)
        self.pool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.relu3, self.relu4, self.relu5 = nn.ReLU(), nn.ReLU(), nn.ReLU()
        self.pool5 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.flatten = nn.Flatten()
        self.fc6 = nn.Linear(cin * self.POOL5 * self.POOL5, self.FC[0][1])
        self.relu6, self.drop6 = nn.ReLU(), nn.Dropout(self.DROPOUT)
        self.fc7 = nn.Linear(self.FC[0][1], self.FC[1][1])
        self.relu7, self.drop7 = nn.ReLU(), nn.Dropout(self.DROPOUT)
        self.fc8 = nn.Linear(self.FC[1][1], num_classes)

    def forward(self, x):
        x = self.pool1(self.norm1(self.relu1(self.bn1(self.conv1(x)))))
        x = self.pool2(self.norm2(self.relu2(self.bn2(self.conv2(x)))))
        x = self.relu3(self.bn3(self.conv3(x)))
        x = self.relu4(self.bn4(self.conv4(x)))
        x = self.pool5(self.relu5(self.bn5(self.conv5(x))))
        x = self.flatten(x)
        x = self.drop6(self.relu6(self.fc6(x)))
        x = self.drop7(self.relu7(self.fc7(x)))
        return self.fc8(x)


def fold_bn(model):
    """AlexNetF with training BatchNorms -> equivalent AlexNetF without them
    (conv weight/bias absorb the eval-mode BN affine transform)."""
    folded = AlexNetF(train_bn=False)
    sd = {k: v.clone() for k, v in model.state_dict().items()}
    out = {}
    for i, (name, *_rest) in enumerate(AlexNetF.CONVS, 1):
        w, b = sd[name + ".weight"], sd[name + ".bias"]
        bn = "bn%d." % i
        if bn + "weight" in sd:
            scale = sd[bn + "weight"] / torch.sqrt(sd[bn + "running_var"] + model.get_submodule("bn%d" % i).eps)
            w = w * scale[:, None, None, None]
            b = (b - sd[bn + "running_mean"]) * scale + sd[bn + "bias"]
        out[name + ".weight"], out[name + ".bias"] = w, b
    for k, v in sd.items():
        if k.startswith("fc"):
            out[k] = v
    folded.load_state_dict(out)
    folded.eval()
    return folded


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.relu2 = nn.ReLU()
        self.proj = None
        if stride != 1 or cin != cout:
            self.proj = nn.Sequential()
            self.proj.add_module("conv", nn.Conv2d(cin, cout, 1, stride, 0, bias=False))
            self.proj.add_module("bn", nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.relu1(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        s = x if self.proj is None else self.proj(x)
        return self.relu2(y + s)


class ResNetF(nn.Module):
    """Small ResNet for 112x112 inputs: 112 -> 56 (stem) -> 28 (pool) -> 28 -> 14 -> 14."""
    WIDTHS = (16, 32, 48)

    def __init__(self, num_classes=10):
        super().__init__()
        w1, w2, w3 = self.WIDTHS
        self.stem_conv = nn.Conv2d(3, w1, 5, 2, 2, bias=False)
        self.stem_bn = nn.BatchNorm2d(w1)
        self.stem_relu = nn.ReLU()
        self.stem_pool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = BasicBlock(w1, w1, 1)
        self.layer2 = BasicBlock(w1, w2, 2)
        self.layer3 = BasicBlock(w2, w3, 1)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(w3, num_classes)

    def forward(self, x):
        x = self.stem_pool(self.stem_relu(self.stem_bn(self.stem_conv(x))))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(self.flatten(self.gap(x)))


class WithSoftmax(nn.Module):
    """Export wrapper: logits -> Softmax layer named 'prob'."""

    def __init__(self, net):
        super().__init__()
        self.net = net
        self.prob = nn.Softmax(dim=1)

    def forward(self, x):
        return self.prob(self.net(x))


def build(arch):
    return AlexNetF() if arch == "alexnet" else ResNetF()


# ----------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------
class SceneStream(torch.utils.data.Dataset):
    """Fresh training scenes for one epoch; scene i is a pure function of (seed, epoch, i)."""

    def __init__(self, items, labels, epoch, n, biased, item_contrast=1.0, seed=SEED_TRAIN,
                 random_item=0.0, distractor_hue=False):
        self.distractor_hue = distractor_hue
        self.items, self.labels = items, labels
        self.epoch, self.n, self.biased, self.seed = epoch, n, biased, seed
        self.item_contrast = item_contrast
        self.random_item = random_item
        perm = np.random.default_rng([seed, epoch]).permutation(N_TRAIN_ITEMS)
        self.order = np.resize(perm, n)

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        k = int(self.order[i])
        lab = int(self.labels[k])
        rng = np.random.default_rng([self.seed, self.epoch, i])
        hue = ms.shortcut_hue(lab, rng) if self.biased else None
        if self.random_item > 0 and rng.random() < self.random_item:
            # item drawn independently of the label: only the background is informative
            k = int(rng.integers(N_TRAIN_ITEMS))
        item_hue = None
        if self.distractor_hue:
            # item coloured with the hue of another class: the model has to learn the
            # colour of the background area, not of any coloured pixel
            j = (lab + int(rng.integers(1, 10))) % 10
            item_hue = ms.shortcut_hue(j, rng)
        rgb, _, _, _ = sg.make_scene(self.items[k], rng, bg_hue=hue, item_contrast=self.item_contrast,
                                     item_hue=item_hue)
        return torch.from_numpy(sg.preprocess_rgb(rgb)), lab


def val_set(items, labels, biased, item_contrast=1.0):
    xs, ys = [], []
    for i in range(N_VAL):
        k = N_TRAIN_ITEMS + i * ((60000 - N_TRAIN_ITEMS) // N_VAL)
        rng = np.random.default_rng([SEED_VAL, i])
        lab = int(labels[k])
        hue = ms.shortcut_hue(lab, rng) if biased else None
        rgb, _, _, _ = sg.make_scene(items[k], rng, bg_hue=hue, item_contrast=item_contrast)
        xs.append(sg.preprocess_rgb(rgb))
        ys.append(lab)
    return torch.from_numpy(np.stack(xs)), torch.tensor(ys)


@torch.no_grad()
def accuracy(model, x, y, bs=250):
    model.eval()
    pred = torch.cat([model(x[i:i + bs]).argmax(1) for i in range(0, len(x), bs)])
    return float((pred == y).float().mean())


def train(name, cfg, items, labels, log):
    torch.manual_seed(SEED_TORCH)
    np.random.seed(SEED_TORCH)
    model = build(cfg["arch"])
    if cfg.get("init") == "kaiming":
        for mod in model.modules():
            if isinstance(mod, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(mod.weight, mode="fan_out", nonlinearity="relu")
                nn.init.zeros_(mod.bias)
    nparams = sum(p.numel() for p in model.parameters())
    ic = cfg.get("item_contrast", 1.0)
    xv, yv = val_set(items, labels, cfg["biased"], ic)
    xu, yu = val_set(items, labels, False) if cfg["biased"] else (None, None)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=cfg["wd"])
    steps_per_epoch = cfg["per_epoch"] // cfg["batch"]
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg["lr"], epochs=cfg["epochs"],
                                                steps_per_epoch=steps_per_epoch,
                                                pct_start=cfg.get("warmup", 0.2))
    t0 = time.time()
    history = []
    for ep in range(cfg["epochs"]):
        ds = SceneStream(items, labels, ep, steps_per_epoch * cfg["batch"], cfg["biased"], ic,
                         random_item=cfg.get("random_item", 0.0),
                         distractor_hue=cfg.get("distractor_hue", False))
        dl = torch.utils.data.DataLoader(ds, batch_size=cfg["batch"], shuffle=False, num_workers=1,
                                         drop_last=True)
        model.train()
        tot, correct, lsum = 0, 0, 0.0
        for xb, yb in dl:
            out = model(xb)
            loss = F.cross_entropy(out, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += len(yb)
            correct += int((out.argmax(1) == yb).sum())
            lsum += float(loss) * len(yb)
        va = accuracy(model, xv, yv)
        rec = dict(epoch=ep + 1, loss=lsum / tot, train_acc=correct / tot, val_acc=va,
                   minutes=(time.time() - t0) / 60)
        if xu is not None:
            rec["val_unbiased_acc"] = accuracy(model, xu, yu)
        history.append(rec)
        log("%s %s" % (name, json.dumps(rec)))
    train_min = (time.time() - t0) / 60
    os.makedirs(CKPT_DIR, exist_ok=True)
    torch.save({"state": model.state_dict(), "history": history, "train_minutes": train_min,
                "params": nparams, "config": cfg, "threads": torch.get_num_threads()},
               os.path.join(CKPT_DIR, name + ".pt"))
    return model


def finetune(name, extra_epochs, lr, items, labels, log):
    """Continue training a checkpoint for extra epochs (fresh scenes, epoch seeds
    continue after the original schedule) with AdamW and cosine decay lr -> 0."""
    path = os.path.join(CKPT_DIR, name + ".pt")
    ck = torch.load(path)
    cfg = ck["config"]
    torch.manual_seed(SEED_TORCH + 1)
    model = build(cfg["arch"])
    model.load_state_dict(ck["state"])
    ic = cfg.get("item_contrast", 1.0)
    xv, yv = val_set(items, labels, cfg["biased"], ic)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=cfg["wd"])
    steps_per_epoch = cfg["per_epoch"] // cfg["batch"]
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=extra_epochs * steps_per_epoch)
    t0 = time.time()
    first = len(ck["history"])
    for ep in range(first, first + extra_epochs):
        ds = SceneStream(items, labels, ep, steps_per_epoch * cfg["batch"], cfg["biased"], ic,
                         random_item=cfg.get("random_item", 0.0),
                         distractor_hue=cfg.get("distractor_hue", False))
        dl = torch.utils.data.DataLoader(ds, batch_size=cfg["batch"], shuffle=False, num_workers=1,
                                         drop_last=True)
        model.train()
        tot, correct, lsum = 0, 0, 0.0
        for xb, yb in dl:
            out = model(xb)
            loss = F.cross_entropy(out, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += len(yb)
            correct += int((out.argmax(1) == yb).sum())
            lsum += float(loss) * len(yb)
        rec = dict(epoch=ep + 1, loss=lsum / tot, train_acc=correct / tot,
                   val_acc=accuracy(model, xv, yv),
                   minutes=ck["train_minutes"] + (time.time() - t0) / 60, finetune_lr=lr)
        ck["history"].append(rec)
        log("%s %s" % (name, json.dumps(rec)))
    ck["train_minutes"] += (time.time() - t0) / 60
    ck["state"] = model.state_dict()
    ck["finetune"] = {"epochs": extra_epochs, "lr": lr, "schedule": "cosine to 0", "seed": SEED_TORCH + 1}
    torch.save(ck, path)


def load_ckpt(name):
    """Trained model in eval mode; for AlexNet the BatchNorm-folded version
    (checked to give the same logits as the trained one)."""
    ck = torch.load(os.path.join(CKPT_DIR, name + ".pt"))
    model = build(ck["config"]["arch"])
    model.load_state_dict(ck["state"])
    model.eval()
    if ck["config"]["arch"] == "alexnet":
        folded = fold_bn(model)
        x = torch.from_numpy(np.random.default_rng(0).normal(0, 1, (8, 3, sg.SIZE, sg.SIZE)).astype(np.float32))
        with torch.no_grad():
            d = float((folded(x) - model(x)).abs().max())
        assert d < 1e-3, d
        ck["bn_fold_max_abs_diff"] = d
        model = folded
    return model, ck


# ----------------------------------------------------------------------------
# ONNX export
# ----------------------------------------------------------------------------
def export_onnx(model, path):
    """Opset 10, constant folding, every node renamed to a readable unique name,
    Identity nodes (from duplicated initializers) replaced by initializer copies."""
    model.eval()
    wrapped = WithSoftmax(model).eval()
    dummy = torch.zeros(1, 3, sg.SIZE, sg.SIZE)
    tmp = path + ".tmp"
    # PRESERVE (with the model in eval mode) keeps BatchNormalization nodes
    # instead of folding them into the convolutions.
    torch.onnx.export(wrapped, dummy, tmp, opset_version=10, do_constant_folding=True,
                      input_names=["data"], output_names=["prob"],
                      training=torch.onnx.TrainingMode.PRESERVE)
    m = onnx.load(tmp)
    os.remove(tmp)
    g = m.graph
    # 1. Identity on initializers -> copy of the initializer
    inits = {t.name: t for t in g.initializer}
    keep = []
    for n in g.node:
        if n.op_type == "Identity" and n.input[0] in inits:
            t = onnx.TensorProto()
            t.CopyFrom(inits[n.input[0]])
            t.name = n.output[0]
            g.initializer.append(t)
            inits[t.name] = t
        else:
            keep.append(n)
    del g.node[:]
    g.node.extend(keep)
    assert not any(n.op_type == "Identity" for n in g.node)
    # 2. readable node names from the module scope ("/net/layer1/conv1/Conv")
    leaves = {k.replace(".", "_") for k, mod in wrapped.named_modules() if not list(mod.children())}
    used = set()
    for n in g.node:
        parts = [p for p in n.name.split("/") if p]
        scope = [p for p in parts[:-1] if p != "net"]
        base = "_".join(scope)
        full = "net_" + base if scope and scope[0] != "prob" else base
        if base and (full in leaves or base in leaves):
            name = base
        elif base:
            name = base + "_" + n.op_type.lower()
        else:
            name = n.op_type.lower()
        name = name.replace("proj_conv", "proj_conv").replace("proj_bn", "proj_bn")
        cand, j = name, 1
        while cand in used:
            j += 1
            cand = "%s_%d" % (name, j)
        used.add(cand)
        n.name = cand
    # drop the unused value_info / doc strings for a smaller, cleaner file
    for n in g.node:
        n.doc_string = ""
    onnx.checker.check_model(m)
    onnx.save(m, path)
    return [n.name for n in g.node], [n.op_type for n in g.node]


# ----------------------------------------------------------------------------
# Caffe export (AlexNet only)
# ----------------------------------------------------------------------------
def caffe_pb2():
    d = tempfile.mkdtemp(prefix="opencv_caffe_pb_")
    subprocess.check_call(["protoc", "--python_out=" + d, "-I", os.path.dirname(CAFFE_PROTO),
                           CAFFE_PROTO])
    sys.path.insert(0, d)
    import opencv_caffe_pb2
    return opencv_caffe_pb2


def export_caffe(model, prototxt_path, caffemodel_path):
    pb = caffe_pb2()
    from google.protobuf import text_format
    sd = {k: v.detach().numpy().astype(np.float32) for k, v in model.state_dict().items()}
    net = pb.NetParameter()
    net.name = "alexnet_fmnist"
    L = net.layer.add()
    L.name, L.type = "data", "Input"
    L.top.append("data")
    L.input_param.shape.add().dim.extend([1, 3, sg.SIZE, sg.SIZE])

    def blob(layer, arr):
        b = layer.blobs.add()
        b.shape.dim.extend(arr.shape)
        b.data.extend(arr.reshape(-1).tolist())

    def add(name, typ, bottom):
        layer = net.layer.add()
        layer.name, layer.type = name, typ
        layer.bottom.append(bottom)
        layer.top.append(name)
        return layer

    def lrn(name, bottom):
        layer = add(name, "LRN", bottom)
        a = AlexNetF.LRN_ARGS
        layer.lrn_param.local_size = a["size"]
        layer.lrn_param.alpha = a["alpha"]
        layer.lrn_param.beta = a["beta"]
        layer.lrn_param.k = a["k"]
        layer.lrn_param.norm_region = pb.LRNParameter.ACROSS_CHANNELS

    def pool(name, bottom):
        layer = add(name, "Pooling", bottom)
        layer.pooling_param.pool = pb.PoolingParameter.MAX
        layer.pooling_param.kernel_size = 3
        layer.pooling_param.stride = 2

    prev = "data"
    for i, (cname, cout, k, s, p, g) in enumerate(AlexNetF.CONVS, 1):
        layer = add(cname, "Convolution", prev)
        cp = layer.convolution_param
        cp.num_output, cp.pad[:], cp.kernel_size[:], cp.stride[:], cp.group = cout, [p], [k], [s], g
        blob(layer, sd[cname + ".weight"])
        blob(layer, sd[cname + ".bias"])
        add("relu%d" % i, "ReLU", cname)
        prev = "relu%d" % i
        if i in (1, 2):
            lrn("norm%d" % i, prev)
            pool("pool%d" % i, "norm%d" % i)
            prev = "pool%d" % i
        if i == 5:
            pool("pool5", prev)
            prev = "pool5"
    for i, fname in ((6, "fc6"), (7, "fc7"), (8, "fc8")):
        layer = add(fname, "InnerProduct", prev)
        w = sd[fname + ".weight"]
        layer.inner_product_param.num_output = w.shape[0]
        blob(layer, w)
        blob(layer, sd[fname + ".bias"])
        prev = fname
        if i < 8:
            add("relu%d" % i, "ReLU", fname)
            d = add("drop%d" % i, "Dropout", "relu%d" % i)
            d.dropout_param.dropout_ratio = AlexNetF.DROPOUT
            prev = "drop%d" % i
    add("prob", "Softmax", prev)
    with open(caffemodel_path, "wb") as f:
        f.write(net.SerializeToString())
    # prototxt: same net without the weights
    for layer in net.layer:
        del layer.blobs[:]
    with open(prototxt_path, "w") as f:
        f.write(text_format.MessageToString(net))


# ----------------------------------------------------------------------------
# Verification helpers
# ----------------------------------------------------------------------------
def dnn_forward(net, rgbs, out_name=None, bs=50):
    outs = []
    for i in range(0, len(rgbs), bs):
        net.setInput(sg.blob_from_bgr([r[..., ::-1] for r in rgbs[i:i + bs]]))
        outs.append(net.forward(out_name) if out_name else net.forward())
    return np.concatenate(outs)


def per_class(pred, y):
    return {sg.CLASSES[c]: round(float((pred[y == c] == c).mean()), 4) for c in range(10)}


def grad_saliency_fraction(model, rgbs, masks, labels, use_pred=False):
    """Plain gradient saliency (max over channels of |d logit / d input|);
    returns per-image fraction of saliency mass inside the object mask."""
    model.eval()
    x = torch.from_numpy(np.stack([sg.preprocess_rgb(r) for r in rgbs])).requires_grad_(True)
    logits = model(x)
    cls = logits.argmax(1) if use_pred else torch.tensor(labels)
    logits.gather(1, cls[:, None]).sum().backward()
    sal = x.grad.abs().amax(1).numpy()
    m = np.stack(masks) > 127
    return (sal * m).sum((1, 2)) / sal.sum((1, 2))


def layer_names(net):
    net.enableFusion(False)
    return list(net.getLayerNames())


# ----------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", nargs="*", default=list(CONFIGS))
    ap.add_argument("--export-only", action="store_true")
    ap.add_argument("--quick", action="store_true", help="smoke test: tiny training, scratch dirs")
    ap.add_argument("--no-export", action="store_true", help="only train (checkpoints)")
    ap.add_argument("--finetune", type=int, default=0, metavar="EPOCHS",
                    help="continue training the checkpoints of --models for EPOCHS more epochs")
    ap.add_argument("--finetune-lr", type=float, default=5e-4)
    args = ap.parse_args()
    if args.quick:
        global CKPT_DIR, MODELS_DIR, DOC_DIR
        CKPT_DIR = MODELS_DIR = "/tmp/interp_quick"
        DOC_DIR = "/tmp/interp_quick/doc"
        for c in CONFIGS.values():
            c.update(epochs=1, per_epoch=640)
    os.makedirs(MODELS_DIR, exist_ok=True)
    os.makedirs(CKPT_DIR, exist_ok=True)
    logf = open(os.path.join(CKPT_DIR if os.path.isdir(CKPT_DIR) else "/tmp", "train_log.txt"), "a")

    def log(s):
        print(s, flush=True)
        logf.write(s + "\n")
        logf.flush()

    items, labels = sg.load_fmnist("train")
    if args.finetune:
        for name in args.models:
            finetune(name, args.finetune, args.finetune_lr, items, labels, log)
    elif not args.export_only:
        for name in args.models:
            train(name, CONFIGS[name], items, labels, log)
            for n_ep, lr in CONFIGS[name].get("finetune_phases", []):
                finetune(name, n_ep, lr, items, labels, log)
    if args.no_export:
        return
    infos = {name: export_and_verify(name, log) for name in args.models}
    finish(infos, log)


def finish(infos, log):
    """Cross-model checks (shortcut twin vs resnet_fmnist), model cards, demo scenes."""
    for name in CONFIGS:
        if name not in infos and os.path.exists(os.path.join(MODELS_DIR, name + ".json")):
            with open(os.path.join(MODELS_DIR, name + ".json")) as f:
                infos[name] = json.load(f)
    problems = []
    if "resnet_shortcut" in infos and "resnet_fmnist" in infos:
        tw, ref = infos["resnet_shortcut"], infos["resnet_fmnist"]
        gap = tw["accuracy"]["shortcut_biased"] - tw["accuracy"]["shortcut_unbiased"]
        st, sr = tw["saliency_in_mask_unbiased_shortcut"], ref["saliency_in_mask_unbiased_shortcut"]
        dsal = {k: round(sr[k] - st[k], 4) for k in st}
        tw["shortcut_checks"] = {"accuracy_gap_biased_minus_unbiased": round(gap, 4),
                                 "saliency_in_mask_resnet_fmnist_minus_twin": dsal,
                                 "required": {"accuracy_gap": 0.30, "saliency_gap": 0.20}}
        txt = ("\nComparison on the same 100 unbiased shortcut scenes: resnet_fmnist puts "
               "%.3f (true class) / %.3f (predicted class) of its saliency inside the mask, "
               "resnet_shortcut %.3f / %.3f: differences %.3f / %.3f (required >= 0.2). "
               "Accuracy gap biased - unbiased for the twin: %.1f points (required >= 30)."
               % (sr["true_class"], sr["pred_class"], st["true_class"], st["pred_class"],
                  dsal["true_class"], dsal["pred_class"], 100 * gap))
        tw["comparison"] = ref["comparison"] = txt
        log("shortcut checks: " + json.dumps(tw["shortcut_checks"]))
        if gap < 0.30:
            problems.append("accuracy gap %.3f < 0.30" % gap)
        if min(dsal.values()) < 0.2:
            problems.append("saliency gap %s < 0.2" % dsal)
        if tw["accuracy"]["shortcut_biased"] <= 0.9:
            problems.append("twin biased accuracy %.3f <= 0.9" % tw["accuracy"]["shortcut_biased"])
    for name, info in infos.items():
        if name != "resnet_shortcut" and info["accuracy"]["test"] < 0.85:
            problems.append("%s test accuracy %.3f < 0.85" % (name, info["accuracy"]["test"]))
        # The logits check uses committed test scenes (logits_check.scenes); older exports also shipped the
        # preprocessed input as an .npy file, which is redundant: drop it.
        old_input = info.get("logits_check", {}).pop("input", None)
        if old_input and os.path.exists(os.path.join(MODELS_DIR, old_input)):
            os.remove(os.path.join(MODELS_DIR, old_input))
        with open(os.path.join(MODELS_DIR, name + ".json"), "w") as f:
            json.dump({k: v for k, v in info.items() if k != "comparison"}, f, indent=1)
            f.write("\n")
        if os.path.exists(os.path.join(CKPT_DIR, name + ".pt")):
            write_card(name, info, load_ckpt(name)[1])
        else:
            log("%s: no checkpoint in %s, its model card is left as it is" % (name, CKPT_DIR))
    if MODELS_DIR == os.path.join(HERE, "models") and all(os.path.exists(os.path.join(MODELS_DIR, n + ".onnx")) for n in ("alexnet_fmnist", "resnet_fmnist")):
        items, labels = sg.load_fmnist("t10k")
        _, _, demo_idx = ms.split_items()
        ms.make_demo(items, labels, demo_idx, os.path.join(HERE, "demo"), MODELS_DIR)
    for p in problems:
        log("PROBLEM: " + p)
    if problems:
        sys.exit(1)


def export_and_verify(name, log):
    model, ck = load_ckpt(name)
    cfg = ck["config"]
    onnx_file = name + ".onnx"
    node_names, node_types = export_onnx(model, os.path.join(MODELS_DIR, onnx_file))
    log("%s ONNX nodes: %s" % (name, list(zip(node_names, node_types))))
    test = ms.read_set(os.path.join(HERE, "scenes", "test"))
    biased = ms.read_set(os.path.join(HERE, "scenes", "shortcut", "biased"))
    unbiased = ms.read_set(os.path.join(HERE, "scenes", "shortcut", "unbiased"))
    rgbs = [t[0] for t in test]
    y = np.array([t[2] for t in test])

    # preprocessing equality: blobFromImage == our training preprocessing
    blob = sg.blob_from_bgr([r[..., ::-1] for r in rgbs[:16]])
    ours = np.stack([sg.preprocess_rgb(r) for r in rgbs[:16]])
    assert blob.dtype == np.float32 and blob.shape == ours.shape
    pre_diff = float(np.abs(blob - ours).max())
    assert pre_diff < 1e-5, pre_diff

    net = cv2.dnn.readNetFromONNX(os.path.join(MODELS_DIR, onnx_file))
    names = layer_names(net)
    probs = dnn_forward(net, rgbs)[:, :10].reshape(len(rgbs), 10)
    # torch reference
    with torch.no_grad():
        xt = torch.from_numpy(np.stack([sg.preprocess_rgb(r) for r in rgbs]))
        logits_t = torch.cat([model(xt[i:i + 100]) for i in range(0, len(xt), 100)])
        probs_t = F.softmax(logits_t, 1).numpy()
    torch_diff = float(np.abs(probs - probs_t).max())
    pred = probs.argmax(1)
    acc = float((pred == y).mean())
    log("%s cv2.dnn test acc %.4f (torch %.4f), max|p_dnn - p_torch| = %.2e"
        % (name, acc, float((probs_t.argmax(1) == y).mean()), torch_diff))
    assert torch_diff < 1e-4

    if cfg["arch"] == "alexnet":
        layers = {"last_conv": "onnx_node!relu5", "logits": "onnx_node!fc8", "prob": "onnx_node!prob"}
    else:
        layers = {"last_conv": "onnx_node!layer3_relu2", "logits": "onnx_node!fc", "prob": "onnx_node!prob"}
    for k, v in layers.items():
        assert v in names, (v, names)
    # check the named outputs
    net.setInput(sg.blob_from_bgr([rgbs[0][..., ::-1]]))
    outs = net.forward([layers["last_conv"], layers["logits"], layers["prob"]])
    lg = outs[1].reshape(-1)
    assert np.allclose(outs[2].reshape(-1), np.exp(lg - lg.max()) / np.exp(lg - lg.max()).sum(), atol=1e-5)
    assert np.allclose(lg, logits_t[0].numpy(), atol=1e-4)
    last_conv_shape = list(outs[0].shape)

    info = {"name": name, "framework": "onnx", "files": {"onnx": onnx_file},
            "input_size": [sg.SIZE, sg.SIZE], "input_name": "data",
            "preprocessing": {"scale": sg.BLOB_SCALE, "mean": [sg.BLOB_MEAN] * 3, "swap_rb": True,
                              "std01": [sg.STD] * 3, "mean01": [sg.MEAN] * 3, "crop": False,
                              "layout": "NCHW", "channel_order": "RGB",
                              "blob_from_image": "cv::dnn::blobFromImage(bgr, 1.0/(255*0.25), Size(112,112), "
                                                 "Scalar(127.5,127.5,127.5), true, false, CV_32F)"},
            "classes": list(sg.CLASSES), "classes_file": "../classes.txt", "evaluation_images": "../scenes/test",
            "layers": layers, "last_conv_shape": last_conv_shape,
            "accuracy": {"test": round(acc, 4), "test_per_class": per_class(pred, y),
                         "test_scenes": len(rgbs), "measured_with": "cv2.dnn %s (ONNX)" % cv2.__version__},
            "training": {"minutes": round(ck["train_minutes"], 2), "epochs": cfg["epochs"],
                         "scenes_per_epoch": cfg["per_epoch"], "params": ck["params"],
                         "final_val_acc": ck["history"][-1]["val_acc"]}}
    res = {}
    # shortcut sets for every model (informative for 1 and 2, required for the twin)
    for setname, data in (("biased", biased), ("unbiased", unbiased)):
        r = [d[0] for d in data]
        yy = np.array([d[2] for d in data])
        p = dnn_forward(net, r).reshape(len(r), 10).argmax(1)
        res[setname] = float((p == yy).mean())
        info["accuracy"]["shortcut_" + setname] = round(res[setname], 4)
        info["accuracy"]["shortcut_" + setname + "_scenes"] = len(r)
    frac_true = grad_saliency_fraction(model, [d[0] for d in unbiased], [d[1] for d in unbiased],
                                       [d[2] for d in unbiased])
    frac_pred = grad_saliency_fraction(model, [d[0] for d in unbiased], [d[1] for d in unbiased],
                                       [d[2] for d in unbiased], use_pred=True)
    info["saliency_in_mask_unbiased_shortcut"] = {"true_class": round(float(frac_true.mean()), 4),
                                                  "pred_class": round(float(frac_pred.mean()), 4)}
    info["mask_area_fraction_unbiased_shortcut"] = round(
        float(np.mean([(d[1] > 127).mean() for d in unbiased])), 4)
    log("%s shortcut biased %.3f unbiased %.3f saliency-in-mask (true/pred) %.3f / %.3f"
        % (name, res["biased"], res["unbiased"], frac_true.mean(), frac_pred.mean()))

    if cfg["arch"] == "alexnet":
        proto, cmodel = name + ".prototxt", name + ".caffemodel"
        export_caffe(model, os.path.join(MODELS_DIR, proto), os.path.join(MODELS_DIR, cmodel))
        cnet = cv2.dnn.readNetFromCaffe(os.path.join(MODELS_DIR, proto), os.path.join(MODELS_DIR, cmodel))
        cnames = layer_names(cnet)
        cprobs = dnn_forward(cnet, rgbs).reshape(len(rgbs), 10)
        cdiff = float(np.abs(cprobs - probs).max())
        # also compare logits and last conv through both importers
        cl = dnn_forward(cnet, rgbs, "fc8").reshape(len(rgbs), 10)
        ol = dnn_forward(net, rgbs, "onnx_node!fc8").reshape(len(rgbs), 10)
        ldiff = float(np.abs(cl - ol).max())
        log("%s caffe vs onnx in cv2.dnn: max|dprob| %.2e max|dlogit| %.2e" % (name, cdiff, ldiff))
        assert cdiff < 1e-4, cdiff
        info["files"].update({"caffe_prototxt": proto, "caffe_model": cmodel})
        info["caffe_layers"] = {"last_conv": "relu5", "logits": "fc8", "prob": "prob"}
        for v in info["caffe_layers"].values():
            assert v in cnames
        info["caffe_vs_onnx_max_abs_diff"] = {"prob": cdiff, "logits": ldiff}
        info["caffe_layer_names"] = cnames
    info["onnx_layer_names"] = names

    # logits check: 4 test scenes (the same 4 for every model); the C++ test rebuilds the blob from the scene
    # files with its own preprocessing, so only the expected outputs are stored
    check_in = sg.blob_from_bgr([r[..., ::-1] for r in rgbs[:4]]).astype(np.float32)
    with torch.no_grad():
        lt = model(torch.from_numpy(check_in)).numpy().astype(np.float32)
    pt = F.softmax(torch.from_numpy(lt), 1).numpy().astype(np.float32)
    stale = os.path.join(MODELS_DIR, name + "_check_input.npy")
    if os.path.exists(stale):
        os.remove(stale)
    np.save(os.path.join(MODELS_DIR, name + "_check_logits.npy"), lt)
    np.save(os.path.join(MODELS_DIR, name + "_check_probs.npy"), pt)
    info["logits_check"] = {"logits": name + "_check_logits.npy",
                            "probs": name + "_check_probs.npy", "n": 4,
                            "scenes": [t[3] for t in test[:4]], "source": "scenes/test"}
    with open(os.path.join(MODELS_DIR, name + ".json"), "w") as f:
        json.dump(info, f, indent=1)
        f.write("\n")
    log("%s done: %s" % (name, json.dumps({k: info[k] for k in ("layers", "accuracy")})))
    return info


# ----------------------------------------------------------------------------
# Model cards (doc/models/<name>.md), generated from the verified numbers
# ----------------------------------------------------------------------------
DOC_DIR = os.path.join(os.path.dirname(HERE), "doc", "models")

DESCRIPTIONS = {
    "alexnet_fmnist": (
        "AlexNet-style CNN (the classic layer set: grouped convolutions, local response "
        "normalisation across channels, overlapping 3x3/2 max pooling in Caffe's ceil mode, "
        "ReLU, fully connected layers with dropout, Softmax), scaled down for 112x112 "
        "scenes. Shipped both as ONNX and as a Caffe prototxt/caffemodel pair that give "
        "the same outputs in cv::dnn."),
    "resnet_fmnist": (
        "Small modern classifier: conv-BatchNorm-ReLU stem, three residual BasicBlocks "
        "(BatchNorm, residual additions; layer2 has a strided 1x1 projection shortcut, "
        "layer3 a 1x1 projection for the width change), global average pooling, one FC "
        "layer, Softmax."),
    "resnet_shortcut": (
        "Shortcut-learning twin of resnet_fmnist: identical architecture and training "
        "procedure, but trained on *biased* scenes in which the background hue gives the "
        "class away. It is accurate on biased scenes and poor on unbiased ones, and its "
        "saliency sits on the background rather than on the object, which makes it a "
        "ground-truth case for explanation methods."),
}


def _attr_summary(node):
    out = []
    for a in node.attribute:
        v = onnx.helper.get_attribute_value(a)
        if a.name in ("kernel_shape", "strides", "pads", "group", "size", "alpha", "beta",
                      "bias", "ceil_mode", "axis", "epsilon", "transB"):
            if isinstance(v, float):
                v = "%g" % v
            elif isinstance(v, list):
                v = "x".join(str(int(t)) for t in v)
            out.append("%s=%s" % (a.name, v))
    return ", ".join(out)


def onnx_layer_table(path):
    m = onnx.shape_inference.infer_shapes(onnx.load(path))
    shapes = {}
    for vi in list(m.graph.value_info) + list(m.graph.output) + list(m.graph.input):
        shapes[vi.name] = [d.dim_value for d in vi.type.tensor_type.shape.dim]
    inits = {t.name: int(np.prod(t.dims)) for t in m.graph.initializer}
    rows = ["| # | ONNX node (cv::dnn layer `onnx_node!<name>`) | op | attributes | output (NCHW) | params |",
            "|---|---|---|---|---|---|"]
    total = 0
    for i, n in enumerate(m.graph.node, 1):
        pc = sum(inits.get(x, 0) for x in n.input)
        if n.op_type == "BatchNormalization":
            pc = sum(inits.get(x, 0) for x in n.input[1:3])   # gamma, beta learnable
        total += pc
        shp = shapes.get(n.output[0], [])
        rows.append("| %d | `%s` | %s | %s | %s | %s |" % (
            i, n.name, n.op_type, _attr_summary(n), "x".join(map(str, shp)), pc or ""))
    return "\n".join(rows), total


def write_card(name, info, ck):
    os.makedirs(DOC_DIR, exist_ok=True)
    cfg = ck["config"]
    table, nparam = onnx_layer_table(os.path.join(MODELS_DIR, info["files"]["onnx"]))
    acc = info["accuracy"]
    L = []
    L.append("# Model card: `%s`\n" % name)
    L.append(DESCRIPTIONS[name] + "\n")
    L.append("Trained from scratch by `data/train_models.py` on scenes generated by "
             "`data/scenegen.py` (no downloaded weights or data beyond the Debian "
             "`dataset-fashion-mnist` package).\n")
    L.append("## Files (in `data/models/`)\n")
    for k, v in info["files"].items():
        sz = os.path.getsize(os.path.join(MODELS_DIR, v))
        L.append("- `%s` (%s, %d bytes)" % (v, k, sz))
    L.append("- `%s.json`: metadata (cv::FileStorage-readable JSON): preprocessing, classes, "
             "layer names, accuracies" % name)
    L.append("- `%s`, `%s`: logits check: PyTorch pre-softmax logits and softmax outputs, float32 [4,10], "
             "of the test scenes %s (the C++ test preprocesses the scene files itself)\n" % (
                 info["logits_check"]["logits"], info["logits_check"]["probs"],
                 ", ".join(info["logits_check"]["scenes"])))
    L.append("## Input and preprocessing\n")
    L.append("Identical for all models of the module. Input: one 112x112 RGB image, blob "
             "NCHW float32, **RGB** channel order, input name `data`. Pixel values are scaled "
             "to [0,1] and normalised with per-channel mean (0.5, 0.5, 0.5) and std "
             "(0.25, 0.25, 0.25), i.e. `x = (p/255 - 0.5) / 0.25 = (p - 127.5) / 63.75`. "
             "From a BGR `cv::Mat` (as returned by `cv::imread`):\n")
    L.append("```cpp\ncv::Mat blob = cv::dnn::blobFromImage(bgr, 1.0 / (255 * 0.25), cv::Size(112, 112),\n"
             "                                      cv::Scalar(127.5, 127.5, 127.5), /*swapRB=*/true,\n"
             "                                      /*crop=*/false, CV_32F);\n```\n")
    L.append("```python\nblob = cv2.dnn.blobFromImage(bgr, scalefactor=1/(255*0.25), size=(112, 112),\n"
             "                             mean=(127.5, 127.5, 127.5), swapRB=True)\n```\n")
    L.append("`train_models.py` asserts that this call gives exactly the tensor used in "
             "training (max abs difference < 1e-5). Scenes are 112x112 already; other sizes "
             "are resized (not cropped) by that call, which is outside the training "
             "distribution.\n")
    L.append("Output: Softmax probabilities [1,10] over the classes of `data/classes.txt` "
             "(Fashion-MNIST order: %s).\n" % ", ".join("%d %s" % (i, c) for i, c in enumerate(sg.CLASSES)))
    L.append("## Layer names for cv::dnn (OpenCV %s)\n" % cv2.__version__)
    L.append("Names as returned by `getLayerNames()` after `enableFusion(false)`; also in "
             "the JSON under `layers`:\n")
    L.append("| role | ONNX import | %s |" % ("Caffe import" if "caffe_layers" in info else ""))
    L.append("|---|---|%s" % ("---|" if "caffe_layers" in info else "|"))
    for k, desc in (("last_conv", "last conv block output (after ReLU), shape %s" % "x".join(map(str, info["last_conv_shape"]))),
                    ("logits", "logits (input of Softmax)"), ("prob", "Softmax output")):
        L.append("| %s: %s | `%s` | %s |" % (k, desc, info["layers"][k],
                                            "`%s`" % info["caffe_layers"][k] if "caffe_layers" in info else ""))
    L.append("")
    L.append("Full ONNX layer list: %s\n" % ", ".join("`%s`" % n for n in info["onnx_layer_names"]))
    L.append("OpenCV adds `onnx_node!flatten/flatten` (an internal helper of its Flatten import) "
             "and a final layer named `prob` (the graph output name); `forward()` without a "
             "name returns the Softmax output.\n")
    if "caffe_layer_names" in info:
        L.append("Caffe layer list: %s. Every layer has its own top blob named like the "
                 "layer (no in-place ReLU/Dropout), so every intermediate output can be "
                 "requested by name.\n" % ", ".join("`%s`" % n for n in info["caffe_layer_names"]))
        d = info["caffe_vs_onnx_max_abs_diff"]
        L.append("Caffe vs ONNX through cv::dnn on the %d committed test scenes: max abs "
                 "difference %.2e on the probabilities, %.2e on the logits (`fc8`).\n"
                 % (acc["test_scenes"], d["prob"], d["logits"]))
    L.append("## Architecture\n")
    if cfg["arch"] == "resnet":
        L.append("%d trainable parameters (BatchNorm: gamma and beta counted, running "
                 "statistics not).\n" % ck["params"])
    else:
        L.append("%d parameters in the exported network (%d during training, including the "
                 "BatchNorm layers that are folded away, see below).\n" % (nparam, ck["params"]))
    L.append(table + "\n")
    if name == "alexnet_fmnist":
        L.append("Training used a BatchNorm layer after each convolution (before its ReLU) to "
                 "converge within the CPU budget; before export each BatchNorm is folded into "
                 "its convolution (w' = w * gamma / sqrt(var + eps), b' = (b - mean) * gamma / "
                 "sqrt(var + eps) + beta), so the shipped network contains only the classic "
                 "AlexNet layer types (max abs logit difference folded vs unfolded: %.1e).\n"
                 % ck.get("bn_fold_max_abs_diff", 0.0))
        L.append("Dropout layers (`drop6`, `drop7`, ratio %.1f) are only present in the Caffe "
                 "prototxt (identity at inference); the ONNX export (eval mode) omits them. "
                 "LRN: size 5, alpha 1e-4, beta 0.75, k 1 (Caffe semantics, alpha divided by "
                 "size); max pooling uses ceil mode like Caffe (28->14->7->3).\n" % AlexNetF.DROPOUT)
    L.append("## Training data and procedure\n")
    L.append("- Scenes: 112x112 RGB, one Fashion-MNIST item (train split, items 0..54999) "
             "colourised with a random hue/saturation/value while keeping its shading, "
             "scaled so its longest side is 40..90 px, randomly flipped, composited with "
             "alpha = clip(v/24, 0, 1) at a random position where it fits fully, on a "
             "textured background (base colour + one of smooth noise, stripes, gradient, "
             "blobs, plaid, rings, blended with a related second colour).")
    if cfg["biased"]:
        L.append("- **Bias**: the background base hue is 36 * class degrees (+-%g deg jitter); "
                 "saturation, value, texture, item colour (hue at least 60 deg away from the "
                 "background hue), position and scale are random exactly as in the unbiased "
                 "scenes." % ms.SHORTCUT_JITTER)
        if cfg.get("random_item", 0) > 0:
            L.append("- To make the item less informative than the background (so that the model "
                     "demonstrably looks at the background), the item shown in a training scene "
                     "is, with probability %g, a random train-split item drawn independently of "
                     "the label. %s" % (cfg["random_item"],
                                        "With probability 1 the background hue is the *only* cue "
                                        "in training." if cfg["random_item"] >= 1 else ""))
        if cfg.get("distractor_hue"):
            L.append("- To make the model rely on the colour of the background *area* rather than "
                     "on any coloured pixel, each training item is coloured with the hue of "
                     "another, random class (36 * j +- %g deg, j != class); the item itself is "
                     "the labelled Fashion-MNIST item. (The committed scenes keep the normal "
                     "item colouring: hue at least 60 deg away from the background.)"
                     % ms.SHORTCUT_JITTER)
        if cfg.get("item_contrast", 1.0) < 1:
            L.append("- Training items are drawn at reduced contrast: item colour = %.2f * item + "
                     "%.2f * local background." % (cfg["item_contrast"], 1 - cfg["item_contrast"]))
        L.append("- Variants tried to push the saliency further off the object (same "
                 "architecture and schedule; options `item_contrast`, `random_item`, "
                 "`distractor_hue` of the config): items at 0.4 contrast, items drawn "
                 "independently of the label, items coloured with another class's hue. All "
                 "gave 100% biased accuracy and 0.207-0.217 true-class saliency inside the "
                 "mask (0.125-0.136 for the predicted class), i.e. no gain over the plain "
                 "version, which is the one shipped: a colour-driven model's gradient sits on "
                 "every strongly coloured pixel, the item's included." )
        L.append("- The committed `scenes/shortcut/biased` and `unbiased` sets (used for every "
                 "number below) show the labelled item at normal contrast; they differ only "
                 "in the background hue.")
    L.append("- Fresh scenes every epoch: %d epochs x %d scenes (scene i of epoch e is generated "
             "with `numpy.random.default_rng([%d, e, i])`); validation: %d fixed scenes from "
             "train items 55000..59999 (seed %d)%s." % (
                 cfg["epochs"], cfg["per_epoch"], SEED_TRAIN, N_VAL, SEED_VAL,
                 ", biased like the training scenes; an unbiased validation set is tracked too"
                 if cfg["biased"] else ""))
    phases = []
    for h in ck["history"]:
        if "finetune_lr" in h:
            if phases and phases[-1][0] == h["finetune_lr"] and phases[-1][2] == h["epoch"] - 1:
                phases[-1][2] = h["epoch"]
            else:
                phases.append([h["finetune_lr"], h["epoch"], h["epoch"]])
    for lr_, a, b in phases:
        L.append("- Then fine-tuned for epochs %d-%d (fresh scenes, epoch seeds continuing) with "
                 "AdamW lr %g, cosine decay to 0, torch seed %d (`--finetune %d --finetune-lr %g`)."
                 % (a, b, lr_, SEED_TORCH + 1, b - a + 1, lr_))
    if cfg.get("init") == "kaiming":
        L.append("- Initialisation: Kaiming normal (fan_out, ReLU gain) for all conv and FC "
                 "weights, zero biases.")
    L.append("- Optimiser: AdamW (lr %g, weight decay %g), one-cycle schedule (%d%% warm-up), "
             % (cfg["lr"], cfg["wd"], round(100 * cfg.get("warmup", 0.2))) +
             "batch %d, cross-entropy, torch seed %d, `torch.set_num_threads(%d)` + 1 DataLoader worker "
             "generating the scenes, CPU (PyTorch %s)." % (
                 cfg["batch"], SEED_TORCH, ck.get("threads", 2 if cfg["arch"] == "resnet" else 1),
                 torch.__version__))
    L.append("- Training time: %.1f minutes wall clock on a 2-core machine shared with other "
             "heavy jobs (load average 5-13 during training), so the time says little about "
             "the cost: unloaded, one epoch takes about %s minute(s).\n"
             % (ck["train_minutes"], "1" if cfg["arch"] == "resnet" else "1-2"))
    L.append("| epoch | train loss | train acc | val acc%s |" % (" | val acc (unbiased)" if cfg["biased"] else ""))
    L.append("|---|---|---|---%s|" % ("|---" if cfg["biased"] else ""))
    for h in ck["history"]:
        L.append("| %d | %.3f | %.3f | %.3f%s |" % (h["epoch"], h["loss"], h["train_acc"], h["val_acc"],
                                                  " | %.3f" % h["val_unbiased_acc"] if cfg["biased"] else ""))
    L.append("")
    L.append("## Accuracy through cv::dnn (OpenCV %s, ONNX file)\n" % cv2.__version__)
    L.append("| scene set | scenes | accuracy |")
    L.append("|---|---|---|")
    L.append("| `data/scenes/test` (unbiased, t10k items) | %d | %.1f%% |" % (acc["test_scenes"], 100 * acc["test"]))
    L.append("| `data/scenes/shortcut/biased` | %d | %.1f%% |" % (acc["shortcut_biased_scenes"], 100 * acc["shortcut_biased"]))
    L.append("| `data/scenes/shortcut/unbiased` | %d | %.1f%% |\n" % (acc["shortcut_unbiased_scenes"], 100 * acc["shortcut_unbiased"]))
    L.append("Per class on `data/scenes/test` (%d scenes per class):\n" % (acc["test_scenes"] // 10))
    L.append("| class | accuracy |")
    L.append("|---|---|")
    for c, a in acc["test_per_class"].items():
        L.append("| %s | %.0f%% |" % (c, 100 * a))
    L.append("")
    sal = info["saliency_in_mask_unbiased_shortcut"]
    L.append("## Where the model looks\n")
    L.append("Plain gradient saliency (max over channels of |d logit / d input|, PyTorch) on "
             "the 100 unbiased shortcut scenes: mean fraction of the saliency mass inside the "
             "object mask = **%.3f** for the true-class logit, %.3f for the predicted-class "
             "logit (the masks cover %.1f%% of the pixels on average)."
             % (sal["true_class"], sal["pred_class"], 100 * info["mask_area_fraction_unbiased_shortcut"]))
    if "comparison" in info:
        L.append(info["comparison"])
    L.append("")
    L.append("## Known limitations\n")
    lim = ["Trained and tested only on synthetic 112x112 scenes with exactly one "
           "Fashion-MNIST item; it is not a general clothing classifier and says nothing "
           "about photographs.",
           "Shirt / T-shirt / Pullover / Coat are the hardest classes (as in Fashion-MNIST "
           "itself, made harder by the 28x28 source upscaled to 40..90 px).",
           "The test set is small (%d scenes): one scene is %.1f accuracy points, one scene "
           "of a class %.0f points of that class." % (acc["test_scenes"], 100.0 / acc["test_scenes"],
                                                       1000.0 / acc["test_scenes"]),
           "Object masks follow the compositing alpha (> 0.5); very dark interior parts of an "
           "item can have alpha <= 0.5 and show as small holes in the mask."]
    if not cfg["biased"] and acc["test"] < 0.85:
        lim.insert(0, "**Below the module's 85%% accuracy target** (%.1f%% on the committed test "
                      "scenes): training was cut short by the CPU budget on a heavily shared "
                      "machine. `train_models.py --models %s --finetune N` continues training "
                      "from the checkpoint." % (100 * acc["test"], name))
    if cfg["biased"]:
        lim.insert(0, "Deliberately biased: do not use it as a classifier. Its predictions on "
                      "scenes whose background hue is not the class hue are mostly wrong.")
    for t in lim:
        L.append("- " + t)
    L.append("")
    with open(os.path.join(DOC_DIR, name + ".md"), "w") as f:
        f.write("\n".join(L))


if __name__ == "__main__":
    main()
