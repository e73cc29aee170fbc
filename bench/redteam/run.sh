#!/usr/bin/env bash
# Black-box defense evaluation, one command: five query-based attacks (HopSkipJump, Square, SimBA, Boundary, NES) and
# a benign replay of the evaluation set, through Guard in front of the demo Fashion-MNIST model.
#
#   bench/redteam/run.sh
#
# Starts two Guard processes on 127.0.0.1:
#   model server  Guard with no policy serving fashion_cnn on its embedded host (the "Triton" of this setup): the
#                 baseline columns attack it directly;
#   guarded       Guard with the shipped detection stages (limits, validation, fingerprint, knn; action reject) in
#                 front of the model server over gRPC: the detection columns attack it.
# Each attack run uses its own API key (the k-NN stage keeps history per client), the benign replay another one.
# Writes bench/results/redteam.{txt,json} and the guarded Guard's blocked-query log bench/results/redteam-blocked.db.
#
# Knobs: REDTEAM_RUNS [20] runs per attack, REDTEAM_BUDGET [2000] queries per baseline run, REDTEAM_ATTACKS
# [hsj,square,simba,boundary,nes], REDTEAM_BENIGN [1000] benign queries (the whole evaluation set),
# REDTEAM_BENIGN_SET [models/eval/fashion_eval_1000.bin] (or e.g. /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz),
# REDTEAM_STATE [embedded] or redis (a private redis-server is started), REDTEAM_SEED [1].
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$ROOT/bench/redteam/.out"
RESULTS="$ROOT/bench/results"
RUNS="${REDTEAM_RUNS:-20}"
BUDGET="${REDTEAM_BUDGET:-2000}"
ATTACKS="${REDTEAM_ATTACKS:-hsj,square,simba,boundary,nes}"
BENIGN="${REDTEAM_BENIGN:-1000}"
BENIGN_SET="${REDTEAM_BENIGN_SET:-$ROOT/models/eval/fashion_eval_1000.bin}"
STATE="${REDTEAM_STATE:-embedded}"
SEED="${REDTEAM_SEED:-1}"

bash "$ROOT/tools/setup.sh" >&2
ORT="$(bash "$ROOT/tools/onnxruntime.sh" 2>/dev/null | tail -n 1)"
echo "redteam: building guard (Release)" >&2
dotnet build "$ROOT/src/Gateway/Guard.Gateway.csproj" -c Release -o "$OUT" -nologo -v quiet -clp:ErrorsOnly >&2
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
sha256() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
random_hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }

# Attackers' keys (one per run, as independent adversaries would have) and the benign client's key.
: > "$WORK/keys.txt"
KEYS_YAML=""
for i in $(seq 1 "$((RUNS * 5))"); do
  key="attacker-$i-$(random_hex 8)"
  echo "$key" >> "$WORK/keys.txt"
  KEYS_YAML+="    - { id: attacker-$i, sha256: $(sha256 "$key") }"$'\n'
done
BENIGN_KEY="benign-$(random_hex 8)"
KEYS_YAML+="    - { id: benign, sha256: $(sha256 "$BENIGN_KEY") }"$'\n'

MS_GRPC="$(free_port)"; MS_HTTP="$(free_port)"; G_GRPC="$(free_port)"; G_HTTP="$(free_port)"
STATE_YAML="state: { backend: embedded }"
if [ "$STATE" = "redis" ]; then
  REDIS_PORT="$(free_port)"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no > "$WORK/redis.log" 2>&1 &
  PIDS+=($!)
  STATE_YAML="state: { backend: redis, redis: { endpoints: [ \"127.0.0.1:$REDIS_PORT\" ] } }"
fi

cat > "$WORK/model-server.yaml" <<YAML
listeners:
  grpc: { address: "127.0.0.1:$MS_GRPC" }
  http: { address: "127.0.0.1:$MS_HTTP" }
modelHost:
  repository: $ROOT/models
  onnxRuntimeLibrary: $ORT
  models: [ fashion_cnn ]
models:
  fashion_cnn: { upstream: embedded, policy: none }
blockedQueryLog: { path: $WORK/model-server-blocked.db }
logging: { logLevel: { default: Warning } }
YAML

rm -f "$RESULTS/redteam-blocked.db" "$RESULTS/redteam-blocked.db-wal" "$RESULTS/redteam-blocked.db-shm"
cat > "$WORK/guarded.yaml" <<YAML
listeners:
  grpc: { address: "127.0.0.1:$G_GRPC" }
  http: { address: "127.0.0.1:$G_HTTP" }
upstreams:
  modelserver: { endpoints: [ "http://127.0.0.1:$MS_GRPC" ] }
models:
  fashion_cnn: { upstream: modelserver, policy: guarded }
identity:
  apiKeys:
$KEYS_YAML
$STATE_YAML
queryPatterns: { secret: "$(random_hex 32)" }
policies:
  guarded:
    limits: { enabled: true }
    validation: { enabled: true, useModelMetadata: true, rejectNonFinite: true, minValue: 0, maxValue: 1 }
    fingerprint: { enabled: true }
    knn: { enabled: true }
    actions: { default: reject }
blockedQueryLog: { path: $RESULTS/redteam-blocked.db }
logging: { logLevel: { default: Warning } }
YAML

start_guard() { # config, http port
  "$OUT/guard" serve --config "$1" > "$WORK/$(basename "$1" .yaml).log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$2/readyz" > /dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "redteam: $1 did not become ready:" >&2; cat "$WORK/$(basename "$1" .yaml).log" >&2; exit 1
}
start_guard "$WORK/model-server.yaml" "$MS_HTTP"
start_guard "$WORK/guarded.yaml" "$G_HTTP"

echo "redteam: model server 127.0.0.1:$MS_GRPC, guarded 127.0.0.1:$G_GRPC, state $STATE, $RUNS runs per attack" >&2
"$OUT/guard" redteam \
  --endpoint "http://127.0.0.1:$G_GRPC" --model fashion_cnn \
  --baseline-endpoint "http://127.0.0.1:$MS_GRPC" \
  --attacks "$ATTACKS" --runs "$RUNS" --budget "$BUDGET" --seed "$SEED" \
  --api-keys-file "$WORK/keys.txt" --benign-key "$BENIGN_KEY" \
  --benign-set "$BENIGN_SET" --benign-limit "$BENIGN" \
  --report "$RESULTS/redteam.json" | tee "$RESULTS/redteam.txt"

echo "redteam: detections logged by the guarded Guard:" >&2
"$OUT/guard" log list --config "$WORK/guarded.yaml" --limit 5 >&2 || true
