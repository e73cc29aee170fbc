using System.Diagnostics;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Guard.Guards.Pipeline;
using Guard.Guards.QueryPatterns;
using Guard.Protocol;
using Guard.Protocol.Inference;
using Guard.State.Fingerprints;

namespace Guard.Bench.Fingerprint;

/// <summary>
/// A reproducible stream of query tensors of one shape, turned into what the fingerprint stage receives: a
/// <c>ModelInferRequest</c> with one FP32 input in raw_input_contents, parsed with <see cref="InferRequestView.Parse"/>
/// into a <see cref="GuardContext"/>, as the gateway does before the pipeline runs.
/// </summary>
internal sealed class QueryTraffic
{
    private readonly long[] _shape;
    private readonly Func<Random, int, float[]> _make;

    private QueryTraffic(long[] shape, Func<Random, int, float[]> make)
    {
        _shape = shape;
        _make = make;
    }

    /// <summary>Eval image <c>i mod n</c>, with independent uniform noise in ±<paramref name="noise"/> on every pixel
    /// (clamped to [0, 1]): the same images keep coming back, never byte-identical.</summary>
    public static QueryTraffic Perturbed(EvalSet set, float noise) => new([1, 1, set.Rows, set.Cols], (random, i) =>
    {
        var image = set.Images[i % set.Images.Count];
        var query = new float[image.Length];
        for (int p = 0; p < query.Length; p++)
        {
            query[p] = Math.Clamp(image[p] + (((float)random.NextDouble() * 2f) - 1f) * noise, 0f, 1f);
        }

        return query;
    });

    /// <summary>Fresh uniform random values in [0, 1) for every query.</summary>
    public static QueryTraffic Uniform(params long[] shape) => new(shape, (random, _) =>
    {
        var query = new float[checked((int)shape.Aggregate(1L, (a, b) => a * b))];
        for (int p = 0; p < query.Length; p++)
        {
            query[p] = (float)random.NextDouble();
        }

        return query;
    });

    /// <summary>The queries of this stream from <paramref name="seed"/>; the same seed gives the same queries.</summary>
    public IEnumerable<float[]> Queries(int seed)
    {
        var random = new Random(seed);
        for (int i = 0; ; i++)
        {
            yield return _make(random, i);
        }
    }

    public GuardContext Context(string model, float[] values, int client)
    {
        var input = new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32" };
        input.Shape.AddRange(_shape);
        var request = new ModelInferRequest { ModelName = model };
        request.Inputs.Add(input);
        request.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())));
        return new GuardContext(model, InferRequestView.Parse(request.ToByteArray()), signature: null, clientId: $"client-{client % 64}");
    }
}

/// <summary>One row of the per-query stage cost: latencies in µs, throughput in queries/s.</summary>
internal sealed record StageRow(
    int Iterations, double P50, double P99, double Max, double Mean, double IndexP50, double IndexP99, double IndexMax, double FlaggedShare,
    int Callers, int ConcurrentQueries, double QueriesPerSecond);

/// <summary>
/// What the fingerprint stage costs per query, measured through <see cref="FingerprintGuard.InspectAsync"/> itself:
/// <see cref="QueryFingerprinter.Compute(ReadOnlySpan{float})"/> on the raw input plus one
/// <see cref="IFingerprintIndex.MatchAndAddAsync"/>. Building the request and its context is not timed (the gateway
/// does that once for every stage).
/// </summary>
internal static class StageCost
{
    private const string Model = "fashion_cnn";

    /// <param name="freshIndex">An empty index (each of the three passes starts from one).</param>
    public static async Task<StageRow> MeasureAsync(
        Func<Task<IFingerprintIndex>> freshIndex, FingerprintGuardOptions options, QueryTraffic traffic,
        int warmup, int iterations, int callers, int concurrentQueries)
    {
        // 1. The stage, one caller.
        var guard = new FingerprintGuard(await freshIndex(), options);
        var samples = new double[iterations];
        int flagged = 0, n = 0;
        foreach (var values in traffic.Queries(seed: 1).Take(warmup + iterations))
        {
            var context = traffic.Context(Model, values, n);
            long start = Stopwatch.GetTimestamp();
            var verdict = await guard.InspectAsync(context, CancellationToken.None);
            double elapsed = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            CheckMatched(context);
            if (n >= warmup)
            {
                samples[n - warmup] = elapsed;
                flagged += verdict.Kind == VerdictKind.Allow ? 0 : 1;
            }

            n++;
        }

        // 2. The index call alone, on the same queries (hashes computed outside the timing).
        var index = await freshIndex();
        var fingerprinter = new QueryFingerprinter(options.Fingerprint);
        var indexSamples = new double[iterations];
        n = 0;
        foreach (var values in traffic.Queries(seed: 1).Take(warmup + iterations))
        {
            var hashes = fingerprinter.Compute(values);
            var queryId = Guid.NewGuid().ToString("N");
            long start = Stopwatch.GetTimestamp();
            await index.MatchAndAddAsync(Model, queryId, hashes, options.IdsPerHash, options.IndexLifetime);
            double elapsed = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            if (n >= warmup)
            {
                indexSamples[n - warmup] = elapsed;
            }

            n++;
        }

        // 3. Throughput: the stage with concurrent callers, over contexts built beforehand.
        guard = new FingerprintGuard(await freshIndex(), options);
        foreach (var values in traffic.Queries(seed: 2).Take(warmup))
        {
            await guard.InspectAsync(traffic.Context(Model, values, 0), CancellationToken.None);
        }

        var contexts = traffic.Queries(seed: 3).Take(concurrentQueries).Select((values, i) => traffic.Context(Model, values, i)).ToArray();
        int next = -1;
        var timer = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            for (int i = Interlocked.Increment(ref next); i < contexts.Length; i = Interlocked.Increment(ref next))
            {
                await guard.InspectAsync(contexts[i], CancellationToken.None);
            }
        })));
        double seconds = timer.Elapsed.TotalSeconds;
        foreach (var context in contexts)
        {
            CheckMatched(context);
        }

        Array.Sort(samples);
        Array.Sort(indexSamples);
        return new StageRow(
            iterations, Percentile(samples, 0.50), Percentile(samples, 0.99), samples[^1], samples.Average(),
            Percentile(indexSamples, 0.50), Percentile(indexSamples, 0.99), indexSamples[^1], (double)flagged / iterations,
            callers, concurrentQueries, concurrentQueries / seconds);
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * p))];

    /// <summary>The stage allows when the index is unavailable; a bench that timed that would time nothing.</summary>
    private static void CheckMatched(GuardContext context)
    {
        if (!context.Items.TryGetValue(FingerprintGuard.MatchItem, out var match) || match is not FingerprintLookup)
        {
            throw new InvalidOperationException($"The stage did not consult the index: {match ?? "no match recorded"}.");
        }
    }
}
