#!/usr/bin/env python3
"""Cut a feature encoder out of a trained demo classifier for Guard's k-NN stage.

The stateful k-NN detector (Chen, Carlini, Wagner 2020) compares queries in an embedding space; a classifier's
penultimate layer is a cheap one that already ignores what the model ignores. This keeps the graph from `input` to the
64-wide ReLU after fc1 of models/<model>/1/model.onnx and writes it, with its sha256, to models/encoders/.

    /usr/bin/python3 tools/train/make_encoder.py [--model fashion_cnn]

Needs Debian's python3-onnx. Deterministic: the same classifier gives the same bytes.
"""
import argparse
import hashlib
import json
import os

import onnx
import onnx.utils

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FEATURES = "/Relu_2_output_0"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="fashion_cnn")
    args = parser.parse_args()
    source = os.path.join(ROOT, "models", args.model, "1", "model.onnx")
    target_dir = os.path.join(ROOT, "models", "encoders")
    os.makedirs(target_dir, exist_ok=True)
    target = os.path.join(target_dir, f"{args.model}_features.onnx")
    onnx.utils.extract_model(source, target, ["input"], [FEATURES])
    model = onnx.load(target)
    # A stable output name, so configurations do not depend on the exporter's internal naming.
    for node in model.graph.node:
        node.output[:] = ["features" if o == FEATURES else o for o in node.output]
    model.graph.output[0].name = "features"
    onnx.checker.check_model(model)
    onnx.save(model, target)
    with open(target, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    print(json.dumps({"encoder": os.path.relpath(target, ROOT), "source": os.path.relpath(source, ROOT), "output": "features", "sha256": digest}))


if __name__ == "__main__":
    main()
