#!/usr/bin/env bash
# Provisions the official linux-x64 ONNX Runtime shared library (libonnxruntime.so.1) from the npm package
# onnxruntime-node at a pinned version, verified twice: npm's sha512 integrity of the tarball, then a pinned
# sha256 of the extracted library. The cache lives outside the repository. Idempotent.
# Last stdout line: the library's absolute path, so callers can `GUARD_ORT_LIBRARY=$(tools/onnxruntime.sh)`.
set -euo pipefail

ORT_VERSION="1.23.2"
# npm's dist.integrity for onnxruntime-node@1.23.2 (sha512 of the .tgz, base64).
TARBALL_INTEGRITY="sha512-OBTsG0W8ddBVOeVVVychpVBS87A9YV5sa2hJ6lc025T97Le+J4v++PwSC4XFs1C62SWyNdof0Mh4KvnZgtt4aw=="
# sha256 of package/bin/napi-v*/linux/x64/libonnxruntime.so.1 inside that tarball.
LIBRARY_SHA256="733854c3d7ce45256cc1c22cd4a30373247e1f7b7de8f40beab24211ef8e2a76"

CACHE_DIR="${GUARD_CACHE:-$HOME/.cache/guard}/onnxruntime/${ORT_VERSION}"
LIBRARY="${CACHE_DIR}/libonnxruntime.so.1"

log() { echo "onnxruntime.sh: $*" >&2; }

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

if [[ -f "$LIBRARY" && "$(sha256_of "$LIBRARY")" == "$LIBRARY_SHA256" ]]; then
  echo "$LIBRARY"
  exit 0
fi

command -v npm >/dev/null || { log "npm is required (apt-get install npm, or install Node.js)"; exit 1; }
command -v openssl >/dev/null || { log "openssl is required"; exit 1; }

mkdir -p "$CACHE_DIR"
WORK="$(mktemp -d "${CACHE_DIR}/.work.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

log "downloading onnxruntime-node@${ORT_VERSION} with npm pack"
TARBALL_NAME="$(cd "$WORK" && npm pack --silent "onnxruntime-node@${ORT_VERSION}" 2>/dev/null | tail -n 1)"
TARBALL="${WORK}/${TARBALL_NAME}"
[[ -f "$TARBALL" ]] || { log "npm pack produced no tarball"; exit 1; }

ACTUAL_INTEGRITY="sha512-$(openssl dgst -sha512 -binary "$TARBALL" | base64 -w0)"
if [[ "$ACTUAL_INTEGRITY" != "$TARBALL_INTEGRITY" ]]; then
  log "tarball integrity mismatch: expected ${TARBALL_INTEGRITY}, got ${ACTUAL_INTEGRITY}"
  exit 1
fi

MEMBER="$(tar -tzf "$TARBALL" | grep -E '^package/bin/napi-v[0-9]+/linux/x64/libonnxruntime\.so\.1$' | head -n 1 || true)"
[[ -n "$MEMBER" ]] || { log "no linux/x64 libonnxruntime.so.1 in the package"; exit 1; }
tar -xzf "$TARBALL" -C "$WORK" "$MEMBER"

ACTUAL_SHA256="$(sha256_of "${WORK}/${MEMBER}")"
if [[ "$ACTUAL_SHA256" != "$LIBRARY_SHA256" ]]; then
  log "library sha256 mismatch for ${MEMBER}: expected ${LIBRARY_SHA256}, got ${ACTUAL_SHA256}"
  exit 1
fi

# Atomic replace so concurrent callers never see a half-written library.
mv -f "${WORK}/${MEMBER}" "${LIBRARY}.tmp.$$"
mv -f "${LIBRARY}.tmp.$$" "$LIBRARY"
log "installed ${LIBRARY}"
echo "$LIBRARY"
