#!/usr/bin/env python3
"""bench/ort report: checks both sides' outputs and writes bench/results/ort.{md,json}. Called by run.sh.

Standard library only. Exit status 1 when a check fails (the report is still written, with "ok": false).
"""
import argparse
import hashlib
import json
import os
import platform
import statistics
import struct
import sys
from datetime import datetime, timezone

SIDES = ("csharp", "node")
LABEL = {"csharp": "C#", "node": "Node"}
LOGITS_TOLERANCE = 1e-4
MIN_ACCURACY = 0.85  # the model's accuracy on eval images 0..255 is ~0.90
DISTURBED = 0.10  # a measurement during which other work took more than this share of the pinned CPUs


def floats(path):
    data = open(path, "rb").read()
    return struct.unpack("<%df" % (len(data) // 4), data)


def max_abs_diff(a, b):
    if len(a) != len(b):
        return float("inf")
    return max(abs(x - y) for x, y in zip(a, b))


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_runs(out):
    """Every measuring process's JSON, {side: [(seq, data)]} in run order (files SIDE.NN.json, NN = run sequence)."""
    runs = {s: [] for s in SIDES}
    for name in sorted(os.listdir(out)):
        side, _, rest = name.partition(".")
        seq = rest[:-len(".json")] if rest.endswith(".json") else ""
        if side in SIDES and seq.isdigit():
            runs[side].append((seq, json.load(open(os.path.join(out, name)))))
    return runs


def measurements(runs, side, batch):
    """All measurements of SIDE at BATCH, in run order."""
    return [x for _, r in runs[side] for x in r["results"] if x["batch"] == batch]


def headline(per_run):
    """The best (highest images/s) quiet measurement, else the best of all; and whether it was quiet."""
    quiet = [x for x in per_run if x["other_cpu_share"] <= DISTURBED]
    return max(quiet or per_run, key=lambda x: x["images_per_second"]), bool(quiet)


def needs(out, side, batches):
    """The batch sizes for which SIDE has no quiet measurement yet (comma-separated; empty when none)."""
    runs = load_runs(out)
    missing = [b for b in batches if not headline(measurements(runs, side, b) or [{"other_cpu_share": 1, "images_per_second": 0}])[1]]
    return ",".join(str(b) for b in missing)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--batches", required=True)
    p.add_argument("--needs", choices=SIDES, help="only print the batch sizes SIDE still lacks a quiet measurement for")
    for name in ("reference", "results", "pin", "load", "cs-library", "cs-sha", "node-library", "node-sha",
                 "pinned-sha", "session-options", "dotnet", "node", "npm"):
        p.add_argument("--" + name)
    a = p.parse_args()
    batches = [int(b) for b in a.batches.split(",")]
    if a.needs:
        print(needs(a.out, a.needs, batches))
        return 0
    missing = [n for n in ("reference", "results", "pin", "load", "cs_library", "cs_sha", "node_library", "node_sha",
                           "pinned_sha", "session_options", "dotnet", "node", "npm") if getattr(a, n) is None]
    if missing:
        p.error("missing: " + ", ".join("--" + n.replace("_", "-") for n in missing))

    runs = load_runs(a.out)
    for s in SIDES:
        if not runs[s]:
            p.error(f"no {s}.NN.json in {a.out}")
    checks = []

    def check(name, ok, detail):
        checks.append({"check": name, "ok": bool(ok), "detail": detail})
        print(f"[bench/ort] check {'ok  ' if ok else 'FAIL'} {name}: {detail}", file=sys.stderr)

    # The library each process actually mapped (from /proc/self/maps) must be the file whose sha256 was checked.
    expected_path = {"csharp": os.path.realpath(a.cs_library), "node": os.path.realpath(a.node_library)}
    mapped = {}
    for s in SIDES:
        paths = sorted({os.path.realpath(r["library_path"]) for _, r in runs[s]})
        mapped[s] = {"path": paths[0], "sha256": sha256(paths[0])}
        check(f"{LABEL[s]} loaded the checked library", paths == [expected_path[s]] and mapped[s]["sha256"] == a.pinned_sha,
              f"{', '.join(paths)} sha256 {mapped[s]['sha256']}")

    # Correctness, every process: accuracy, logits equal between sides, close to the PyTorch reference.
    for s in SIDES:
        accs = sorted({r["accuracy"] for _, r in runs[s]})
        check(f"{LABEL[s]} accuracy", all(x >= MIN_ACCURACY for x in accs),
              f"{' / '.join('%.4f' % x for x in accs)} on eval images 0..{runs[s][0][1]['accuracy_images'] - 1} (>= {MIN_ACCURACY})")
    logits = {s: [floats(os.path.join(a.out, f"{s}_logits.{seq}.bin")) for seq, _ in runs[s]] for s in SIDES}
    cross = max(max_abs_diff(c, n) for c in logits["csharp"] for n in logits["node"])
    check("logits C# vs Node", cross <= LOGITS_TOLERANCE, f"max |diff| {cross:.3g} over [256,10] (<= {LOGITS_TOLERANCE:g})")
    reference_diff = None
    if os.path.exists(a.reference):
        ref = floats(a.reference)[: len(logits["csharp"][0])]
        reference_diff = max(max_abs_diff(l, ref) for s in SIDES for l in logits[s])
        check("logits vs PyTorch reference", reference_diff <= LOGITS_TOLERANCE,
              f"max |diff| {reference_diff:.3g} (models/fashion_cnn/reference_logits.bin, <= {LOGITS_TOLERANCE:g})")

    # Aggregate, per batch size and side: the headline is the best measurement (highest images/s) among the quiet
    # ones (other work took <= DISTURBED of the pinned CPUs), else the best of all, flagged. Medians are kept too.
    fields = ("images_per_second", "runs_per_second", "p50_ms", "p90_ms", "p99_ms", "mean_ms", "own_cpu_cores",
              "other_cpu_share")
    side_fields = {"csharp": ("managed_bytes_per_run", "gen0_collections"), "node": ()}
    table = []
    for b in batches:
        row = {"batch": b, "disturbed": False}
        for s in SIDES:
            per_run = measurements(runs, s, b)
            best, quiet = headline(per_run)
            row["disturbed"] |= not quiet
            for f in fields + side_fields[s]:
                row[f"{s}_{f}"] = best[f]
            for f in fields:
                row[f"{s}_{f}_median"] = statistics.median(x[f] for x in per_run)
            row[f"{s}_images_per_second_all"] = [x["images_per_second"] for x in per_run]
            row[f"{s}_other_cpu_share_all"] = [x["other_cpu_share"] for x in per_run]
            row[f"{s}_runs"] = sum(x["runs"] for x in per_run)
        row["ratio_images_per_second"] = row["csharp_images_per_second"] / row["node_images_per_second"]
        row["ratio_images_per_second_median"] = (row["csharp_images_per_second_median"]
                                                 / row["node_images_per_second_median"])
        table.append(row)

    first = runs["csharp"][0][1]
    setup = {
        "model": "models/fashion_cnn/1/model.onnx", "input": "input float32 [batch,1,28,28]", "output": "logits [batch,10]",
        "data": "models/eval/fashion_eval_1000.bin, batches filled cyclically",
        "intra_op_threads": first["intra_op_threads"], "inter_op_threads": 1, "graph_optimization": "all",
        "intra_op_spinning": "off (session.intra_op.allow_spinning=0)",
        "seconds_per_batch": first["seconds"], "warmup_seconds": first["warmup_seconds"],
        "warmup_runs_min": first["warmup_runs"], "processes": {s: len(runs[s]) for s in SIDES}, "pinning": a.pin,
        "cpus_visible": first["processor_count"], "load_average_before": a.load, "cpu_model": cpu_model(),
        "kernel": platform.release(), "dotnet_sdk": a.dotnet, "dotnet_runtime": first["runtime"],
        "node": a.node, "npm": a.npm, "onnxruntime_node": runs["node"][0][1]["ort_version"], "ort": first["ort_version"],
        "session_options_trace": open(a.session_options).read().strip(),
    }
    library = {
        "pinned_sha256": a.pinned_sha,
        "csharp": {"path": a.cs_library, "sha256": a.cs_sha, "mapped": mapped["csharp"]},
        "node": {"path": a.node_library, "sha256": a.node_sha, "mapped": mapped["node"]},
    }
    ok = all(c["ok"] for c in checks)

    def fmt_rate(x):
        return f"{x:,.0f}"

    def fmt_ms(x):
        return f"{x:.3f}"

    lines = [
        "# ORT binding overhead: C# (Guard.OnnxRuntime) vs onnxruntime-node",
        "",
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC. `models/fashion_cnn` on ORT {setup['ort']} (CPU EP), "
        f"{setup['intra_op_threads']} intra-op / 1 inter-op threads, graph optimization all, intra-op spinning off; "
        f"{setup['seconds_per_batch']:g} s per batch size after >= {setup['warmup_seconds']:g} s / {setup['warmup_runs_min']} runs "
        f"of warm-up; {len(runs['csharp'])} C# and {len(runs['node'])} Node processes one after the other (order alternating), "
        f"best quiet measurement per side and batch size. Pinning: {a.pin}. "
        f"{setup['cpu_model']}, load average before: {a.load}.",
        "",
        f"Same library on both sides: sha256 `{a.cs_sha}` (C# `{a.cs_library}`, Node `{a.node_library}`; "
        f"pinned in tools/onnxruntime.sh). {setup['dotnet_runtime']}; {setup['node'] if setup['node'].startswith('Node') else 'Node ' + setup['node']} "
        f"with onnxruntime-node {setup['onnxruntime_node']}.",
        "",
        "One call = wrap the input batch in a tensor, Run, take the logits (copied out), release. Latency per call.",
        "",
        "| batch | C# images/s | Node images/s | C#/Node | C# runs/s | Node runs/s | C# p50 ms | Node p50 ms | C# p99 ms | Node p99 ms |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in table:
        lines.append(
            f"| {r['batch']}{' ⚠' if r['disturbed'] else ''} | {fmt_rate(r['csharp_images_per_second'])} | "
            f"{fmt_rate(r['node_images_per_second'])} | **{r['ratio_images_per_second']:.2f}** | "
            f"{fmt_rate(r['csharp_runs_per_second'])} | {fmt_rate(r['node_runs_per_second'])} | "
            f"{fmt_ms(r['csharp_p50_ms'])} | {fmt_ms(r['node_p50_ms'])} | {fmt_ms(r['csharp_p99_ms'])} | {fmt_ms(r['node_p99_ms'])} |")
    if any(r["disturbed"] for r in table):
        lines += ["", f"⚠: in every measurement of at least one side, other work took more than {DISTURBED:.0%} of the "
                      "pinned CPUs: rerun on a quieter machine (or with more rounds) before trusting that row."]
    lines += [
        "",
        "Every measurement in run order (images/s, with `others`: the share of the pinned CPUs that other processes used "
        "or the hypervisor stole meanwhile, from /proc/stat) and the ratio of the medians. `own` = CPU cores the "
        "process used on average (all threads) in the headline measurement; `managed B/call` = bytes the C# loop allocated on "
        "the managed heap per call (all of it in the binding: the loop reuses its own arrays).",
        "",
        "| batch | C# images/s (others), all | Node images/s (others), all | C#/Node median | C# own | Node own | C# managed B/call |",
        "|---:|---|---|---:|---:|---:|---:|",
    ]

    def rounds(r, s):
        return " / ".join(f"{fmt_rate(x)} ({o:.0%})" for x, o in zip(r[f"{s}_images_per_second_all"], r[f"{s}_other_cpu_share_all"]))

    for r in table:
        lines.append(
            f"| {r['batch']} | {rounds(r, 'csharp')} | {rounds(r, 'node')} | {r['ratio_images_per_second_median']:.2f} | "
            f"{r['csharp_own_cpu_cores']:.2f} | {r['node_own_cpu_cores']:.2f} | {r['csharp_managed_bytes_per_run']:.0f} |")
    lines += ["", "Checks:", ""]
    lines += [f"- {'ok' if c['ok'] else '**FAIL**'}: {c['check']}: {c['detail']}" for c in checks]
    lines.append("")
    md = "\n".join(lines)

    os.makedirs(a.results, exist_ok=True)
    with open(os.path.join(a.results, "ort.md"), "w") as f:
        f.write(md)
    with open(os.path.join(a.results, "ort.json"), "w") as f:
        json.dump({"ok": ok, "setup": setup, "library": library, "checks": checks, "table": table,
                   "logits_max_abs_diff_csharp_node": cross, "logits_max_abs_diff_reference": reference_diff,
                   "runs": {s: [r for _, r in runs[s]] for s in SIDES}}, f, indent=2)
        f.write("\n")
    print(md)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
