#!/usr/bin/env python3
"""Writes the first N Fashion-MNIST *test* images + labels as models/eval/fashion_eval_<N>.bin
(format documented in models/eval/README.md)."""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fashion_data import DEFAULT_DATA_DIR, load_split, read_eval_set, write_eval_set  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--out", default="models/eval/fashion_eval_1000.bin")
    a = p.parse_args()
    x, y = load_split("test", a.data_dir)
    write_eval_set(a.out, x[:a.count], y[:a.count])
    xr, yr = read_eval_set(a.out)
    assert (xr == x[:a.count]).all() and (yr == y[:a.count]).all()
    print(f"wrote {a.out}: {a.count} images, {os.path.getsize(a.out)} bytes")


if __name__ == "__main__":
    main()
