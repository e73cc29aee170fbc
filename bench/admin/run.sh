#!/usr/bin/env bash
# Admin-surface benchmark: two Guard processes sharing one redis-server (the replicas' policy poll set to 60 s, so
# only the pub/sub notification can carry a change). Measures, over BENCH_CHANGES policy changes made through
# replica A's JSON API:
#   - commit latency: PUT /api/policies/NAME answered (validation, version claim, head compare-and-set, publish,
#     local snapshot rebuild, audit append);
#   - propagation: from that answer until replica B reports the new version in force (GET /api/policies, polled
#     every millisecond); the version is reported only after B's snapshot was rebuilt;
#   - read latency of the console's busiest reads (GET /api/live, /api/blocked page of 50, /api/policies).
# Writes bench/results/admin.{json,md}. Knobs: BENCH_CHANGES [100].
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$ROOT/bench/admin/.out"
RESULTS="$ROOT/bench/results"
WORK="$(mktemp -d /tmp/guard-bench-admin.XXXXXX)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM

bash "$ROOT/tools/setup.sh" >&2
ORT="$(bash "$ROOT/tools/onnxruntime.sh" 2>/dev/null | tail -n 1)"
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" > "$WORK/redis.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

echo "bench/admin: building guard (Release)" >&2
dotnet build "$ROOT/src/Gateway/Guard.Gateway.csproj" -c Release -o "$OUT" -nologo -v quiet -clp:ErrorsOnly >&2

TOKEN="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
SHA="$(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1)"
cat > "$WORK/guard.yaml" <<YAML
modelHost:
  repository: $ROOT/models
  onnxRuntimeLibrary: $ORT
  models: [ fashion_cnn_s025 ]
models:
  fashion_cnn_s025: { upstream: embedded, policy: smoothed }
policies:
  smoothed:
    limits: { enabled: true }
    smoothing: { enabled: true, baseModel: fashion_cnn_s025, sigma: 0.25, n0: 100, n: 1000, alpha: 0.001 }
state:
  backend: redis
  keyPrefix: "bench-admin:"
  redis: { endpoints: [ "127.0.0.1:$REDIS_PORT" ] }
admin:
  policyPollInterval: "00:01:00"
  users: [ { name: bench, role: admin, tokenSha256: $SHA } ]
logging: { logLevel: { default: Warning } }
YAML

start_guard() { # name → prints the console address once listening
  local name="$1" dir="$WORK/$1"
  mkdir -p "$dir"
  (cd "$dir" && GUARD_listeners__grpc__address=127.0.0.1:0 GUARD_listeners__http__address=127.0.0.1:0 \
     GUARD_admin__address=127.0.0.1:0 GUARD_admin__grpcAddress=127.0.0.1:0 \
     exec "$OUT/guard" serve --config "$WORK/guard.yaml" > "$dir/out.log" 2> "$dir/err.log") &
  PIDS+=($!)
  for _ in $(seq 1 600); do
    if grep -q "Guard listening" "$dir/out.log" 2>/dev/null; then
      sed -nE 's/.*console http:\/\/([0-9.]+:[0-9]+).*/\1/p' "$dir/out.log"; return 0
    fi
    sleep 0.1
  done
  echo "bench/admin: guard $name did not start: $(cat "$dir/err.log")" >&2; exit 1
}
A="$(start_guard a)"
B="$(start_guard b)"
echo "bench/admin: replicas A=$A B=$B, redis 127.0.0.1:$REDIS_PORT" >&2
mkdir -p "$RESULTS"
/usr/bin/python3 "$ROOT/bench/admin/measure.py" --a "$A" --b "$B" --token "$TOKEN" --changes "${BENCH_CHANGES:-100}" \
  --redis "$(redis-server --version | sed -nE 's/.*v=([0-9.]+).*/\1/p')" --json "$RESULTS/admin.json" --md "$RESULTS/admin.md"
cat "$RESULTS/admin.md"
