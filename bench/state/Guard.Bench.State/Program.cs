using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Guard.Redis;
using Guard.State;
using Guard.State.Embedded;
using Guard.State.Redis;
using Microsoft.Extensions.Logging.Abstractions;

// Usage: guard-bench-state --redis HOST:PORT --seconds S --concurrency C --clients N --out FILE.json
// Measures AdmitAsync as the limits stage calls it (a per-client bucket and a per-client quota), per call latency
// sequentially (one caller) and throughput with C concurrent callers, for the embedded store and for Redis; counts
// Redis round trips per admission are counted by run.sh (MONITOR) with --roundtrips N.
var arguments = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(p => p.a[2..], p => args[p.i + 1], StringComparer.Ordinal);
var redisEndpoint = arguments["redis"];
var seconds = double.Parse(arguments.GetValueOrDefault("seconds", "5"), CultureInfo.InvariantCulture);
var concurrency = int.Parse(arguments.GetValueOrDefault("concurrency", "16"), CultureInfo.InvariantCulture);
var clientCount = int.Parse(arguments.GetValueOrDefault("clients", "1000"), CultureInfo.InvariantCulture);
var output = arguments["out"];

var buckets = new[] { new TokenBucketLimit("per-client", LimitScope.Client, 1e9, 1e9) };
var quotas = new[] { new QuotaLimit("per-client-day", LimitScope.Client, long.MaxValue / 4, TimeSpan.FromDays(1)) };
AdmissionRequest Request(int i) => new($"key:client-{i % clientCount}", "fashion_cnn") { Buckets = buckets, Quotas = quotas };

var embeddedOptions = new StateOptions();
var embedded = new EmbeddedStateStore(embeddedOptions.Embedded, TimeProvider.System, embeddedOptions.KeyPrefix);
var redisOptions = new StateOptions { Backend = StateBackend.Redis, Redis = new RedisOptions { Endpoints = { redisEndpoint } } };
await using var client = new RedisClient(redisOptions.Redis, NullLogger<RedisClient>.Instance);
var redis = new RedisStateStore(client, redisOptions);

if (arguments.TryGetValue("roundtrips", out var roundTripCount))
{
    // Just the admissions, for a MONITOR started by run.sh to count what reaches Redis.
    for (var i = 0; i < int.Parse(roundTripCount, CultureInfo.InvariantCulture); i++)
    {
        Check(await redis.AdmitAsync(Request(i)));
    }

    return 0;
}

var results = new List<object>();
foreach (var (name, store) in new (string, IStateStore)[] { ("embedded", embedded), ("redis", redis) })
{
    // Warm up: JIT, script load, connection.
    for (var i = 0; i < 2000; i++)
    {
        Check(await store.AdmitAsync(Request(i)));
    }

    var latencies = new List<double>();
    var stopwatch = Stopwatch.StartNew();
    var n = 0;
    while (stopwatch.Elapsed.TotalSeconds < seconds)
    {
        var started = Stopwatch.GetTimestamp();
        Check(await store.AdmitAsync(Request(n++)));
        latencies.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
    }

    // Throughput with concurrent callers, as many requests in flight as a busy Guard has.
    var done = 0L;
    var deadline = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
    var timer = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
    {
        var i = worker * 1_000_003;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            Check(await store.AdmitAsync(Request(i++)));
            Interlocked.Increment(ref done);
        }
    }));
    var throughput = done / timer.Elapsed.TotalSeconds;

    latencies.Sort();
    double Pct(double p) => latencies[Math.Max(0, (int)Math.Ceiling(p / 100 * latencies.Count) - 1)];
    results.Add(new
    {
        store = name,
        calls = latencies.Count,
        p50_us = Pct(50),
        p90_us = Pct(90),
        p99_us = Pct(99),
        max_us = latencies[^1],
        concurrent_callers = concurrency,
        admissions_per_s = throughput,
    });
    Console.Error.WriteLine($"{name}: p50 {Pct(50):0.0} us, p99 {Pct(99):0.0} us, {throughput:0} admissions/s with {concurrency} callers");
}

await File.WriteAllTextAsync(output, JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }));
return 0;

static void Check(AdmissionResult result)
{
    if (!result.IsAdmitted)
    {
        throw new InvalidOperationException($"Unexpected refusal: {result.Outcome} {result.Limit}");
    }
}
