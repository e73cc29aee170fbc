#!/usr/bin/env python3
"""Train a small Fashion-MNIST CNN (optionally with Gaussian-noise augmentation for
randomized smoothing, Cohen et al. 2019), export it to ONNX and write metrics and
reference logits for the evaluation set.

Outputs (for --name NAME, --out REPO):
  REPO/NAME/1/model.onnx            input `input` [batch,1,28,28] float32 in [0,1] -> `logits` [batch,10]
  REPO/NAME/metrics.json            accuracies, timings, hyper-parameters
  REPO/NAME/reference_logits.bin    float32 LE [count,10], PyTorch eval-mode logits for the eval set
"""
import argparse
import hashlib
import json
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fashion_data import DEFAULT_DATA_DIR, load_split, read_eval_set, write_eval_set  # noqa: E402

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


class SmallCnn(nn.Module):
    """conv(1->16,3x3)+ReLU+maxpool2 -> conv(16->32,3x3)+ReLU+maxpool2 -> FC(1568->64)+ReLU -> FC(64->10)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(32 * 7 * 7, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)


@torch.no_grad()
def accuracy(model, x, y, sigma=0.0, seed=0, batch=1000):
    model.eval()
    g = torch.Generator().manual_seed(seed)
    correct = 0
    for i in range(0, x.shape[0], batch):
        xb = x[i:i + batch]
        if sigma > 0:
            xb = xb + sigma * torch.randn(xb.shape, generator=g)
        correct += (model(xb).argmax(1) == y[i:i + batch]).sum().item()
    return correct / x.shape[0]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sigma", type=float, default=0.0, help="std-dev of Gaussian training noise (0 = standard training)")
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--out", default="models", help="model repository root")
    p.add_argument("--name", default=None, help="model name (default fashion_cnn[_sNNN])")
    p.add_argument("--seed", type=int, default=20240601)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    p.add_argument("--eval-set", default=None, help="eval set .bin (default OUT/eval/fashion_eval_1000.bin; created if missing)")
    p.add_argument("--opset", type=int, default=13)
    a = p.parse_args()

    name = a.name or ("fashion_cnn" if a.sigma == 0 else f"fashion_cnn_s{int(round(a.sigma * 100)):03d}")
    torch.set_num_threads(a.threads)
    seed_everything(a.seed)

    xtr, ytr = load_split("train", a.data_dir)
    xte, yte = load_split("test", a.data_dir)
    xtr, ytr, xte, yte = map(torch.from_numpy, (xtr, ytr, xte, yte))

    eval_path = a.eval_set or os.path.join(a.out, "eval", "fashion_eval_1000.bin")
    if not os.path.exists(eval_path):
        write_eval_set(eval_path, xte[:1000].numpy(), yte[:1000].numpy())
    xev_np, yev_np = read_eval_set(eval_path)
    xev, yev = torch.from_numpy(xev_np), torch.from_numpy(yev_np.astype(np.int64))

    model = SmallCnn()
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=a.epochs)
    g = torch.Generator().manual_seed(a.seed + 1)  # shuffling + noise

    n = xtr.shape[0]
    epoch_log = []
    t_start = time.time()
    for ep in range(a.epochs):
        t0 = time.time()
        model.train()
        perm = torch.randperm(n, generator=g)
        total_loss = 0.0
        for i in range(0, n, a.batch_size):
            idx = perm[i:i + a.batch_size]
            xb, yb = xtr[idx], ytr[idx]
            if a.sigma > 0:
                xb = xb + a.sigma * torch.randn(xb.shape, generator=g)  # no clamping (Cohen et al.)
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total_loss += loss.item() * xb.shape[0]
        sched.step()
        acc = accuracy(model, xte, yte)
        dt = time.time() - t0
        epoch_log.append({"epoch": ep + 1, "train_loss": round(total_loss / n, 5), "test_acc": acc, "seconds": round(dt, 1)})
        print(f"[{name}] epoch {ep + 1}/{a.epochs} loss {total_loss / n:.4f} clean test acc {acc:.4f} ({dt:.1f}s)", flush=True)
    train_seconds = time.time() - t_start

    model.eval()
    metrics = {
        "model": name,
        "architecture": SmallCnn.__doc__,
        "parameters": sum(p.numel() for p in model.parameters()),
        "sigma_train": a.sigma,
        "epochs": a.epochs,
        "batch_size": a.batch_size,
        "optimizer": f"Adam lr={a.lr} cosine schedule",
        "seed": a.seed,
        "torch_version": torch.__version__,
        "threads": a.threads,
        "train_seconds": round(train_seconds, 1),
        "test_accuracy_clean": accuracy(model, xte, yte),
        "eval1000_accuracy_clean": accuracy(model, xev, yev),
        "epoch_log": epoch_log,
    }
    for s in sorted({0.25, 0.5, a.sigma} - {0.0}):
        # base-classifier accuracy on x + N(0, s^2 I), one fixed noise draw per test image
        metrics[f"test_accuracy_noisy_sigma_{s:.2f}"] = accuracy(model, xte, yte, sigma=s, seed=a.seed + 2)

    mdir = os.path.join(a.out, name)
    vdir = os.path.join(mdir, "1")
    os.makedirs(vdir, exist_ok=True)
    onnx_path = os.path.join(vdir, "model.onnx")
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), onnx_path,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                      opset_version=a.opset, do_constant_folding=True)
    try:
        import onnx
        m = onnx.load(onnx_path)
        onnx.checker.check_model(m)
        metrics["onnx_checker"] = "ok (onnx %s)" % onnx.__version__
    except ImportError:
        metrics["onnx_checker"] = "skipped (python3-onnx not installed)"

    with torch.no_grad():
        ref = model(xev).numpy().astype("<f4")
    ref_path = os.path.join(mdir, "reference_logits.bin")
    ref.tofile(ref_path)

    metrics["onnx"] = {"path": os.path.relpath(onnx_path, a.out), "opset": a.opset, "bytes": os.path.getsize(onnx_path),
                       "sha256": sha256(onnx_path), "exporter": f"torch.onnx.export (TorchScript-based, torch {torch.__version__})"}
    metrics["reference_logits"] = {"path": os.path.relpath(ref_path, a.out), "eval_set": os.path.relpath(eval_path, a.out),
                                   "shape": list(ref.shape), "dtype": "float32 little-endian", "sha256": sha256(ref_path)}
    with open(os.path.join(mdir, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
        f.write("\n")
    print(json.dumps({k: v for k, v in metrics.items() if k != "epoch_log"}, indent=2))


if __name__ == "__main__":
    main()
