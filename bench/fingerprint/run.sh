#!/usr/bin/env bash
# Query fingerprint (src/Guards/QueryPatterns): Compute() cost per query (p50/p99 µs) for 28×28 and 3×224×224 float
# inputs, and the calibration table (benign FPR on the 1,000 Fashion-MNIST eval images, queries-to-detection on
# simulated attack streams) at several (Window, Step, TopS, Threshold, mitigation) settings.
# Writes bench/results/fingerprint.md. Knob: BENCH_QUICK=1 for fewer timing iterations.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$ROOT/bench/fingerprint/.out"
RESULTS="$ROOT/bench/results"
echo "bench: building (Release)" >&2
dotnet build "$ROOT/bench/fingerprint/Guard.Bench.Fingerprint/Guard.Bench.Fingerprint.csproj" -c Release -o "$OUT" -nologo -v quiet -clp:ErrorsOnly >&2
mkdir -p "$RESULTS"
ARGS=(--eval "$ROOT/models/eval/fashion_eval_1000.bin" --out "$RESULTS/fingerprint.md")
[ "${BENCH_QUICK:-0}" = "1" ] && ARGS+=(--quick)
"$OUT/Guard.Bench.Fingerprint" "${ARGS[@]}"
