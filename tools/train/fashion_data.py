"""Fashion-MNIST loading (Debian package `dataset-fashion-mnist`) and the
evaluation-set binary format shared by the training / verification scripts."""
import gzip
import os
import struct

import numpy as np

DEFAULT_DATA_DIR = "/usr/share/datasets/fashion-mnist"
EVAL_MAGIC = b"GFEV"


def _read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    ndim = magic & 0xFF
    dtype_code = (magic >> 8) & 0xFF
    if dtype_code != 0x08:
        raise ValueError(f"{path}: unsupported idx dtype 0x{dtype_code:02x}")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    return arr.reshape(dims)


def load_split(split, data_dir=DEFAULT_DATA_DIR):
    """Returns (images float32 [N,1,28,28] in [0,1], labels int64 [N])."""
    prefix = "train" if split == "train" else "t10k"
    imgs = _read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"))
    labels = _read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"))
    x = (imgs.astype(np.float32) / np.float32(255.0))[:, None, :, :]
    return np.ascontiguousarray(x), labels.astype(np.int64)


def write_eval_set(path, images, labels):
    """images: float32 [N,1,R,C] (or [N,R,C]) in [0,1]; labels: ints 0..9."""
    images = np.asarray(images, dtype="<f4")
    n = images.shape[0]
    rows, cols = images.shape[-2], images.shape[-1]
    images = images.reshape(n, rows, cols)
    labels = np.asarray(labels).astype(np.uint8)
    assert labels.shape == (n,)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "wb") as f:
        f.write(EVAL_MAGIC)
        f.write(struct.pack("<III", n, rows, cols))
        f.write(images.tobytes(order="C"))
        f.write(labels.tobytes())


def read_eval_set(path):
    """Returns (images float32 [N,1,R,C], labels uint8 [N])."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != EVAL_MAGIC:
        raise ValueError(f"{path}: bad magic {data[:4]!r}")
    n, rows, cols = struct.unpack("<III", data[4:16])
    npx = n * rows * cols
    expected = 16 + 4 * npx + n
    if len(data) != expected:
        raise ValueError(f"{path}: size {len(data)} != expected {expected}")
    images = np.frombuffer(data, dtype="<f4", count=npx, offset=16).reshape(n, 1, rows, cols)
    labels = np.frombuffer(data, dtype=np.uint8, count=n, offset=16 + 4 * npx)
    return images.astype(np.float32), labels.copy()
