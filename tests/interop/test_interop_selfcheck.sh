#!/usr/bin/env bash
# Self-check of the interop helpers, without Guard: starts kserve_upstream.py
# (plain, not-ready and TLS instances), runs every client_checks.py check
# directly against it, plus a few cases that must fail, and prints
# "N passed, N failed". Exits non-zero on any failure. VERBOSE=1 also prints
# each check's JSON line.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY=/usr/bin/python3
WORK="$(mktemp -d)"
PIDS=()
PASSED=0
FAILED=0

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

pass() {
  PASSED=$((PASSED + 1))
  echo "PASS $1"
  [[ -n "${VERBOSE:-}" && -n "${2:-}" ]] && sed 's/^/    /' <<<"$2"
  return 0
}
fail() {
  FAILED=$((FAILED + 1))
  echo "FAIL $1"
  [[ -n "${2:-}" ]] && sed 's/^/    /' <<<"$2"
}

# start_upstream NAME [ARGS...]: starts an upstream; sets UP_PID and UP_PORT.
start_upstream() {
  local name="$1"
  shift
  "$PY" "$HERE/kserve_upstream.py" --name "$name" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  UP_PID=$!
  PIDS+=("$UP_PID")
  local _
  for _ in $(seq 1 300); do
    if grep -q '^READY ' "$WORK/$name.out"; then
      UP_PORT="$(awk '/^READY /{print $2}' "$WORK/$name.out")"
      return 0
    fi
    kill -0 "$UP_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "upstream $name did not start:" >&2
  cat "$WORK/$name.err" >&2
  exit 1
}

# check EXPECT TARGET_ARGS -- CHECK_ARGS...: EXPECT is pass or fail (the check must report ok:false).
check() {
  local expect="$1" target="$2"
  shift 3
  local label="$*"
  [[ "$expect" == fail ]] && label="(must fail) $label"
  local output rc
  # shellcheck disable=SC2086  # target holds several words on purpose
  output="$("$PY" "$HERE/client_checks.py" $target "$@" 2>&1)"
  rc=$?
  local lines
  lines="$(grep -c . <<<"$output")"
  if [[ "$lines" != 1 ]] || ! "$PY" -c 'import json,sys; json.loads(sys.argv[1])' "$output" 2>/dev/null; then
    fail "$label" "not exactly one JSON line (rc=$rc): $output"
  elif [[ "$expect" == pass && $rc == 0 && "$output" == '{"ok": true'* ]]; then
    pass "$label" "$output"
  elif [[ "$expect" == fail && $rc == 1 && "$output" == '{"ok": false'* ]]; then
    pass "$label" "$output"
  else
    fail "$label" "rc=$rc $output"
  fi
}

# verify LABEL DETAIL COMMAND...: passes when COMMAND succeeds, else prints DETAIL.
verify() {
  local label="$1" detail="$2"
  shift 2
  if "$@"; then pass "$label"; else fail "$label" "$detail"; fi
}

# stops_cleanly PID: SIGTERM makes the process exit with status 0 within 10 s.
stops_cleanly() {
  local pid="$1" _ rc=0
  kill -TERM "$pid"
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && return 1
  wait "$pid" || rc=$?
  [[ $rc == 0 ]]
}

make_tls_cert() {
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=guard-interop.test" \
    -addext "subjectAltName=DNS:guard-interop.test,IP:127.0.0.1" \
    -keyout "$WORK/tls.key" -out "$WORK/tls.crt" >/dev/null 2>&1
}

main() {
  "$HERE/gen_stubs.sh" || { echo "gen_stubs.sh failed"; exit 1; }

  start_upstream main
  local T="--target 127.0.0.1:$UP_PORT" main_pid=$UP_PID
  check pass "$T" -- live
  check pass "$T" -- ready
  check pass "$T" -- server-metadata --expect-name main
  check pass "$T" -- model-ready --model simple
  check pass "$T" -- model-ready --model echo --version 1
  check pass "$T" -- model-ready --model nope --expect false
  check pass "$T" -- model-metadata --model simple
  check pass "$T" -- infer-simple
  check pass "$T" -- infer-simple --typed
  check pass "$T --metadata x-trace=abc --metadata x-blob-bin=00ff10" -- infer-simple
  check pass "$T" -- infer-echo --mb 1
  check pass "$T" -- infer-echo --mb 32
  check pass "$T" -- infer-echo --mb 4 --gzip
  check pass "$T" -- infer-echo --mb 32 --gzip --compressible
  check pass "$T" -- deadline --timeout-ms 300 --delay-ms 1500
  check pass "$T" -- deadline --timeout-ms 3000 --delay-ms 100
  check pass "$T" -- error --code 9 --message "précondition ✗ failed 100%"
  check pass "$T" -- error --code 14 --message "model failed"
  check pass "$T" -- unknown-model
  check pass "$T" -- concurrent --streams 300
  check pass "$T" -- stream --count 9
  check pass "$T" -- stream --count 9 --batch
  check pass "$T" -- health
  check pass "$T" -- health --service inference.GRPCInferenceService
  check pass "$T" -- health --service no.such.Service --expect-code NOT_FOUND
  check pass "$T" -- health-watch --service "" --expect-first SERVING
  check pass "$T" -- health-watch --service "" --expect-first SERVING --toggle-pid "$main_pid"
  check pass "$T" -- health-watch --service no.such.Service --expect-first SERVICE_UNKNOWN
  check pass "$T" -- metadata --md x-a=1 x-a=2 x-bin-bin=00ff connection=close keep-alive=5 \
    --expect-present connection keep-alive
  check pass "$T" -- unimplemented
  check pass "$T" -- unimplemented --method /no.such.Service/Method
  check pass "$T" -- cancel --delay-ms 3000 --after-ms 200

  # Checks must be able to fail.
  check fail "$T" -- model-ready --model nope
  check fail "$T" -- health --expect NOT_SERVING
  check fail "$T" -- health --service no.such.Service
  check fail "$T" -- metadata --md x-a=1 --expect-absent x-a
  check fail "$T" -- ready --expect false
  check fail "$T" -- server-metadata --expect-name other
  check fail "$T --timeout-s 0.2" -- cancel --delay-ms 3000 --after-ms 1000
  check fail "--target 127.0.0.1:1" -- live

  # The upstream saw the client's cancellation and the deadline.
  sleep 0.3
  verify "upstream logged the cancellation" "$(cat "$WORK/main.err")" grep -q 'ended early (cancelled)' "$WORK/main.err"
  verify "upstream logged the deadline" "$(cat "$WORK/main.err")" grep -q 'ended early (deadline)' "$WORK/main.err"

  start_upstream notready --not-ready
  T="--target 127.0.0.1:$UP_PORT"
  check pass "$T" -- ready --expect false
  check pass "$T" -- health --expect NOT_SERVING
  check pass "$T" -- health-watch --expect-first NOT_SERVING --toggle-pid "$UP_PID"
  check fail "$T" -- ready

  if make_tls_cert; then
    start_upstream tls --tls-cert "$WORK/tls.crt" --tls-key "$WORK/tls.key"
    T="--target 127.0.0.1:$UP_PORT --tls-ca $WORK/tls.crt"
    check pass "$T" -- live
    check pass "$T" -- infer-simple
    check pass "$T --tls-server-name guard-interop.test" -- stream --count 3
    check fail "--target 127.0.0.1:$UP_PORT" -- live
  else
    fail "openssl could not make a test certificate"
  fi

  # Graceful stop on SIGTERM, and nothing but the READY line on stdout.
  verify "upstream exits 0 on SIGTERM" "$(cat "$WORK/main.err")" stops_cleanly "$main_pid"
  verify "upstream stdout is only the READY line" "$(cat "$WORK/main.out")" \
    grep -qxE 'READY [0-9]+' "$WORK/main.out"
  verify "upstream stdout has one line" "$(cat "$WORK/main.out")" test "$(wc -l <"$WORK/main.out")" -eq 1

  echo "$PASSED passed, $FAILED failed"
  [[ $FAILED == 0 ]]
}

main "$@"
