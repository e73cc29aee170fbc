#!/usr/bin/python3
"""Helpers for bench/batching/run.sh (stdlib + the repo's grpcio stubs).

  batching_tool.py body MODEL OUT.bin         one eval image as a gRPC-framed ModelInferRequest for MODEL
  batching_tool.py counts METRICS.txt MODEL   requests, runs and OK answers so far, from Guard's /metrics (JSON)
  batching_tool.py row NAME SUMMARY LOG BEFORE.json AFTER.json TICKS CLK_TCK   one result row (JSON) from h2load + metrics
  batching_tool.py report ROWS.jsonl OUT.md OUT.json META.json   the table
"""

from __future__ import annotations

import json
import re
import struct
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(ROOT / "tests" / "interop" / "gen"))

from bench_tool import h2load_summary, latency_stats  # noqa: E402


def cmd_body(model: str, out: str) -> None:
    from inference import grpc_service_pb2 as pb  # noqa: PLC0415

    data = (ROOT / "models" / "eval" / "fashion_eval_1000.bin").read_bytes()
    request = pb.ModelInferRequest(model_name=model, id="bench")
    request.inputs.add(name="input", datatype="FP32", shape=[1, 1, 28, 28])
    request.raw_input_contents.append(data[16 : 16 + 4 * 784])
    message = request.SerializeToString()
    Path(out).write_bytes(b"\x00" + struct.pack(">I", len(message)) + message)


def _series(text: str, name: str, labels: str) -> float:
    m = re.search(re.escape(name + "{" + labels + "}") + r" ([0-9.e+-]+)", text)
    return float(m.group(1)) if m else 0.0


def cmd_counts(metrics_file: str, model: str) -> None:
    text = Path(metrics_file).read_text()
    print(json.dumps({
        "requests": _series(text, "guard_model_batch_requests_sum", f'model="{model}"'),
        "runs": _series(text, "guard_model_batch_requests_count", f'model="{model}"'),
        "rows": _series(text, "guard_model_batch_rows_sum", f'model="{model}"'),
        "ok": _series(text, "guard_requests_total", f'model="{model}",method="ModelInfer",code="OK"'),
    }))


def cmd_row(name: str, summary: str, log: str, before: str, after: str, ticks: str, clk_tck: str) -> None:
    h2 = h2load_summary(summary)
    lat = latency_stats(log)
    b, a = json.loads(Path(before).read_text()), json.loads(Path(after).read_text())
    runs = a["runs"] - b["runs"]
    requests = a["requests"] - b["requests"]
    ok = a["ok"] - b["ok"]
    errors = []
    if h2.get("succeeded", 0) == 0 or h2.get("failed", 0) or h2.get("errored", 0):
        errors.append(f"h2load: {h2}")
    # h2load counts HTTP 200s; Guard's own counter says how many ended with grpc-status OK.
    if ok < h2.get("succeeded", 0):
        errors.append(f"only {ok:.0f} of {h2.get('succeeded')} answers were gRPC OK")
    print(json.dumps({
        "name": name, "images_per_s": h2.get("rps"), "done": h2.get("done"), "grpc_ok": ok,
        "p50_ms": lat.get("p50"), "p90_ms": lat.get("p90"), "p99_ms": lat.get("p99"), "max_ms": lat.get("max"),
        "runs": runs, "requests_per_run": (requests / runs) if runs else None, "errors": errors,
        # Guard's own CPU (gRPC, routing, batching, ORT threads) per answered image; h2load's is not in it.
        "guard_cpu_ms_per_image": (int(ticks) / int(clk_tck) * 1000 / ok) if ok else None,
    }))


def cmd_report(rows_file: str, out_md: str, out_json: str, meta_file: str) -> None:
    rows = [json.loads(line) for line in Path(rows_file).read_text().splitlines() if line.strip()]
    meta = json.loads(Path(meta_file).read_text())
    lines = [
        "# Dynamic batching: 64 concurrent single-image clients",
        "",
        f"{meta['description']}",
        "",
        "| mode | images/s | p50 ms | p90 ms | p99 ms | requests per Run | Guard CPU ms/image | gRPC OK |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        rpr = f"{r['requests_per_run']:.1f}" if r["requests_per_run"] else "-"
        cpu = f"{r['guard_cpu_ms_per_image']:.3f}" if r.get("guard_cpu_ms_per_image") else "-"
        lines.append(f"| {r['name']} | {r['images_per_s']:.0f} | {r['p50_ms']:.2f} | {r['p90_ms']:.2f} | {r['p99_ms']:.2f} | {rpr} | {cpu} | {r['grpc_ok']:.0f} |")
    def mean(prefix: str) -> float | None:
        values = [r["images_per_s"] for r in rows if r["name"].startswith(prefix + " ") and r["images_per_s"]]
        return sum(values) / len(values) if values else None

    off = mean("off")
    if off:
        for mode in ("on", "delay"):
            if (value := mean(mode)) is not None:
                lines.append(f"\nMean images/s, {mode} vs off: **{value / off:.2f}x** ({value:.0f} vs {off:.0f}).")
    errors = [e for r in rows for e in r["errors"]]
    if errors:
        lines += ["", "**Check failures:** " + "; ".join(errors)]
    Path(out_md).write_text("\n".join(lines) + "\n")
    Path(out_json).write_text(json.dumps({"meta": meta, "rows": rows}, indent=2))
    print("\n".join(lines))
    if errors:
        sys.exit(1)


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"body": cmd_body, "counts": cmd_counts, "row": cmd_row, "report": cmd_report}[command](*args)
