#!/usr/bin/python3
"""Classify the Fashion-MNIST evaluation set through a KServe v2 gRPC endpoint with grpcio.

Usage:
  fashion_client.py [--target 127.0.0.1:8001] [--model fashion_cnn] [--count 1000] [--batch 1]
                    [--concurrency 8] [--stream] [--reference fashion_cnn]

Sends each image (or batches of --batch images) as a raw FP32 [batch,1,28,28] ModelInfer request
(or over one ModelStreamInfer stream with --stream), then compares the returned logits with the
PyTorch reference logits committed in models/<model>/reference_logits.bin and the accuracy with
models/<model>/metrics.json. Prints ONE line of JSON and exits 0 when every logit agrees to 1e-4
and the accuracy is the training script's, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import struct
import subprocess
import sys
from array import array
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
subprocess.run([str(HERE / "gen_stubs.sh")], check=True, stdout=sys.stderr)
sys.path.insert(0, str(HERE / "gen"))

from inference import grpc_service_pb2 as pb  # noqa: E402
from inference import grpc_service_pb2_grpc as pb_grpc  # noqa: E402

PIXELS = 28 * 28
CLASSES = 10
TOLERANCE = 1e-4


def load_eval(count: int) -> tuple[bytes, bytes]:
    data = (ROOT / "models" / "eval" / "fashion_eval_1000.bin").read_bytes()
    magic, n, rows, cols = struct.unpack_from("<4sIII", data, 0)
    if magic != b"GFEV" or rows * cols != PIXELS:
        raise SystemExit("models/eval/fashion_eval_1000.bin is not a GFEV file of 28x28 images")
    count = min(count, n)
    pixels = data[16 : 16 + 4 * PIXELS * count]
    labels = data[16 + 4 * PIXELS * n : 16 + 4 * PIXELS * n + count]
    return pixels, labels


def request_for(model: str, pixels: bytes, first: int, size: int) -> pb.ModelInferRequest:
    request = pb.ModelInferRequest(model_name=model, id=f"images-{first}-{first + size}")
    request.inputs.add(name="input", datatype="FP32", shape=[size, 1, 28, 28])
    request.outputs.add(name="logits")
    request.raw_input_contents.append(pixels[4 * PIXELS * first : 4 * PIXELS * (first + size)])
    return request


def logits_of(response: pb.ModelInferResponse, size: int) -> array:
    output = response.outputs[0]
    if output.name != "logits" or output.datatype != "FP32" or list(output.shape) != [size, CLASSES]:
        raise RuntimeError(f"unexpected output {output.name} {output.datatype} {list(output.shape)}")
    values = array("f")
    values.frombytes(response.raw_output_contents[0])
    return values


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", default="127.0.0.1:8001")
    parser.add_argument("--model", default="fashion_cnn")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--stream", action="store_true")
    parser.add_argument("--reference", help="demo model whose reference logits to compare with (default: --model)")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()

    pixels, labels = load_eval(args.count)
    count = len(labels)
    chunks = [(first, min(args.batch, count - first)) for first in range(0, count, args.batch)]
    options = [("grpc.max_receive_message_length", 64 << 20), ("grpc.max_send_message_length", 64 << 20)]
    logits = array("f", bytes(4 * CLASSES * count))
    try:
        with grpc.insecure_channel(args.target, options=options) as channel:
            stub = pb_grpc.GRPCInferenceServiceStub(channel)
            grpc.channel_ready_future(channel).result(timeout=args.timeout)
            if args.stream:
                requests = (request_for(args.model, pixels, first, size) for first, size in chunks)
                for message in stub.ModelStreamInfer(requests, timeout=args.timeout):
                    if message.error_message:
                        raise RuntimeError(f"in-stream error: {message.error_message}")
                    first, end = (int(x) for x in message.infer_response.id.split("-")[1:])
                    logits[first * CLASSES : end * CLASSES] = logits_of(message.infer_response, end - first)
            else:
                def infer(chunk: tuple[int, int]) -> None:
                    first, size = chunk
                    response = stub.ModelInfer(request_for(args.model, pixels, first, size), timeout=args.timeout)
                    logits[first * CLASSES : (first + size) * CLASSES] = logits_of(response, size)

                with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
                    list(pool.map(infer, chunks))
    except grpc.RpcError as error:
        print(json.dumps({"ok": False, "model": args.model, "code": error.code().name, "details": error.details()}))
        return 1

    reference = array("f")
    reference.frombytes((ROOT / "models" / (args.reference or args.model) / "reference_logits.bin").read_bytes()[: 4 * CLASSES * count])
    max_diff = max(abs(a - b) for a, b in zip(logits, reference))
    predictions = [max(range(CLASSES), key=lambda c: logits[i * CLASSES + c]) for i in range(count)]
    accuracy = sum(1 for i in range(count) if predictions[i] == labels[i]) / count
    reference_predictions = [max(range(CLASSES), key=lambda c: reference[i * CLASSES + c]) for i in range(count)]
    reference_accuracy = sum(1 for i in range(count) if reference_predictions[i] == labels[i]) / count
    ok = max_diff <= TOLERANCE and predictions == reference_predictions
    print(json.dumps({
        "ok": ok,
        "model": args.model,
        "images": count,
        "batch": args.batch,
        "stream": args.stream,
        "accuracy": round(accuracy, 4),
        "reference_accuracy": round(reference_accuracy, 4),
        "max_abs_diff_vs_reference": max_diff,
        "tolerance": TOLERANCE,
    }))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
