#!/usr/bin/env bash
# Randomized smoothing (src/Guards/Smoothing, Cohen et al., ICML 2019) on the σ = 0.25 demo model
# models/fashion_cnn_s025 through the repo's ONNX Runtime binding, in one run:
#   (a) raw batched inference, images/s at batch = BatchSize, vs
#   (b) noisy samples/s through SmoothedClassifier (PREDICT and fixed CERTIFY) over the same session;
#   (c) mean samples per request, adaptive vs fixed CERTIFY, on the first eval images for each r_min.
# Prints a Markdown table and writes bench/results/smoothing.md.
#
# Extra arguments go to the program: --threads 0 (ORT intra-op threads; 0 = ORT's default), --batch 1000,
# --seconds 5 and --rounds 3 (throughput), --images 100, --sigma 0.25, --n0 100, --n 10000, --alpha 0.001,
# --rmin 0.25,0.5, --model PATH, --out FILE.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$ROOT/bench/smoothing/.out"
echo "bench/smoothing: building (Release)" >&2
dotnet build "$ROOT/bench/smoothing/Guard.Bench.Smoothing/Guard.Bench.Smoothing.csproj" -c Release -o "$OUT" \
  -nologo -v quiet -clp:ErrorsOnly >&2
LIBRARY="${GUARD_ORT_LIBRARY:-$(bash "$ROOT/tools/onnxruntime.sh" | tail -n 1)}"
[ -f "$LIBRARY" ] || { echo "bench/smoothing: no ONNX Runtime library (tools/onnxruntime.sh printed '$LIBRARY')" >&2; exit 1; }
cd "$ROOT"
"$OUT/guard-bench-smoothing" --library "$LIBRARY" \
  --model "$ROOT/models/fashion_cnn_s025/1/model.onnx" \
  --eval "$ROOT/models/eval/fashion_eval_1000.bin" \
  --out "$ROOT/bench/results/smoothing.md" "$@"
