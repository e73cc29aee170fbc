#!/usr/bin/env bash
# Stateful k-NN stage (src/Guards/QueryPatterns/StatefulKnnGuard.cs): calibrates the threshold on the Fashion-MNIST
# TRAINING set replayed with benign augmentations, then prints the benign FPR (training replay, committed eval set),
# queries-to-detection on synthetic attack streams, and the cost per query with a 500-entry history.
# Extra arguments go to the program: --encoder models/encoders/fashion_cnn_features.onnx --embedding-max 16 (ONNX encoder
# instead of the downsample), --target 0.0003 (FPR), --calibrate both|augmented|raw, --k 10, --grid 8, --sources 200, --train PATH, --eval PATH.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$ROOT/bench/knn/.out"
echo "bench: building (Release)" >&2
dotnet build "$ROOT/bench/knn/KnnCalibration.csproj" -c Release -o "$OUT" -nologo -v quiet -clp:ErrorsOnly >&2
cd "$ROOT"
# For --encoder: the pinned ONNX Runtime (tools/onnxruntime.sh provisions it).
export GUARD_ORT_LIBRARY="${GUARD_ORT_LIBRARY:-$(bash "$ROOT/tools/onnxruntime.sh" 2>/dev/null | tail -n 1)}"
"$OUT/KnnCalibration" --eval "$ROOT/models/eval/fashion_eval_1000.bin" "$@"
