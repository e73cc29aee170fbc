#!/usr/bin/env bash
# Adversarial-input detectors on the demo model fashion_cnn, in one run:
#   1. `guard calibrate --evaluate`: thresholds for a DETECTORS_FPR [0.05] false-positive rate on benign test images
#      1000..1999 (Debian's Fashion-MNIST), then the FPR on held-out test images 2000..2999 and the detection rate on
#      each adversarial fixture of models/adversarial/fashion_cnn (FGSM, PGD, CW-L2, DeepFool; see its README);
#   2. latency: one Guard per policy (none, squeezing, detector, both; detections flagged, so every request does the
#      same work), batch-1 ModelInfer one request at a time and from 32 concurrent clients, dynamic batching on.
# Writes bench/results/detectors.md (and detectors-detected.json, the report of the demo `detected` policy's detectors). Knobs: DETECTORS_FPR, DETECTORS_SQUEEZERS
# ["bit-depth-2, median-3x3"], DETECTORS_SECONDS [10], DETECTORS_SEQUENTIAL [2000].
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$ROOT/bench/detectors/.out"
GUARD_OUT="$ROOT/bench/detectors/.out-guard"
RESULTS="$ROOT/bench/results"
FPR="${DETECTORS_FPR:-0.05}"
SQUEEZERS="${DETECTORS_SQUEEZERS:-bit-depth-2, median-3x3}"
SECONDS_PER_RUN="${DETECTORS_SECONDS:-10}"
SEQUENTIAL="${DETECTORS_SEQUENTIAL:-2000}"
bash "$ROOT/tools/setup.sh" >&2
echo "bench/detectors: building the bench client and guard (Release)" >&2
dotnet build "$ROOT/bench/detectors/Guard.Bench.Detectors/Guard.Bench.Detectors.csproj" -c Release -o "$OUT" -nologo -v quiet -clp:ErrorsOnly >&2
dotnet build "$ROOT/src/Gateway/Guard.Gateway.csproj" -c Release -o "$GUARD_OUT" -nologo -v quiet -clp:ErrorsOnly >&2
LIBRARY="${GUARD_ORT_LIBRARY:-$(bash "$ROOT/tools/onnxruntime.sh" | tail -n 1)}"
mkdir -p "$RESULTS"

WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# One configuration per policy; the calibration overlay (guard calibrate --write) is shared through a symlink.
config() { # name, policy yaml, grpc port, http port
  cat > "$WORK/$1.yaml" <<YAML
listeners:
  grpc: { address: "127.0.0.1:$3", maxConcurrentStreams: 1000 }
  http: { address: "127.0.0.1:$4" }
modelHost:
  repository: $ROOT/models
  onnxRuntimeLibrary: $LIBRARY
  models: [ fashion_cnn, fashion_cnn_pgd_detector ]
models:
  fashion_cnn: { upstream: embedded, policy: $([ "$2" = none ] && echo none || echo bench) }
policies:
  bench:
$2
    actions: { default: flag }
blockedQueryLog: { path: $WORK/$1-blocked.db }
logging: { logLevel: { default: Warning } }
YAML
}
SQUEEZING="    squeezing: { enabled: true, model: fashion_cnn, squeezers: [ $SQUEEZERS ] }"
DETECTOR="    learnedDetector: { enabled: true, model: fashion_cnn_pgd_detector }"

config both "$SQUEEZING
$DETECTOR" 0 0
echo "bench/detectors: calibrating (target FPR $FPR) and evaluating" >&2
"$GUARD_OUT/guard" calibrate --config "$WORK/both.yaml" --policy bench --fpr "$FPR" --write --evaluate \
  --report "$RESULTS/detectors-detected.json" > "$WORK/calibrate.md"
cat "$WORK/calibrate.md" >&2

declare -A POLICY=([none]="    validation: { enabled: false }" [squeezing]="$SQUEEZING" [detector]="$DETECTOR" [both]="$SQUEEZING
$DETECTOR")
TARGETS=()
for name in none squeezing detector both; do
  grpc="$(free_port)"; http="$(free_port)"
  config "$name" "${POLICY[$name]}" "$grpc" "$http"
  case "$name" in none|both) ;; *) cp "$WORK/both.calibration.yaml" "$WORK/$name.calibration.yaml" ;; esac
  "$GUARD_OUT/guard" serve --config "$WORK/$name.yaml" > "$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 120); do curl -fsS "http://127.0.0.1:$http/readyz" > /dev/null 2>&1 && break; sleep 0.5; done
  curl -fsS "http://127.0.0.1:$http/readyz" > /dev/null || { echo "bench/detectors: $name did not start:" >&2; cat "$WORK/$name.log" >&2; exit 1; }
  TARGETS+=(--target "$name=http://127.0.0.1:$grpc")
done

echo "bench/detectors: latency (${SEQUENTIAL} sequential requests, 32 clients for ${SECONDS_PER_RUN} s per Guard)" >&2
"$OUT/guard-bench-detectors" "${TARGETS[@]}" --eval "$ROOT/models/eval/fashion_eval_1000.bin" \
  --sequential "$SEQUENTIAL" --seconds "$SECONDS_PER_RUN" > "$WORK/latency.md"

{
  echo "# Adversarial-input detectors on fashion_cnn"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) CPUs (load average $(cut -d' ' -f1-3 /proc/loadavg)). Produced by \`bench/detectors/run.sh\`."
  echo "Squeezers: $SQUEEZERS; learned detector: models/detectors/fashion_cnn_pgd_detector. Target FPR $FPR."
  echo
  echo "## Calibration and detection"
  echo
  cat "$WORK/calibrate.md"
  echo
  echo "## Latency per request (batch 1, ModelInfer through Guard, embedded host, dynamic batching on)"
  echo
  echo "Four Guards started one after another, each with one policy on fashion_cnn (none: no stage at all);"
  echo "detections are flagged so that every request does the same work. Added latency = a row minus the none row."
  echo
  cat "$WORK/latency.md"
} | tee "$RESULTS/detectors.md"
