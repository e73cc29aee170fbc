#!/usr/bin/env bash
# Idempotent machine setup for Guard's tests and demo on Debian 12.
#
#   tools/setup.sh
#
# Installs the apt packages the interop tests need (only those missing),
# without starting their services: tests start their own nginx/redis
# instances. Then generates the Python gRPC stubs. Prints one line per step.
#
# To add a step: write a step_* function that prints one line with `say`
# and add it to STEPS below.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

APT_PACKAGES=(
  python3-grpcio
  python3-protobuf
  protobuf-compiler
  protobuf-compiler-grpc
  redis-server
  postgresql
  nginx
  nghttp2-client
  ca-certificates
  curl
  chromium
)

STEPS=(
  step_apt_packages
  step_python_grpc
  step_python_stubs
  step_onnxruntime
)

LOG="$(mktemp)"
POLICY_RC=/usr/sbin/policy-rc.d
CREATED_POLICY_RC=0

cleanup() {
  if [[ $CREATED_POLICY_RC == 1 ]]; then
    as_root rm -f "$POLICY_RC" || true
  fi
  rm -f "$LOG"
}
trap cleanup EXIT

say() { echo "setup: $*"; }

die() {
  echo "setup: ERROR: $*" >&2
  if [[ -s "$LOG" ]]; then
    echo "setup: last lines of the command output:" >&2
    tail -n 25 "$LOG" >&2
  fi
  exit 1
}

as_root() {
  if [[ $EUID -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "must run as root (or with sudo available) to: $*"
  fi
}

is_installed() {
  dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed$'
}

missing_apt_packages() {
  local package
  for package in "${APT_PACKAGES[@]}"; do
    is_installed "$package" || echo "$package"
  done
}

# Debian starts services when their package is installed; policy-rc.d exit
# code 101 forbids that. An existing policy (e.g. in containers) is left alone.
forbid_service_starts() {
  if [[ ! -e "$POLICY_RC" ]]; then
    as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $POLICY_RC && chmod 755 $POLICY_RC"
    CREATED_POLICY_RC=1
  fi
}

step_apt_packages() {
  local missing count
  mapfile -t missing < <(missing_apt_packages)
  count=${#missing[@]}
  if [[ $count -eq 0 ]]; then
    say "apt packages: all ${#APT_PACKAGES[@]} already installed"
    return
  fi
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; this script supports Debian/Ubuntu only"
  forbid_service_starts
  as_root apt-get update -q >"$LOG" 2>&1 || die "apt-get update failed"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}" >"$LOG" 2>&1 || die "apt-get install ${missing[*]} failed"
  mapfile -t missing < <(missing_apt_packages)
  [[ ${#missing[@]} -eq 0 ]] || die "still missing after install: ${missing[*]}"
  say "apt packages: installed $count missing of ${#APT_PACKAGES[@]} (services not started)"
}

step_python_grpc() {
  local version probe='import grpc, google.protobuf as p; print(grpc.__version__, p.__version__)'
  version="$(/usr/bin/python3 -c "$probe" 2>"$LOG")" || die "/usr/bin/python3 cannot import grpc and protobuf"
  say "python: /usr/bin/python3 with grpcio/protobuf ${version/ //}"
}

step_python_stubs() {
  "$ROOT/tests/interop/gen_stubs.sh" >"$LOG" 2>&1 || die "tests/interop/gen_stubs.sh failed"
  say "python stubs: tests/interop/gen up to date"
}

# The pinned ONNX Runtime library (npm onnxruntime-node, checksums verified), cached outside the repository.
step_onnxruntime() {
  local library
  if ! command -v npm >/dev/null 2>&1; then
    forbid_service_starts
    as_root apt-get update -q >"$LOG" 2>&1 || die "apt-get update failed"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends npm >"$LOG" 2>&1 || die "apt-get install npm failed"
  fi
  library="$(bash "$ROOT/tools/onnxruntime.sh" 2>"$LOG" | tail -n 1)" || die "tools/onnxruntime.sh failed"
  say "onnxruntime: $library"
}

main() {
  local step
  for step in "${STEPS[@]}"; do
    "$step"
  done
}

main "$@"
