#!/usr/bin/env bash
# ORT binding overhead benchmark: models/fashion_cnn through our C# P/Invoke binding (src/Guard.OnnxRuntime) vs
# onnxruntime-node 1.23.2, on the same libonnxruntime.so.1 (sha256-checked) with the same session settings.
#
#   bench/ort/run.sh     build/install, check library identity, session options and correctness, measure both
#                        sides one after the other (never concurrently), print a Markdown table and write
#                        bench/results/ort.{md,json}.
#
# Knobs (environment), defaults in brackets:
#   BENCH_ORT_THREADS         intra-op threads, both sides                           [2]
#   BENCH_ORT_SECONDS         measured seconds per batch size, per side, per round    [5]
#   BENCH_ORT_WARMUP_SECONDS  warm-up seconds per batch size (at least BENCH_ORT_WARMUP_RUNS runs) [1]
#   BENCH_ORT_WARMUP_RUNS     minimum warm-up runs per batch size                    [20]
#   BENCH_ORT_BATCHES         batch sizes, comma-separated                            [1,32,256]
#   BENCH_ORT_ROUNDS          rounds; the side order alternates (C#,Node / Node,C# / ...) [3]
#   BENCH_ORT_EXTRA_ROUNDS    at most this many extra rounds, each re-measuring only the batch sizes that a side
#                             has no quiet measurement for yet (other work took > 10% of the pinned CPUs) [1]
#   BENCH_ORT_CPUS            taskset CPU list for both sides, or "none"             [0-(min(nproc, max(2, threads))-1)]
#   BENCH_ORT_SKIP_BUILD=1    reuse bench/ort/.out/csharp and bench/ort/node/node_modules
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/bench/ort"
OUT="$HERE/.out"
NODE_DIR="$HERE/node"
RESULTS="$ROOT/bench/results"
PY=/usr/bin/python3
MODEL="$ROOT/models/fashion_cnn/1/model.onnx"
EVAL="$ROOT/models/eval/fashion_eval_1000.bin"
REFERENCE="$ROOT/models/fashion_cnn/reference_logits.bin"

THREADS="${BENCH_ORT_THREADS:-2}"
SECONDS_PER_BATCH="${BENCH_ORT_SECONDS:-5}"
WARMUP_SECONDS="${BENCH_ORT_WARMUP_SECONDS:-1}"
WARMUP_RUNS="${BENCH_ORT_WARMUP_RUNS:-20}"
BATCHES="${BENCH_ORT_BATCHES:-1,32,256}"
ROUNDS="${BENCH_ORT_ROUNDS:-3}"
EXTRA_ROUNDS="${BENCH_ORT_EXTRA_ROUNDS:-1}"

log() { printf '[bench/ort %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- cleanup
WORK=""
CHILD=""
cleanup() {
  local rc=$?
  if [ -n "$CHILD" ] && kill -0 "$CHILD" 2>/dev/null; then kill "$CHILD" 2>/dev/null || true; fi
  [ -n "$WORK" ] && rm -rf "$WORK"
  [ "$rc" -ne 0 ] && log "failed (exit $rc)"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- checks
[[ "$THREADS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_ORT_THREADS must be a positive integer, not '$THREADS'"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_ORT_ROUNDS must be a positive integer, not '$ROUNDS'"
[[ "$EXTRA_ROUNDS" =~ ^[0-9]+$ ]] || die "BENCH_ORT_EXTRA_ROUNDS must be a non-negative integer, not '$EXTRA_ROUNDS'"
[[ "$SECONDS_PER_BATCH" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "BENCH_ORT_SECONDS must be a number, not '$SECONDS_PER_BATCH'"
[[ "$WARMUP_SECONDS" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "BENCH_ORT_WARMUP_SECONDS must be a number, not '$WARMUP_SECONDS'"
[[ "$WARMUP_RUNS" =~ ^[0-9]+$ ]] || die "BENCH_ORT_WARMUP_RUNS must be a non-negative integer, not '$WARMUP_RUNS'"
[[ "$BATCHES" =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || die "BENCH_ORT_BATCHES must be comma-separated positive integers, not '$BATCHES'"
for tool in dotnet node npm sha256sum timeout; do
  command -v "$tool" >/dev/null || die "$tool not found (needs the .NET 10 SDK, Node.js >= 18 with npm, coreutils)"
done
[ -x "$PY" ] || die "$PY not found (used for the report; standard library only)"
[ -f "$MODEL" ] || die "model not found: $MODEL"
[ -f "$EVAL" ] || die "eval set not found: $EVAL"
[ "$(uname -sm)" = "Linux x86_64" ] || die "linux x64 only (onnxruntime-node's bin/napi-v*/linux/x64 and tools/onnxruntime.sh)"

NCPU="$(nproc)"
if [ -n "${BENCH_ORT_CPUS:-}" ]; then
  CPUS="$BENCH_ORT_CPUS"
else
  n=$(( THREADS > 2 ? THREADS : 2 )); n=$(( n < NCPU ? n : NCPU ))
  CPUS="0-$((n - 1))"
fi
PIN=()
if [ "$CPUS" != none ]; then
  command -v taskset >/dev/null || die "taskset not found (apt-get install util-linux), or set BENCH_ORT_CPUS=none"
  taskset -c "$CPUS" true 2>/dev/null || die "BENCH_ORT_CPUS='$CPUS' is not a usable CPU list on this machine ($NCPU CPUs)"
  PIN=(taskset -c "$CPUS")
  PIN_DESC="taskset -c $CPUS ($(taskset -c "$CPUS" nproc) CPUs)"
else
  PIN_DESC="none ($NCPU CPUs)"
fi

mkdir -p "$OUT" "$RESULTS"
WORK="$(mktemp -d "$OUT/run.XXXXXX")"
rm -f "$OUT"/csharp*.json "$OUT"/node*.json "$OUT"/*_logits*.bin "$OUT"/session_options.txt

# ---------------------------------------------------------------- the library, both sides
log "provisioning libonnxruntime.so.1 for the C# side (tools/onnxruntime.sh)"
GUARD_ORT_LIBRARY="$(bash "$ROOT/tools/onnxruntime.sh" | tail -n 1)" || die "tools/onnxruntime.sh failed"
[ -f "$GUARD_ORT_LIBRARY" ] || die "tools/onnxruntime.sh did not print a library path (got '$GUARD_ORT_LIBRARY')"
export GUARD_ORT_LIBRARY
PINNED_SHA256="$(sed -n 's/^LIBRARY_SHA256="\([0-9a-f]\{64\}\)".*/\1/p' "$ROOT/tools/onnxruntime.sh")"
[ -n "$PINNED_SHA256" ] || die "no LIBRARY_SHA256 found in tools/onnxruntime.sh"

if [ "${BENCH_ORT_SKIP_BUILD:-0}" = 1 ] && [ -d "$NODE_DIR/node_modules/onnxruntime-node" ]; then
  log "reusing $NODE_DIR/node_modules (BENCH_ORT_SKIP_BUILD=1)"
else
  # --ignore-scripts: onnxruntime-node's postinstall downloads the CUDA 12 providers from NuGet on linux/x64
  # (hundreds of MB, not used here); the CPU library is in the npm package itself.
  log "npm ci --ignore-scripts (onnxruntime-node, pinned by package-lock.json)"
  (cd "$NODE_DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) > "$WORK/npm.log" 2>&1 \
    || { cat "$WORK/npm.log" >&2; die "npm ci failed in $NODE_DIR"; }
fi
NODE_ORT_VERSION="$(node -p 'require(process.argv[1]).version' "$NODE_DIR/node_modules/onnxruntime-node/package.json")"
[ "$NODE_ORT_VERSION" = 1.23.2 ] || die "node_modules has onnxruntime-node $NODE_ORT_VERSION, expected 1.23.2 (run without BENCH_ORT_SKIP_BUILD)"
shopt -s nullglob
NODE_LIBS=("$NODE_DIR"/node_modules/onnxruntime-node/bin/napi-v*/linux/x64/libonnxruntime.so.1)
shopt -u nullglob
[ "${#NODE_LIBS[@]}" -eq 1 ] || die "expected one node_modules/onnxruntime-node/bin/napi-v*/linux/x64/libonnxruntime.so.1, found ${#NODE_LIBS[@]}"
NODE_LIB="$(readlink -f "${NODE_LIBS[0]}")"

CS_SHA="$(sha256sum "$GUARD_ORT_LIBRARY" | cut -d' ' -f1)"
NODE_SHA="$(sha256sum "$NODE_LIB" | cut -d' ' -f1)"
log "C#   library $GUARD_ORT_LIBRARY"
log "     sha256  $CS_SHA"
log "Node library $NODE_LIB"
log "     sha256  $NODE_SHA"
log "pinned       $PINNED_SHA256 (tools/onnxruntime.sh LIBRARY_SHA256)"
[ "$CS_SHA" = "$NODE_SHA" ] || die "the two sides would load different libonnxruntime.so.1 files (sha256 differ)"
[ "$CS_SHA" = "$PINNED_SHA256" ] || die "the library's sha256 is not the pinned LIBRARY_SHA256 of tools/onnxruntime.sh"

# ---------------------------------------------------------------- build the C# side
CS_BIN="$OUT/csharp/guard-bench-ort"
if [ "${BENCH_ORT_SKIP_BUILD:-0}" = 1 ] && [ -x "$CS_BIN" ]; then
  log "reusing $CS_BIN (BENCH_ORT_SKIP_BUILD=1)"
else
  log "building bench/ort/Guard.Bench.Ort (Release) into bench/ort/.out/csharp"
  dotnet build "$HERE/Guard.Bench.Ort/Guard.Bench.Ort.csproj" -c Release -o "$OUT/csharp" \
    -nologo -v quiet -clp:ErrorsOnly > "$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; die "Guard.Bench.Ort did not build"; }
fi

COMMON=(--model "$MODEL" --threads "$THREADS")
run_side() { # SIDE LIMIT_SECONDS ARGS...: one side, pinned, under a time limit; returns its exit status
  local side="$1" limit="$2"; shift 2
  local cmd rc=0
  if [ "$side" = csharp ]; then cmd=("$CS_BIN" --library "$GUARD_ORT_LIBRARY"); else cmd=(node "$NODE_DIR/bench.mjs"); fi
  # In the background so that the EXIT trap can stop it on Ctrl-C (timeout runs in its own process group).
  "${PIN[@]}" timeout --kill-after=5 "$limit" "${cmd[@]}" "${COMMON[@]}" "$@" &
  CHILD=$!
  wait "$CHILD" || rc=$?
  CHILD=""
  return "$rc"
}
side_failed() { # SIDE RC [LOG]
  [ -n "${3:-}" ] && cat "$3" >&2
  if [ "$2" -eq 124 ] || [ "$2" -eq 137 ]; then die "the $1 side ran past its time limit"; fi
  die "the $1 side failed (exit $2)"
}

# ---------------------------------------------------------------- same session settings?
# ORT traces the effective session options at info level ("Session Options { ... }"); both must be equal.
log "comparing the session options ORT reports on each side"
for side in csharp node; do
  rc=0; run_side "$side" 60 --options-only --log-level info > "$WORK/options-$side.log" 2>&1 || rc=$?
  [ "$rc" -eq 0 ] || side_failed "$side" "$rc" "$WORK/options-$side.log"
  grep -o 'Session Options {.*' "$WORK/options-$side.log" | head -n 1 > "$WORK/options-$side.txt" || true
  [ -s "$WORK/options-$side.txt" ] || { cat "$WORK/options-$side.log" >&2; die "no 'Session Options' trace from the $side side"; }
done
if ! cmp -s "$WORK/options-csharp.txt" "$WORK/options-node.txt"; then
  diff <(tr ' ' '\n' < "$WORK/options-csharp.txt") <(tr ' ' '\n' < "$WORK/options-node.txt") >&2 || true
  die "the session options differ between the sides (above: < C#, > Node)"
fi
cp "$WORK/options-csharp.txt" "$OUT/session_options.txt"
log "session options identical: $(grep -o 'intra_op_param:OrtThreadPoolParams { thread_pool_size: [0-9]*' "$OUT/session_options.txt"), inter_op $(grep -o 'inter_op_param:OrtThreadPoolParams { thread_pool_size: [0-9]*' "$OUT/session_options.txt" | grep -o '[0-9]*$'), $(grep -o 'graph_optimization_level:[0-9]*' "$OUT/session_options.txt"), $(grep -o 'config_options: {[^}]*}' "$OUT/session_options.txt")"

# ---------------------------------------------------------------- measure
NBATCH=$(( $(tr -cd ',' <<<"$BATCHES" | wc -c) + 1 ))
LIMIT=$(( NBATCH * (${SECONDS_PER_BATCH%.*} + ${WARMUP_SECONDS%.*} + 3) + 60 ))
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
log "measuring: batches $BATCHES, ${SECONDS_PER_BATCH}s each after ${WARMUP_SECONDS}s/${WARMUP_RUNS}+ warm-up runs, $ROUNDS round(s) (+ up to $EXTRA_ROUNDS for disturbed ones), $THREADS intra-op threads, pinned: $PIN_DESC; load average $LOAD_BEFORE"
MEASURE=(--eval "$EVAL" --out "$OUT" --seconds "$SECONDS_PER_BATCH" --warmup-seconds "$WARMUP_SECONDS"
         --warmup-runs "$WARMUP_RUNS")
SEQ=0
measure() { # SIDE BATCHES: one measuring process; its files become SIDE.NN.json and SIDE_logits.NN.bin
  local side="$1" batches="$2" rc=0
  SEQ=$((SEQ + 1))
  local seq; seq="$(printf '%02d' "$SEQ")"
  run_side "$side" "$LIMIT" "${MEASURE[@]}" --batches "$batches" || rc=$?
  [ "$rc" -eq 0 ] || side_failed "$side" "$rc"
  mv "$OUT/$side.json" "$OUT/$side.$seq.json"
  mv "$OUT/${side}_logits.bin" "$OUT/${side}_logits.$seq.bin"
}
for round in $(seq 1 "$ROUNDS"); do
  if [ $((round % 2)) -eq 1 ]; then order=(csharp node); else order=(node csharp); fi
  for side in "${order[@]}"; do
    log "round $round/$ROUNDS: $side"
    measure "$side" "$BATCHES"
  done
done
# A measurement during which other work took > 10% of the pinned CPUs doesn't count as a headline if a quiet one
# exists; re-measure (only) the batch sizes a side has no quiet measurement for yet, a few times at most.
for extra in $(seq 1 "$EXTRA_ROUNDS"); do
  again=0
  for side in csharp node; do
    need="$("$PY" "$HERE/report.py" --out "$OUT" --batches "$BATCHES" --needs "$side")" || die "report.py --needs failed"
    [ -n "$need" ] || continue
    again=1
    log "extra round $extra/$EXTRA_ROUNDS: $side, batch $need (no measurement yet without other work on our CPUs)"
    measure "$side" "$need"
  done
  [ "$again" -eq 1 ] || break
done

# ---------------------------------------------------------------- report
"$PY" "$HERE/report.py" --out "$OUT" --batches "$BATCHES" --reference "$REFERENCE" \
  --results "$RESULTS" --pin "$PIN_DESC" --load "$LOAD_BEFORE" \
  --cs-library "$GUARD_ORT_LIBRARY" --cs-sha "$CS_SHA" --node-library "$NODE_LIB" --node-sha "$NODE_SHA" \
  --pinned-sha "$PINNED_SHA256" --session-options "$OUT/session_options.txt" \
  --dotnet "$(dotnet --version)" --node "$(node --version)" --npm "$(npm --version 2>/dev/null)"
log "wrote bench/results/ort.md and bench/results/ort.json"
