#!/usr/bin/env bash
# Generates the Python protobuf/gRPC stubs used by the interop helpers into
# tests/interop/gen/ (gitignored):
#
#   gen/inference/grpc_service_pb2.py, grpc_service_pb2_grpc.py
#       -> from inference import grpc_service_pb2, grpc_service_pb2_grpc
#   gen/guard_health/v1/health_pb2.py, health_pb2_grpc.py
#       -> from guard_health.v1 import health_pb2, health_pb2_grpc
#
# The health proto lives at protos/grpc/health/v1/health.proto. Generating it
# from there would create a Python package named `grpc` inside gen/, which
# shadows the real grpcio module once gen/ is on sys.path. protoc derives the
# Python module path from the .proto *file path*, not from the proto
# `package`, so we copy the file to guard_health/v1/health.proto in a temp
# include root. The proto package stays `grpc.health.v1`, so the wire names
# (/grpc.health.v1.Health/Check) are unchanged.
#
# Idempotent: does nothing when the outputs are newer than the protos and this
# script. Concurrent invocations are serialised with flock.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PROTO_DIR="$ROOT/protos"
OUT="$ROOT/tests/interop/gen"
STAMP="$OUT/.stamp"
PROTOC="${PROTOC:-/usr/bin/protoc}"
GRPC_PLUGIN="${GRPC_PYTHON_PLUGIN:-/usr/bin/grpc_python_plugin}"

INFERENCE_PROTO="inference/grpc_service.proto"
HEALTH_PROTO="grpc/health/v1/health.proto"
HEALTH_ALIAS_DIR="guard_health/v1"

die() { echo "gen_stubs: $*" >&2; exit 1; }

is_up_to_date() {
  [[ -f "$STAMP" ]] || return 1
  local src
  for src in "$PROTO_DIR/$INFERENCE_PROTO" "$PROTO_DIR/$HEALTH_PROTO" "${BASH_SOURCE[0]}"; do
    [[ "$src" -nt "$STAMP" ]] && return 1
  done
  return 0
}

protoc_python() {
  local include_root="$1" proto="$2"
  "$PROTOC" -I "$include_root" \
    --plugin=protoc-gen-grpc_python="$GRPC_PLUGIN" \
    --python_out="$OUT" --grpc_python_out="$OUT" \
    "$include_root/$proto"
}

generate() {
  [[ -x "$PROTOC" ]] || die "$PROTOC not found (apt-get install protobuf-compiler)"
  [[ -x "$GRPC_PLUGIN" ]] || die "$GRPC_PLUGIN not found (apt-get install protobuf-compiler-grpc)"
  [[ -f "$PROTO_DIR/$INFERENCE_PROTO" ]] || die "missing $PROTO_DIR/$INFERENCE_PROTO"
  [[ -f "$PROTO_DIR/$HEALTH_PROTO" ]] || die "missing $PROTO_DIR/$HEALTH_PROTO"

  rm -rf "$OUT/inference" "$OUT/guard_health" "$STAMP"

  protoc_python "$PROTO_DIR" "$INFERENCE_PROTO"

  TMP_INCLUDE="$(mktemp -d)"
  trap 'rm -rf "$TMP_INCLUDE"' EXIT
  local tmp="$TMP_INCLUDE"
  mkdir -p "$tmp/$HEALTH_ALIAS_DIR"
  cp "$PROTO_DIR/$HEALTH_PROTO" "$tmp/$HEALTH_ALIAS_DIR/health.proto"
  protoc_python "$tmp" "$HEALTH_ALIAS_DIR/health.proto"

  touch "$OUT/inference/__init__.py" "$OUT/guard_health/__init__.py" \
        "$OUT/guard_health/v1/__init__.py"
  touch "$STAMP"
}

main() {
  mkdir -p "$OUT"
  exec 9>"$OUT/.lock"
  flock 9
  if is_up_to_date; then
    return 0
  fi
  generate
}

main "$@"
