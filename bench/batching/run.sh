#!/usr/bin/env bash
# Dynamic batching on vs off: 64 concurrent clients, each with one single-image ModelInfer in flight (h2load -c 64
# -m 1), through Guard's gRPC front door to the embedded model host serving the demo model fashion_cnn. Same Guard
# process, same model file, three repository entries:
#   off      each request its own Run (one instance)
#   on       dynamic batching, up to 256 rows, no added queue delay (as shipped)
#   delay    dynamic batching with BENCH_DELAY_US (500) of queue delay
# Policy none: the model host is what is measured.
#
# Knobs: BENCH_SECONDS (per measurement, 15), BENCH_CLIENTS (64), BENCH_ROUNDS (2, alternating modes),
#        BENCH_THREADS (ORT intra-op threads, 0 = one per core), BENCH_DELAY_US (500).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/bench/batching"
PY=/usr/bin/python3
SECONDS_PER_RUN="${BENCH_SECONDS:-15}"
CLIENTS="${BENCH_CLIENTS:-64}"
ROUNDS="${BENCH_ROUNDS:-2}"
THREADS="${BENCH_THREADS:-0}"
DELAY_US="${BENCH_DELAY_US:-500}"
MODES="off on delay"
OUT_BIN="$ROOT/bench/.out/guard"
RESULTS="$ROOT/bench/results"
WORK="$(mktemp -d /tmp/guard-bench-batching.XXXXXX)"
GUARD_PID=""

cleanup() {
  [ -n "$GUARD_PID" ] && kill "$GUARD_PID" 2>/dev/null && wait "$GUARD_PID" 2>/dev/null || true
  [ "${BENCH_KEEP:-0}" = 1 ] && echo "work directory: $WORK" >&2 || rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

for tool in h2load dotnet curl; do command -v "$tool" >/dev/null || { echo "bench: $tool is required (tools/setup.sh installs it)" >&2; exit 1; }; done
bash "$ROOT/tools/setup.sh" >&2
export GUARD_ORT_LIBRARY="${GUARD_ORT_LIBRARY:-$(bash "$ROOT/tools/onnxruntime.sh" 2>/dev/null | tail -n 1)}"

echo "bench: building Guard (Release)" >&2
dotnet build "$ROOT/src/Gateway/Guard.Gateway.csproj" -c Release -o "$OUT_BIN" -nologo -v quiet -clp:ErrorsOnly >&2

# Repository: the same model twice, batching on and off.
REPO="$WORK/models"
for mode in $MODES; do
  mkdir -p "$REPO/fashion_$mode/1"
  cp "$ROOT/models/fashion_cnn/1/model.onnx" "$REPO/fashion_$mode/1/"
done
cat > "$REPO/fashion_on/config.yaml" <<YAML
maxBatchSize: 256
dynamicBatching: { enabled: true, maxQueueDelayMicroseconds: 0 }
threads: { intraOp: $THREADS }
YAML
cat > "$REPO/fashion_delay/config.yaml" <<YAML
maxBatchSize: 256
dynamicBatching: { enabled: true, maxQueueDelayMicroseconds: $DELAY_US }
threads: { intraOp: $THREADS }
YAML
cat > "$REPO/fashion_off/config.yaml" <<YAML
maxBatchSize: 256
dynamicBatching: { enabled: false }
threads: { intraOp: $THREADS }
YAML

GRPC_PORT=$((20000 + RANDOM % 20000)); HTTP_PORT=$((GRPC_PORT + 1))
cat > "$WORK/guard.yaml" <<YAML
listeners:
  grpc: { address: 127.0.0.1:$GRPC_PORT, maxConcurrentStreams: 1000 }
  http: { address: 127.0.0.1:$HTTP_PORT }
modelHost: { repository: $REPO }
models:
  fashion_on: { upstream: embedded, policy: none }
  fashion_off: { upstream: embedded, policy: none }
  fashion_delay: { upstream: embedded, policy: none }
logging: { logLevel: { default: Warning } }
YAML

"$OUT_BIN/guard" serve --config "$WORK/guard.yaml" > "$WORK/guard.log" 2>&1 &
GUARD_PID=$!
for _ in $(seq 1 100); do grep -q "Guard listening" "$WORK/guard.log" && break; sleep 0.2; done
grep -q "Guard listening" "$WORK/guard.log" || { cat "$WORK/guard.log" >&2; exit 1; }

# Correctness first: the reference logits through both modes, with a real grpcio client.
for mode in $MODES; do
  $PY "$ROOT/tests/interop/fashion_client.py" --target "127.0.0.1:$GRPC_PORT" --model "fashion_$mode" --reference fashion_cnn --count 200 --concurrency 16 2>/dev/null \
    | tee "$WORK/check-$mode.json" >&2
  grep -q '"ok": true' "$WORK/check-$mode.json" || { echo "bench: fashion_$mode gives wrong logits" >&2; exit 1; }
  $PY "$HERE/batching_tool.py" body "fashion_$mode" "$WORK/body-$mode.bin"
done

metrics() { curl -sf "http://127.0.0.1:$HTTP_PORT/metrics" > "$1"; }
# Guard's CPU time so far (user + system clock ticks), from /proc.
guard_ticks() { awk '{print $14 + $15}' "/proc/$GUARD_PID/stat"; }
h2() { # h2 MODE SUMMARY LOG ARGS...
  local mode=$1 summary=$2 log=$3; shift 3
  timeout 300 h2load -w 24 -W 30 "$@" -H 'content-type: application/grpc' -H 'te: trailers' \
    -d "$WORK/body-$mode.bin" ${log:+--log-file "$log"} \
    "http://127.0.0.1:$GRPC_PORT/inference.GRPCInferenceService/ModelInfer" > "$summary" 2>&1 || true
}

ROWS="$WORK/rows.jsonl"; : > "$ROWS"
for mode in $MODES; do h2 "$mode" "$WORK/warm-$mode.txt" "" -c "$CLIENTS" -m 1 -D 3; done
for round in $(seq 1 "$ROUNDS"); do
  for mode in $MODES; do
    echo "bench: round $round, batching $mode, $CLIENTS clients x ${SECONDS_PER_RUN}s" >&2
    metrics "$WORK/before.txt"
    ticks0=$(guard_ticks)
    h2 "$mode" "$WORK/sum-$mode-$round.txt" "$WORK/log-$mode-$round.tsv" -c "$CLIENTS" -m 1 -D "$SECONDS_PER_RUN"
    ticks1=$(guard_ticks)
    metrics "$WORK/after.txt"
    $PY "$HERE/batching_tool.py" counts "$WORK/before.txt" "fashion_$mode" > "$WORK/before.json"
    $PY "$HERE/batching_tool.py" counts "$WORK/after.txt" "fashion_$mode" > "$WORK/after.json"
    $PY "$HERE/batching_tool.py" row "$mode (round $round)" "$WORK/sum-$mode-$round.txt" "$WORK/log-$mode-$round.tsv" \
      "$WORK/before.json" "$WORK/after.json" "$((ticks1 - ticks0))" "$(getconf CLK_TCK)" >> "$ROWS"
  done
done

CPU="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
cat > "$WORK/meta.json" <<JSON
{"description": "Guard (Release) with the embedded host, fashion_cnn, ORT $(basename "$(dirname "$GUARD_ORT_LIBRARY")"), intra-op threads $THREADS (0 = per core), h2load -c $CLIENTS -m 1 -D $SECONDS_PER_RUN on the same machine ($(nproc) CPUs, $CPU), rounds alternate the modes. Each row: one measurement; images/s from h2load, latency per request from its log, requests per Run from Guard's guard_model_batch_requests."}
JSON
mkdir -p "$RESULTS"
$PY "$HERE/batching_tool.py" report "$ROWS" "$RESULTS/batching.md" "$RESULTS/batching.json" "$WORK/meta.json"
