#!/usr/bin/env bash
# Runs every test of Guard on a fresh Debian machine: installs what the tests need (idempotent), builds the
# solution with warnings as errors, runs the interop self-check of the Python peers, then every xunit project.
# Ends with one line: "N passed, N failed, N skipped".
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash tools/setup.sh

# The ONNX Runtime binding's tests load the pinned native library (tools/setup.sh provisioned it).
export GUARD_ORT_LIBRARY="${GUARD_ORT_LIBRARY:-$(bash tools/onnxruntime.sh 2>/dev/null | tail -n 1)}"

echo "test: building Guard.sln"
dotnet build Guard.sln -c Release -nologo -v quiet -clp:ErrorsOnly

results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

passed=0 failed=0 skipped=0 status=0

echo "test: Python peers self-check (tests/interop)"
if selfcheck="$(bash tests/interop/test_interop_selfcheck.sh 2>&1)"; then :; else status=1; fi
printf '%s\n' "$selfcheck" | tail -n 3
if line="$(printf '%s\n' "$selfcheck" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)"; then
  passed=$((passed + $(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')))
  failed=$((failed + $(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')))
fi

# Unit tests first (fast), then the integration tests that start real processes.
for project in tests/Guard.Rpc.Tests tests/Guard.Guards.Tests tests/Guard.Gateway.Tests tests/Guard.OnnxRuntime.Tests tests/Guard.ModelHost.Tests tests/Guard.Redis.Tests tests/Guard.State.Tests tests/Guard.AuditLog.Tests tests/Guard.Admin.Tests tests/Guard.RedTeam.Tests tests/Guard.Integration.Tests; do
  name="$(basename "$project")"
  echo "test: $name"
  log="$results/$name.log"
  if dotnet test "$project" -c Release --no-build -nologo --results-directory "$results" >"$log" 2>&1; then :; else status=1; fi
  grep -E -A6 '^\s+Failed [A-Za-z]' "$log" | head -n 60 || true
  summary="$(grep -E '(Passed|Failed)! +- +Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+' "$log" | tail -n 1 || true)"
  if [ -z "$summary" ]; then
    echo "test: $name produced no summary; last lines:"; tail -n 30 "$log"; status=1; continue
  fi
  echo "  $summary"
  f=$(echo "$summary" | sed -E 's/.*Failed: +([0-9]+),.*/\1/')
  p=$(echo "$summary" | sed -E 's/.*Passed: +([0-9]+),.*/\1/')
  s=$(echo "$summary" | sed -E 's/.*Skipped: +([0-9]+),.*/\1/')
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
done

echo "$passed passed, $failed failed, $skipped skipped"
if [ "$failed" -gt 0 ]; then status=1; fi
exit "$status"
