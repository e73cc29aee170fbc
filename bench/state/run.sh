#!/usr/bin/env bash
# Per-request state overhead of the limits stage: AdmitAsync (a per-client token bucket and a per-client quota, as
# a policy configures them) on the embedded store and on Redis over loopback (a real redis-server this script
# starts on a free port), one caller for latency and BENCH_CONCURRENCY callers for throughput; Redis round trips per
# admission counted with MONITOR: every command a client sends appears, and the ones a Lua script runs inside the
# server are marked "lua" and left out, so the count is what crosses the network.
# Knobs: BENCH_SECONDS (5), BENCH_CONCURRENCY (16), BENCH_CLIENTS (distinct client ids, 1000).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$ROOT/bench/state/.out"
RESULTS="$ROOT/bench/results"
WORK="$(mktemp -d /tmp/guard-bench-state.XXXXXX)"
REDIS_PID=""
cleanup() { [ -n "$REDIS_PID" ] && kill "$REDIS_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM

command -v redis-server >/dev/null || { echo "bench: redis-server is required (tools/setup.sh installs it)" >&2; exit 1; }
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" > "$WORK/redis.log" 2>&1 &
REDIS_PID=$!
for _ in $(seq 1 50); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

echo "bench: building (Release)" >&2
dotnet build "$ROOT/bench/state/Guard.Bench.State/Guard.Bench.State.csproj" -c Release -o "$OUT" -nologo -v quiet -clp:ErrorsOnly >&2
mkdir -p "$RESULTS"
"$OUT/Guard.Bench.State" --redis "127.0.0.1:$PORT" --seconds "${BENCH_SECONDS:-5}" --concurrency "${BENCH_CONCURRENCY:-16}" \
  --clients "${BENCH_CLIENTS:-1000}" --out "$RESULTS/state.json"
# Round trips: MONITOR while a fresh client runs N admissions (its connection set-up is counted too).
N=1000
redis-cli -p "$PORT" monitor > "$WORK/monitor.txt" &
MON_PID=$!
sleep 0.5
"$OUT/Guard.Bench.State" --redis "127.0.0.1:$PORT" --roundtrips "$N" --out /dev/null
sleep 0.5
kill "$MON_PID" 2>/dev/null || true
/usr/bin/python3 - "$RESULTS/state.json" "$RESULTS/state.md" "$(redis-server --version | cut -d' ' -f3)" "$WORK/monitor.txt" "$N" <<'PY'
import json, re, sys
from collections import Counter
rows = json.load(open(sys.argv[1]))
n = int(sys.argv[5])
sent = Counter()
for line in open(sys.argv[4], errors="replace"):
    m = re.match(r'^[\d.]+ \[\d+ ([^\]]+)\] "([^"]+)"', line)
    if m and m.group(1) != "lua":
        sent[m.group(2).lower()] += 1
total = sum(sent.values())
for r in rows:
    r["redis_round_trips_per_admission"] = round(total / n, 3) if r["store"] == "redis" else None
r_detail = ", ".join(f"{k} {v}" for k, v in sent.most_common())
json.dump({"rows": rows, "monitor": {"admissions": n, "commands_sent": dict(sent)}}, open(sys.argv[1], "w"), indent=2)
lines = ["# Limits-stage state overhead (AdmitAsync: one bucket + one quota per client)", "",
         f"Redis {sys.argv[3]} on loopback; one caller for latency, concurrent callers for throughput.", "",
         "| store | p50 µs | p90 µs | p99 µs | admissions/s (concurrent) | Redis round trips per admission |",
         "|---|---:|---:|---:|---:|---:|"]
for r in rows:
    rt = "-" if r["redis_round_trips_per_admission"] is None else f"{r['redis_round_trips_per_admission']:.2f}"
    lines.append(f"| {r['store']} | {r['p50_us']:.1f} | {r['p90_us']:.1f} | {r['p99_us']:.1f} | {r['admissions_per_s']:.0f} ({r['concurrent_callers']}) | {rt} |")
lines += ["", f"Commands the client sent for {n} admissions on a fresh connection (MONITOR, script-internal calls excluded): {r_detail}."]
open(sys.argv[2], "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
