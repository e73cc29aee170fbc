#!/usr/bin/env bash
# Passthrough benchmark: client -> upstream direct, client -> Guard -> upstream, client -> nginx grpc_pass -> upstream.
#
#   bench/run.sh            build, start everything on 127.0.0.1, measure, print the table,
#                           write bench/results/passthrough.{md,json}, stop everything.
#
# Knobs (environment), defaults in brackets:
#   BENCH_TARGETS       targets to measure                        [direct guard nginx]  (+ guard_validated: Guard with
#                                                                  the validation guard on, useModelMetadata false)
#   BENCH_PAYLOADS      payloads                                   [small mnist 1mib]
#   BENCH_ROUNDS        measurement rounds (order rotated per round) [3]
#   BENCH_DURATION      seconds per throughput run, per round      [4]
#   BENCH_WARMUP        seconds of discarded warm-up per target on the first payload (2 s on the others) [15]
#   BENCH_CLIENTS       h2load -c (connections), throughput        [4]
#   BENCH_STREAMS       h2load -m (streams per connection)         [32]
#   BENCH_STREAMS_1MIB  h2load -m for the 1 MiB payload            [8]
#   BENCH_LAT_N         requests in the latency regime (-c 1 -m 1), over all rounds [6000]
#   BENCH_LAT_N_1MIB    same, for the 1 MiB payload                [600]
#   BENCH_PIN           split: h2load on CPU 0, upstream + proxy on CPU 1 (default)
#                       none:  no pinning, everything shares all CPUs
#   BENCH_GUARD_BIN     use this prebuilt guard binary instead of building src/Gateway
#   BENCH_SKIP_BUILD=1  reuse bench/.out from a previous run
#   BENCH_KEEP=1        keep the work directory (logs, configs, h2load logs) and print its path
#   BENCH_MAX_SECONDS   hard limit for the whole run               [600]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench"
OUT_BIN="$BENCH/.out"
RESULTS="$BENCH/results"
PY=/usr/bin/python3

TARGETS=(${BENCH_TARGETS:-direct guard nginx})
PAYLOADS=(${BENCH_PAYLOADS:-small mnist 1mib})
ROUNDS="${BENCH_ROUNDS:-3}"
DURATION="${BENCH_DURATION:-4}"
WARMUP="${BENCH_WARMUP:-15}"
CLIENTS="${BENCH_CLIENTS:-4}"
STREAMS="${BENCH_STREAMS:-32}"
STREAMS_1MIB="${BENCH_STREAMS_1MIB:-8}"
LAT_N="${BENCH_LAT_N:-6000}"
LAT_N_1MIB="${BENCH_LAT_N_1MIB:-600}"
PIN="${BENCH_PIN:-split}"
MAX_SECONDS="${BENCH_MAX_SECONDS:-600}"
PATH_INFER="/inference.GRPCInferenceService/ModelInfer"

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
machine_busy_pct() { # share of all CPUs busy over SECONDS (default 1), from /proc/stat
  local a b
  a=($(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat)); sleep "${1:-1}"
  b=($(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat))
  echo $(( (b[0] - a[0]) * 100 / (b[1] - a[1] + 1) ))
}

for tool in h2load nginx protoc dotnet curl taskset; do
  command -v "$tool" >/dev/null || die "$tool not found (apt-get install -y nginx nghttp2-client protobuf-compiler curl util-linux)"
done
$PY -c 'import grpc, google.protobuf' 2>/dev/null || die "$PY needs grpcio and protobuf (apt-get install -y python3-grpcio python3-protobuf)"

NCPU="$(nproc)"
case "$PIN" in
  split)
    if [ "$NCPU" -ge 2 ]; then
      LOADER_CPUS=0
      SERVER_CPUS="1-$((NCPU - 1))"
      PIN_DESC="h2load (1 thread) on CPU 0; upstream and proxy share CPU(s) $SERVER_CPUS (same for every path; the direct path's upstream has them alone)"
    else
      LOADER_CPUS=0; SERVER_CPUS=0; PIN_DESC="single CPU: no pinning possible"
    fi
    ;;
  none)
    LOADER_CPUS="0-$((NCPU - 1))"; SERVER_CPUS="$LOADER_CPUS"
    PIN_DESC="none: h2load, upstream and proxy share all $NCPU CPUs"
    ;;
  *) die "BENCH_PIN must be split or none" ;;
esac
SERVER_NCPU="$(taskset -c "$SERVER_CPUS" nproc)"

# ---------------------------------------------------------------- process bookkeeping and cleanup
WORK="$(mktemp -d /tmp/guard-bench.XXXXXX)"
PIDS=()
WATCHDOG=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [ -n "$WATCHDOG" ] && kill "$WATCHDOG" 2>/dev/null || true
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    local alive=0
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  if [ "${BENCH_KEEP:-0}" = 1 ]; then log "work directory kept: $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap '[ -f "$WORK/.timed-out" ] && log "hard limit of ${MAX_SECONDS}s reached" || log "interrupted"; exit 130' INT TERM
# Watchdog: its sleep is killed with it (by pid) so nothing outlives the run.
( exec >/dev/null 2>&1; sleep "$MAX_SECONDS" & s=$!; trap 'kill $s; exit 0' TERM; wait $s; touch "$WORK/.timed-out"; kill -TERM $$ ) &
WATCHDOG=$!

started_at=$SECONDS

# ---------------------------------------------------------------- build
mkdir -p "$OUT_BIN" "$RESULTS"
UPSTREAM_BIN="$OUT_BIN/upstream/guard-bench-upstream"
GUARD_BIN="${BENCH_GUARD_BIN:-$OUT_BIN/guard/guard}"
GUARD_BUILD_ERROR=""
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  log "building bench upstream (Release)"
  dotnet build "$BENCH/Guard.Bench.Upstream/Guard.Bench.Upstream.csproj" -c Release -o "$OUT_BIN/upstream" \
    -nologo -v quiet -clp:ErrorsOnly > "$WORK/build-upstream.log" 2>&1 || { cat "$WORK/build-upstream.log" >&2; die "bench upstream did not build"; }
  if [ -z "${BENCH_GUARD_BIN:-}" ] && printf '%s\n' "${TARGETS[@]}" | grep -q '^guard'; then
    log "building Guard (Release, src/Gateway)"
    if ! dotnet build "$ROOT/src/Gateway/Guard.Gateway.csproj" -c Release -o "$OUT_BIN/guard" \
        -nologo -v quiet -clp:ErrorsOnly > "$WORK/build-guard.log" 2>&1; then
      GUARD_BUILD_ERROR="$(grep -m5 -E 'error' "$WORK/build-guard.log" || tail -5 "$WORK/build-guard.log")"
      log "Guard did not build; continuing without it:"; printf '%s\n' "$GUARD_BUILD_ERROR" >&2
    fi
  fi
fi
[ -x "$UPSTREAM_BIN" ] || die "$UPSTREAM_BIN missing"

# ---------------------------------------------------------------- request bodies and stubs
mkdir -p "$WORK/pb" "$WORK/bodies"
protoc -I "$ROOT/protos" --python_out="$WORK/pb" "$ROOT/protos/inference/grpc_service.proto"
touch "$WORK/pb/inference/__init__.py"
export PYTHONPATH="$WORK/pb${PYTHONPATH:+:$PYTHONPATH}"
BENCH_MODEL=bench $PY "$BENCH/bench_tool.py" gen "$WORK/bodies" > "$WORK/bodies.json"
BENCH_MODEL=bench_validated $PY "$BENCH/bench_tool.py" gen "$WORK/bodies-validated" > /dev/null

read -r UP_PORT GUARD_PORT GUARD_HTTP_PORT NGINX_PORT < <($PY - <<'EOF'
import socket
socks = []
for _ in range(4):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(*(s.getsockname()[1] for s in socks))
EOF
)

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local limit=$1 what=$2; shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.2
  done
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ---------------------------------------------------------------- upstream
# Other work on the machine skews every number; say how busy it was before we started anything.
BUSY_BEFORE="$(machine_busy_pct 1)"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
[ "$BUSY_BEFORE" -gt 10 ] && log "WARNING: the machine was ${BUSY_BEFORE}% busy before the benchmark started (load $LOAD_BEFORE): numbers will be noisy"
log "starting upstream on 127.0.0.1:$UP_PORT (CPUs $SERVER_CPUS)"
taskset -c "$SERVER_CPUS" "$UPSTREAM_BIN" --port "$UP_PORT" > "$WORK/upstream.log" 2>&1 &
UP_PID=$!; PIDS+=("$UP_PID")
wait_for 30 upstream grep -q "^READY $UP_PORT" "$WORK/upstream.log" || { cat "$WORK/upstream.log" >&2; die "upstream did not start"; }

# ---------------------------------------------------------------- Guard
GUARD_PID=""
GUARD_START_ERROR=""
if printf '%s\n' "${TARGETS[@]}" | grep -q '^guard'; then
  cat > "$WORK/guard.yaml" <<EOF
listeners:
  grpc: { address: "127.0.0.1:$GUARD_PORT", maxConcurrentStreams: 1000 }
  http: { address: "127.0.0.1:$GUARD_HTTP_PORT" }
upstreams:
  bench:
    endpoints: [ "http://127.0.0.1:$UP_PORT" ]
    healthCheck: { interval: "00:00:05", timeout: "00:00:02" }
models:
  # Explicit "none": a model without a policy would get the "default" policy when one exists.
  "*": { upstream: bench, policy: none }
  bench_validated: { upstream: bench, policy: default }
policies:
  default:
    validation: { enabled: true, useModelMetadata: false }
logging: { logLevel: { default: Warning } }
EOF
  if [ -x "$GUARD_BIN" ]; then
    log "starting Guard on 127.0.0.1:$GUARD_PORT (CPUs $SERVER_CPUS)"
    (cd "$WORK" && exec taskset -c "$SERVER_CPUS" "$GUARD_BIN" serve --config "$WORK/guard.yaml") > "$WORK/guard.log" 2>&1 &
    GUARD_PID=$!; PIDS+=("$GUARD_PID")
    if ! wait_for 60 guard curl -fsS "http://127.0.0.1:$GUARD_HTTP_PORT/readyz"; then
      GUARD_START_ERROR="Guard did not become ready in 60 s: $(tail -5 "$WORK/guard.log" | tr '\n' ' ')"
      log "$GUARD_START_ERROR"
      kill "$GUARD_PID" 2>/dev/null || true
      GUARD_PID=""
    fi
  else
    GUARD_START_ERROR="no Guard binary at $GUARD_BIN${GUARD_BUILD_ERROR:+ (build failed: $GUARD_BUILD_ERROR)}"
    log "$GUARD_START_ERROR"
  fi
fi

# ---------------------------------------------------------------- nginx
NGINX_PID=""
if printf '%s\n' "${TARGETS[@]}" | grep -qx nginx; then
  NG="$WORK/nginx"
  mkdir -p "$NG/tmp"
  # Upstream keepalive must cover the offered concurrency: nginx's grpc_pass runs one stream per upstream
  # connection, and connections beyond the keepalive pool are closed after each request.
  KEEPALIVE=$((CLIENTS * STREAMS)); [ "$KEEPALIVE" -lt 64 ] && KEEPALIVE=64
  cat > "$NG/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes $SERVER_NCPU;
pid $NG/nginx.pid;
error_log $NG/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $NG/tmp/body;
  proxy_temp_path $NG/tmp/proxy;
  fastcgi_temp_path $NG/tmp/fastcgi;
  uwsgi_temp_path $NG/tmp/uwsgi;
  scgi_temp_path $NG/tmp/scgi;
  # Defaults end a client connection after 1000 requests; h2load does not reconnect.
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  client_max_body_size 0;
  client_body_buffer_size 2m;
  http2_max_concurrent_streams 1000;
  upstream bench {
    server 127.0.0.1:$UP_PORT;
    keepalive $KEEPALIVE;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT http2;
    location / {
      grpc_pass grpc://bench;
    }
  }
}
EOF
  nginx -t -c "$NG/nginx.conf" -p "$NG/" > "$NG/configtest.log" 2>&1 || { cat "$NG/configtest.log" >&2; die "nginx config rejected"; }
  log "starting nginx on 127.0.0.1:$NGINX_PORT ($SERVER_NCPU worker(s), CPUs $SERVER_CPUS)"
  taskset -c "$SERVER_CPUS" nginx -c "$NG/nginx.conf" -p "$NG/" > "$NG/stdout.log" 2>&1 &
  NGINX_PID=$!; PIDS+=("$NGINX_PID")
  wait_for 20 nginx port_open "$NGINX_PORT" || { cat "$NG/error.log" >&2; die "nginx did not start"; }
fi

# ---------------------------------------------------------------- helpers for measurements
target_port() {
  case "$1" in
    direct) echo "$UP_PORT" ;;
    guard|guard_validated) echo "$GUARD_PORT" ;;
    nginx) echo "$NGINX_PORT" ;;
  esac
}
target_pids() { # the proxy's processes (nginx: master and workers); empty for direct
  case "$1" in
    guard|guard_validated) [ -n "$GUARD_PID" ] && echo "$GUARD_PID" ;;
    nginx) [ -n "$NGINX_PID" ] && { echo "$NGINX_PID"; pgrep -P "$NGINX_PID" || true; } ;;
  esac
}
target_bodies() { [ "$1" = guard_validated ] && echo "$WORK/bodies-validated" || echo "$WORK/bodies"; }
cpu_ticks() { # summed utime+stime of the given pids
  local total=0 pid fields
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] || continue
    fields="$(sed 's/^.*) //' "/proc/$pid/stat")"
    # after the comm field: state is field 1, utime field 12, stime field 13
    total=$((total + $(awk '{print $12 + $13}' <<<"$fields")))
  done
  echo "$total"
}
reset_hwm() { local pid; for pid in "$@"; do echo 5 > "/proc/$pid/clear_refs" 2>/dev/null || true; done; }
hwm_kib() { local total=0 pid v; for pid in "$@"; do v="$(awk '/^VmHWM:/{print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)"; total=$((total + ${v:-0})); done; echo "$total"; }
CLK_TCK="$(getconf CLK_TCK)"

h2load_run() { # h2load_run PORT BODY LOGFILE SUMMARY ARGS...
  local port=$1 body=$2 logfile=$3 summary=$4; shift 4
  rm -f "$logfile"
  # -w 24: 16 MiB stream windows, as gRPC clients with BDP probing reach; h2load's 64 KiB default would make
  # the loader pace 1 MiB responses with WINDOW_UPDATE round trips.
  timeout 120 taskset -c "$LOADER_CPUS" h2load -w 24 -W 30 "$@" \
    -H 'content-type: application/grpc' -H 'te: trailers' -d "$body" \
    ${logfile:+--log-file "$logfile"} "http://127.0.0.1:$port$PATH_INFER" > "$summary" 2>&1 || true
}

RESULTS_JSONL="$WORK/results.jsonl"
: > "$RESULTS_JSONL"

streams_for() { [ "$1" = 1mib ] && echo "$STREAMS_1MIB" || echo "$STREAMS"; }
lat_n_for() { # requests per round in the latency regime
  local total=$LAT_N; [ "$1" = 1mib ] && total=$LAT_N_1MIB
  echo $(( (total + ROUNDS - 1) / ROUNDS ))
}

run_throughput() { # run_throughput ROUND TARGET PAYLOAD
  local round=$1 target=$2 payload=$3 port body streams pids ticks0 ticks1 up0 up1 rss
  port="$(target_port "$target")"; body="$(target_bodies "$target")/$payload.bin"; streams="$(streams_for "$payload")"
  mapfile -t pids < <(target_pids "$target")
  local d="$WORK/runs/$target-$payload"; mkdir -p "$d"
  reset_hwm "${pids[@]}"
  ticks0=$(cpu_ticks "${pids[@]}"); up0=$(cpu_ticks "$UP_PID")
  h2load_run "$port" "$body" "$d/tp$round.log" "$d/tp$round.txt" -c "$CLIENTS" -m "$streams" -D "$DURATION"
  ticks1=$(cpu_ticks "${pids[@]}"); up1=$(cpu_ticks "$UP_PID")
  rss=$(hwm_kib "${pids[@]}")
  $PY "$BENCH/bench_tool.py" record "$RESULTS_JSONL" "$round" "$target" "$payload" throughput "$d/tp$round.txt" "$d/tp$round.log" \
    "${EXPECTED[$target/$payload]}" "$((ticks1 - ticks0))" "$((up1 - up0))" "$CLK_TCK" "$rss" "${#pids[@]}" "$CLIENTS" "$streams"
}

run_latency() { # run_latency ROUND TARGET PAYLOAD
  local round=$1 target=$2 payload=$3 port body n pids ticks0 ticks1 up0 up1
  port="$(target_port "$target")"; body="$(target_bodies "$target")/$payload.bin"; n="$(lat_n_for "$payload")"
  mapfile -t pids < <(target_pids "$target")
  local d="$WORK/runs/$target-$payload"; mkdir -p "$d"
  # A few sequential requests first: h2load opens a new connection, and the first requests on it pay for that.
  h2load_run "$port" "$body" "" "$d/lat$round-warm.txt" -c 1 -m 1 -n 50
  ticks0=$(cpu_ticks "${pids[@]}"); up0=$(cpu_ticks "$UP_PID")
  h2load_run "$port" "$body" "$d/lat$round.log" "$d/lat$round.txt" -c 1 -m 1 -n "$n"
  ticks1=$(cpu_ticks "${pids[@]}"); up1=$(cpu_ticks "$UP_PID")
  $PY "$BENCH/bench_tool.py" record "$RESULTS_JSONL" "$round" "$target" "$payload" latency "$d/lat$round.txt" "$d/lat$round.log" \
    "${EXPECTED[$target/$payload]}" "$((ticks1 - ticks0))" "$((up1 - up0))" "$CLK_TCK" 0 "${#pids[@]}" 1 1
}


# ---------------------------------------------------------------- correctness, then load
ACTIVE=()
declare -A EXPECTED
for target in "${TARGETS[@]}"; do
  case "$target" in
    guard|guard_validated) [ -z "$GUARD_PID" ] && { log "skipping $target: $GUARD_START_ERROR"; continue; } ;;
    direct|nginx) ;;
    *) die "unknown target $target" ;;
  esac
  model=bench; [ "$target" = guard_validated ] && model=bench_validated
  if ! sizes="$(BENCH_MODEL=$model $PY "$BENCH/bench_tool.py" check "127.0.0.1:$(target_port "$target")" "$(target_bodies "$target")" 2> "$WORK/check-$target.err")"; then
    msg="$(tail -3 "$WORK/check-$target.err" | tr '\n' ' ')"
    log "$target failed the gRPC correctness check, not measured: $msg"
    [ "$target" = guard ] && GUARD_START_ERROR="correctness check failed: $msg"
    continue
  fi
  log "$target: gRPC check OK (ModelInfer echo verified for ${PAYLOADS[*]})"
  for payload in "${PAYLOADS[@]}"; do
    EXPECTED[$target/$payload]="$($PY -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$sizes" "$payload")"
  done
  ACTIVE+=("$target")
done
[ "${#ACTIVE[@]}" -gt 0 ] || die "no target passed the correctness check"

# Warm-up: .NET tiers its JIT (and PGO) over the first seconds of load, so every path (and the upstream
# through it) is driven for a while before anything is measured. Discarded.
for target in "${ACTIVE[@]}"; do
  for payload in "${PAYLOADS[@]}"; do
    secs=2; [ "$payload" = "${PAYLOADS[0]}" ] && secs=$WARMUP
    log "warm-up: $target/$payload ${secs}s"
    h2load_run "$(target_port "$target")" "$(target_bodies "$target")/$payload.bin" "" "$WORK/warmup-$target-$payload.txt" \
      -c "$CLIENTS" -m "$(streams_for "$payload")" -D "$secs"
    h2load_run "$(target_port "$target")" "$(target_bodies "$target")/$payload.bin" "" "$WORK/warmup-lat-$target-$payload.txt" -c 1 -m 1 -n 200
  done
done

# What the rest of the machine did while we measured: all CPU time minus ours (servers, and h2load and the
# helpers through this script's reaped children), as a share of the machine.
cpu_snapshot() {
  local servers kids
  servers=$(cpu_ticks "$UP_PID" $GUARD_PID $(target_pids nginx))
  kids=$(sed 's/^.*) //' /proc/$$/stat | awk '{print $14 + $15}')
  awk -v ours=$((servers + kids)) '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9, ours}' /proc/stat
}
SNAP0=($(cpu_snapshot))

# Rounds: each round measures every path, in an order rotated per round, so slow drift or a noisy
# neighbour hits all paths alike. Throughput is the median of the rounds; latency pools all samples.
for round in $(seq 1 "$ROUNDS"); do
  order=("${ACTIVE[@]:$(( (round - 1) % ${#ACTIVE[@]} ))}" "${ACTIVE[@]:0:$(( (round - 1) % ${#ACTIVE[@]} ))}")
  for payload in "${PAYLOADS[@]}"; do
    log "round $round/$ROUNDS, $payload: throughput ${DURATION}s each (-c $CLIENTS -m $(streams_for "$payload")), then latency (-c 1 -m 1 -n $(lat_n_for "$payload")); order: ${order[*]}"
    for target in "${order[@]}"; do run_throughput "$round" "$target" "$payload"; done
    for target in "${order[@]}"; do run_latency "$round" "$target" "$payload"; done
  done
done

# Processes must still be alive: a crash under load would otherwise look like a short run.
for pid in "$UP_PID" $GUARD_PID $NGINX_PID; do
  kill -0 "$pid" 2>/dev/null || { log "WARNING: process $pid exited during the run"; CRASHED="${CRASHED:-} $pid"; }
done
SNAP1=($(cpu_snapshot))
FOREIGN_PCT=$(( (SNAP1[0] - SNAP0[0] - (SNAP1[2] - SNAP0[2])) * 100 / (SNAP1[1] - SNAP0[1] + 1) ))
[ "$FOREIGN_PCT" -lt 0 ] && FOREIGN_PCT=0
[ "$FOREIGN_PCT" -gt 5 ] && log "WARNING: other processes used ${FOREIGN_PCT}% of the machine's CPU during the measurements"
BUSY_AFTER="$(machine_busy_pct 1)"
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- report
$PY - "$WORK/meta.json" <<EOF
import json, platform, subprocess, sys, datetime
def out(cmd):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        return (r.stdout + r.stderr).strip().splitlines()[0]
    except Exception as e:
        return f"unknown ({e})"
meta = {
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    "host": platform.node(), "cpus": $NCPU, "kernel": platform.release(),
    "nginx": out(["nginx", "-v"]), "h2load": out(["h2load", "--version"]), "dotnet": out(["dotnet", "--version"]),
    "pinning": """$PIN_DESC""", "pin_mode": "$PIN",
    "targets": "${ACTIVE[*]}".split(), "requested_targets": "${TARGETS[*]}".split(), "payloads": "${PAYLOADS[*]}".split(),
    "tp_clients": $CLIENTS, "tp_streams": $STREAMS, "tp_streams_1mib": $STREAMS_1MIB, "tp_duration": $DURATION, "warmup": $WARMUP,
    "lat_requests": $LAT_N, "lat_requests_1mib": $LAT_N_1MIB,
    "nginx_workers": $SERVER_NCPU, "rounds": $ROUNDS, "nginx_upstream_keepalive": ${KEEPALIVE:-0},
    "foreign_cpu_pct": $FOREIGN_PCT, "busy_before_pct": $BUSY_BEFORE, "busy_after_pct": $BUSY_AFTER, "load_before": "$LOAD_BEFORE", "load_after": "$LOAD_AFTER",
    "crashed_pids": "${CRASHED:-}".split(), "guard_error": """${GUARD_START_ERROR//\"/\'}""",
    "payload_shapes": json.load(open("$WORK/bodies.json")),
}
json.dump(meta, open(sys.argv[1], "w"), indent=2)
EOF
$PY "$BENCH/bench_tool.py" report "$RESULTS_JSONL" "$RESULTS/passthrough.md" "$RESULTS/passthrough.json" "$WORK/meta.json"
log "done in $((SECONDS - started_at)) s: $RESULTS/passthrough.md, $RESULTS/passthrough.json"
