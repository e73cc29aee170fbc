"""Drives two Guard replicas' admin JSON APIs (see run.sh) and reports commit, propagation and read latencies."""
import argparse, http.client, json, statistics, time

p = argparse.ArgumentParser()
p.add_argument("--a"); p.add_argument("--b"); p.add_argument("--token"); p.add_argument("--changes", type=int)
p.add_argument("--redis"); p.add_argument("--json"); p.add_argument("--md")
args = p.parse_args()
headers = {"Authorization": f"Bearer {args.token}", "Content-Type": "application/json"}


def connect(address):
    host, port = address.split(":")
    return http.client.HTTPConnection(host, int(port), timeout=30)


def call(conn, method, path, body=None):
    conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
    response = conn.getresponse()
    data = response.read()
    if response.status >= 300:
        raise SystemExit(f"{method} {path}: {response.status} {data[:300]!r}")
    return json.loads(data) if data else None


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


a, b = connect(args.a), connect(args.b)
commit_ms, propagation_ms = [], []
for i in range(args.changes):
    policy = call(a, "GET", "/api/policies/smoothed")
    body = policy["policy"]
    body["smoothing"]["minRadius"] = round(0.01 * ((i % 50) + 1), 2) if body["smoothing"].get("minRadius") != round(0.01 * ((i % 50) + 1), 2) else 0.0
    started = time.perf_counter()
    committed = call(a, "PUT", "/api/policies/smoothed", {"policy": body, "reason": f"bench change {i}", "baseVersion": policy["version"]})
    answered = time.perf_counter()
    commit_ms.append((answered - started) * 1000)
    while call(b, "GET", "/api/policies")["version"] != committed["version"]:
        if time.perf_counter() - answered > 10:
            raise SystemExit(f"change {committed['version']} not in force on B after 10 s")
        time.sleep(0.001)
    propagation_ms.append((time.perf_counter() - answered) * 1000)

reads = {}
for path in ["/api/live", "/api/blocked?pageSize=50", "/api/policies", "/api/policies/history?limit=50"]:
    times = []
    for _ in range(200):
        t = time.perf_counter()
        call(a, "GET", path)
        times.append((time.perf_counter() - t) * 1000)
    reads[path] = {"p50_ms": round(pct(times, 0.5), 3), "p95_ms": round(pct(times, 0.95), 3)}

summary = {
    "changes": args.changes, "redis": args.redis,
    "commit_ms": {"p50": round(pct(commit_ms, 0.5), 2), "p95": round(pct(commit_ms, 0.95), 2), "max": round(max(commit_ms), 2)},
    "propagation_ms": {"p50": round(pct(propagation_ms, 0.5), 2), "p95": round(pct(propagation_ms, 0.95), 2), "max": round(max(propagation_ms), 2),
                       "mean": round(statistics.mean(propagation_ms), 2)},
    "reads": reads,
}
json.dump(summary, open(args.json, "w"), indent=2)
lines = [
    "# Admin surface: policy changes across two replicas sharing Redis", "",
    f"Two `guard serve` processes, Redis {args.redis} on loopback, replica poll every 60 s (only pub/sub carries a change); "
    f"{args.changes} changes of `smoothing.minRadius` through replica A's JSON API.", "",
    "| | p50 ms | p95 ms | max ms |", "|---|---:|---:|---:|",
    f"| commit on A (PUT answered) | {summary['commit_ms']['p50']} | {summary['commit_ms']['p95']} | {summary['commit_ms']['max']} |",
    f"| in force on B after A answered | {summary['propagation_ms']['p50']} | {summary['propagation_ms']['p95']} | {summary['propagation_ms']['max']} |",
    "", "| console read (on A, 200 each) | p50 ms | p95 ms |", "|---|---:|---:|",
]
lines += [f"| GET {path} | {r['p50_ms']} | {r['p95_ms']} |" for path, r in reads.items()]
open(args.md, "w").write("\n".join(lines) + "\n")
