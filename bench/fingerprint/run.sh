#!/usr/bin/env bash
# Query fingerprint (src/Guards/QueryPatterns): Compute() cost per query (p50/p99 µs) for 28×28 and 3×224×224 float
# inputs, and the calibration table (benign FPR on the 1,000 Fashion-MNIST eval images, queries-to-detection on
# simulated attack streams) at several (Window, Step, TopS, Threshold, mitigation) settings, and the per-query cost of
# the whole fingerprint stage (FingerprintGuard.InspectAsync: Compute + the index's MatchAndAddAsync) on the embedded
# index and on Redis over loopback (a redis-server this script starts on a free port; without redis-server on PATH the
# Redis rows are skipped with a note). See README.md.
# Writes bench/results/fingerprint.md. Knob: BENCH_QUICK=1 for fewer timing iterations.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$ROOT/bench/fingerprint/.out"
RESULTS="$ROOT/bench/results"
WORK="$(mktemp -d /tmp/guard-bench-fingerprint.XXXXXX)"
REDIS_PID=""
cleanup() {
  if [ -n "$REDIS_PID" ]; then kill "$REDIS_PID" 2>/dev/null || true; wait "$REDIS_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
echo "bench: building (Release)" >&2
dotnet build "$ROOT/bench/fingerprint/Guard.Bench.Fingerprint/Guard.Bench.Fingerprint.csproj" -c Release -o "$OUT" -nologo -v quiet -clp:ErrorsOnly >&2
mkdir -p "$RESULTS"
ARGS=(--eval "$ROOT/models/eval/fashion_eval_1000.bin" --out "$RESULTS/fingerprint.md")
[ "${BENCH_QUICK:-0}" = "1" ] && ARGS+=(--quick)
if command -v redis-server >/dev/null; then
  PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" > "$WORK/redis.log" 2>&1 &
  REDIS_PID=$!
  UP=0
  for _ in $(seq 1 50); do
    if { exec 3<>"/dev/tcp/127.0.0.1/$PORT"; } 2>/dev/null; then exec 3>&-; UP=1; break; fi
    sleep 0.1
  done
  if [ "$UP" = 1 ]; then
    ARGS+=(--redis "127.0.0.1:$PORT")
  else
    echo "bench: redis-server did not start (log: $(tail -n 3 "$WORK/redis.log" | tr '\n' ' ')); the Redis rows are skipped" >&2
    ARGS+=(--no-redis "redis-server did not start on port $PORT")
  fi
else
  echo "bench: redis-server not found; the Redis rows are skipped (apt-get install redis-server)" >&2
  ARGS+=(--no-redis "redis-server was not on PATH when run.sh ran (Debian package redis-server)")
fi
"$OUT/Guard.Bench.Fingerprint" "${ARGS[@]}"
