using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Guard.OnnxRuntime;

// guard-bench-ort: the C# side of bench/ort (see bench/ort/README.md). Mirrors bench/ort/node/bench.mjs step by
// step; run both through bench/ort/run.sh, which compares their outputs.
//
//   guard-bench-ort --library PATH --model PATH --eval PATH --out DIR
//                   [--threads 2] [--seconds 5] [--warmup-seconds 1] [--warmup-runs 20] [--batches 1,32,256]
//                   [--log-level warning|info|verbose] [--options-only]
//
// Writes DIR/csharp.json (results) and DIR/csharp_logits.bin (float32 [256,10] logits of eval images 0..255).
return Bench.Execute(args);

internal static class Bench
{
    private const string Side = "csharp";
    private const int CheckImages = 256;
    private const int Classes = 10;
    private const int Pixels = 28 * 28;

    public static int Execute(string[] args)
    {
        Options o;
        try
        {
            o = Options.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"guard-bench-ort: {e.Message}");
            Console.Error.WriteLine(Options.Usage);
            return 2;
        }

        try
        {
            return Run(o);
        }
        catch (Exception e) when (e is OnnxRuntimeException or IOException or InvalidDataException)
        {
            Console.Error.WriteLine($"guard-bench-ort: {e.Message}");
            return 1;
        }
    }

    private static int Run(Options o)
    {
        var library = OrtLibrary.Load(o.Library);
        using var env = library.CreateEnvironment(o.LogLevel, "bench");
        using var options = new SessionOptions(library)
            .SetIntraOpThreads(o.Threads)
            .SetInterOpThreads(1)
            .SetGraphOptimizationLevel(GraphOptimizationLevel.EnableAll)
            .AddConfigEntry(SessionOptions.AllowIntraOpSpinningKey, "0");
        using var session = new InferenceSession(env, o.Model, options);
        var mapped = MappedOrtLibrary();
        Log($"ORT {library.Version} from {mapped}; .NET {Environment.Version}; threads {o.Threads}");
        if (o.OptionsOnly)
        {
            return 0;
        }

        var (pixels, labels) = EvalSet.Read(o.Eval);
        var count = labels.Length;
        if (count < CheckImages)
        {
            throw new InvalidDataException($"{o.Eval} has {count} images, at least {CheckImages} are needed.");
        }

        // Correctness, once: eval images 0..255 as one batch.
        var checkInput = pixels.AsSpan(0, CheckImages * Pixels).ToArray();
        float[] checkLogits;
        using (var tensor = OrtTensor.Create(library, checkInput, CheckImages, 1L, 28, 28))
        using (var outputs = session.Run(["input"], [tensor]))
        {
            var logits = outputs["logits"];
            if (logits.Shape.Count != 2 || logits.Shape[0] != CheckImages || logits.Shape[1] != Classes)
            {
                throw new InvalidDataException($"logits have shape [{string.Join(",", logits.Shape)}], expected [{CheckImages},{Classes}].");
            }
            checkLogits = logits.ToArray<float>();
        }
        var correct = 0;
        for (var i = 0; i < CheckImages; i++)
        {
            if (ArgMax(checkLogits.AsSpan(i * Classes, Classes)) == labels[i])
            {
                correct++;
            }
        }
        var accuracy = (double)correct / CheckImages;
        Directory.CreateDirectory(o.Out);
        var logitsBytes = new byte[checkLogits.Length * sizeof(float)];
        Buffer.BlockCopy(checkLogits, 0, logitsBytes, 0, logitsBytes.Length);
        File.WriteAllBytes(Path.Combine(o.Out, $"{Side}_logits.bin"), logitsBytes);
        Log($"accuracy on eval images 0..{CheckImages - 1}: {accuracy:F4} ({correct}/{CheckImages})");

        var results = new List<BatchResult>();
        foreach (var batch in o.Batches)
        {
            results.Add(Measure(o, library, session, pixels, count, batch));
        }

        var report = new Report(
            Side, library.Version, mapped, $".NET {Environment.Version}", o.Threads, o.Seconds, o.WarmupSeconds,
            o.WarmupRuns, Environment.ProcessorCount, accuracy, CheckImages, results);
        File.WriteAllText(Path.Combine(o.Out, $"{Side}.json"), JsonSerializer.Serialize(report, JsonOptions));
        return 0;
    }

    /// <summary>
    /// Warm-up, then Runs back to back for the configured time. One timed call = wrap the next input batch in a
    /// tensor, Run, copy the logits out (onnxruntime-node hands back a copy too), dispose tensor and outputs.
    /// </summary>
    private static BatchResult Measure(Options o, OrtLibrary library, InferenceSession session, float[] pixels, int count, int batch)
    {
        var inputs = EvalSet.CyclicBatches(pixels, count, batch);
        var sink = new float[batch * Classes];
        string[] inputNames = ["input"];
        var inputTensors = new OrtTensor[1];
        var next = 0;

        long OneCall()
        {
            var start = Stopwatch.GetTimestamp();
            using (var tensor = OrtTensor.Create(library, inputs[next], batch, 1L, 28, 28))
            {
                inputTensors[0] = tensor;
                using var outputs = session.Run(inputNames, inputTensors);
                outputs["logits"].GetData<float>().CopyTo(sink);
            }
            var elapsed = Stopwatch.GetTimestamp() - start;
            next = next + 1 == inputs.Length ? 0 : next + 1;
            return elapsed;
        }

        var warmupEnd = Stopwatch.GetTimestamp() + (long)(o.WarmupSeconds * Stopwatch.Frequency);
        var warmups = 0;
        while (warmups < o.WarmupRuns || Stopwatch.GetTimestamp() < warmupEnd)
        {
            OneCall();
            warmups++;
        }

        var latencies = new List<long>(1 << 20); // 8 MiB up front: no growth inside the window at these rates
        var cpuBefore = CpuSample.Take();
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var gen0Before = GC.CollectionCount(0);
        var begin = Stopwatch.GetTimestamp();
        var end = begin + (long)(o.Seconds * Stopwatch.Frequency);
        long now;
        do
        {
            latencies.Add(OneCall());
            now = Stopwatch.GetTimestamp();
        }
        while (now < end);
        var seconds = (double)(now - begin) / Stopwatch.Frequency;
        var allocatedPerRun = (double)(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / latencies.Count;
        var gen0 = GC.CollectionCount(0) - gen0Before;
        var (ownCpu, otherShare) = CpuSample.Take().Since(cpuBefore, seconds);

        latencies.Sort();
        var toMs = 1000.0 / Stopwatch.Frequency;
        double Percentile(double p) => latencies[Math.Clamp((int)Math.Ceiling(p / 100 * latencies.Count) - 1, 0, latencies.Count - 1)] * toMs;
        var total = 0.0;
        foreach (var l in latencies)
        {
            total += l;
        }
        var result = new BatchResult(
            batch, latencies.Count, warmups, seconds,
            latencies.Count * (double)batch / seconds, latencies.Count / seconds,
            Percentile(50), Percentile(90), Percentile(99), total * toMs / latencies.Count,
            latencies[0] * toMs, latencies[^1] * toMs, ownCpu, otherShare, allocatedPerRun, gen0);
        Log(string.Create(CultureInfo.InvariantCulture,
            $"batch {batch,3}: {result.ImagesPerSecond,10:F0} images/s {result.RunsPerSecond,9:F1} runs/s  p50 {result.P50Ms:F3} ms  p99 {result.P99Ms:F3} ms  ({result.Runs} runs, {warmups} warm-up; {allocatedPerRun:F0} B/run managed; own CPU {ownCpu:F2} cores, others {otherShare * 100:F0}% of our CPUs)"));
        return result;
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }
        return best;
    }

    /// <summary>The path of the libonnxruntime this process has mapped, from /proc/self/maps.</summary>
    private static string MappedOrtLibrary()
    {
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            var slash = line.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0 && line.AsSpan(slash).EndsWith("/libonnxruntime.so.1", StringComparison.Ordinal))
            {
                return line[slash..];
            }
        }
        throw new InvalidDataException("no libonnxruntime.so.1 mapped in this process (/proc/self/maps)");
    }

    private static void Log(string message) => Console.Error.WriteLine($"[{Side}] {message}");

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}

internal sealed record BatchResult(
    int Batch, int Runs, int WarmupRuns, double Seconds, double ImagesPerSecond, double RunsPerSecond,
    double P50Ms, double P90Ms, double P99Ms, double MeanMs, double MinMs, double MaxMs,
    double OwnCpuCores, double OtherCpuShare, double ManagedBytesPerRun, int Gen0Collections);

/// <summary>
/// CPU accounting for one measurement window: this process's CPU time (all its threads) and the busy + stolen time
/// of the CPUs it may run on (/proc/stat), so that a result can say how much of those CPUs something else took.
/// Mirrors cpuSample() in bench/ort/node/bench.mjs.
/// </summary>
internal readonly record struct CpuSample(double OwnSeconds, double CpusBusySeconds)
{
    private const double ClockTicks = 100; // USER_HZ on Linux

    public static CpuSample Take()
    {
        var allowed = AllowedCpus();
        double busyTicks = 0;
        foreach (var line in File.ReadLines("/proc/stat"))
        {
            if (!line.StartsWith("cpu", StringComparison.Ordinal) || line.Length < 4 || !char.IsAsciiDigit(line[3]))
            {
                continue;
            }
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (!allowed.Contains(int.Parse(f[0].AsSpan(3), CultureInfo.InvariantCulture)))
            {
                continue;
            }
            // user nice system idle iowait irq softirq steal: busy = all but idle and iowait
            foreach (var i in (ReadOnlySpan<int>)[1, 2, 3, 6, 7, 8])
            {
                busyTicks += double.Parse(f[i], CultureInfo.InvariantCulture);
            }
        }
        using var self = Process.GetCurrentProcess();
        return new CpuSample(self.TotalProcessorTime.TotalSeconds, busyTicks / ClockTicks);
    }

    /// <summary>(own CPU cores used on average, share of our CPUs' capacity used by anything else) since <paramref name="before"/>.</summary>
    public (double OwnCores, double OtherShare) Since(CpuSample before, double wallSeconds)
    {
        var own = OwnSeconds - before.OwnSeconds;
        var busy = CpusBusySeconds - before.CpusBusySeconds;
        var capacity = wallSeconds * AllowedCpus().Count;
        return (own / wallSeconds, Math.Clamp((busy - own) / capacity, 0, 1));
    }

    private static HashSet<int> AllowedCpus()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal))
            {
                var set = new HashSet<int>();
                foreach (var part in line["Cpus_allowed_list:".Length..].Trim().Split(',', StringSplitOptions.RemoveEmptyEntries))
                {
                    var range = part.Split('-');
                    var first = int.Parse(range[0], CultureInfo.InvariantCulture);
                    var last = range.Length > 1 ? int.Parse(range[1], CultureInfo.InvariantCulture) : first;
                    for (var c = first; c <= last; c++)
                    {
                        set.Add(c);
                    }
                }
                return set;
            }
        }
        throw new InvalidDataException("no Cpus_allowed_list in /proc/self/status");
    }
}

internal sealed record Report(
    string Side, string OrtVersion, string LibraryPath, string Runtime, int IntraOpThreads, double Seconds,
    double WarmupSeconds, int WarmupRuns, int ProcessorCount, double Accuracy, int AccuracyImages,
    IReadOnlyList<BatchResult> Results);

/// <summary>models/eval/fashion_eval_1000.bin (format: models/eval/README.md).</summary>
internal static class EvalSet
{
    public static (float[] Pixels, byte[] Labels) Read(string path)
    {
        var bin = File.ReadAllBytes(path);
        if (bin.Length < 16 || !bin.AsSpan(0, 4).SequenceEqual("GFEV"u8))
        {
            throw new InvalidDataException($"{path} is not a GFEV eval set (models/eval/README.md).");
        }
        var n = BitConverter.ToInt32(bin, 4);
        var rows = BitConverter.ToInt32(bin, 8);
        var cols = BitConverter.ToInt32(bin, 12);
        if (rows != 28 || cols != 28 || n <= 0 || bin.Length != 16 + (4 * n * rows * cols) + n)
        {
            throw new InvalidDataException($"{path}: unexpected header (count {n}, {rows}x{cols}, {bin.Length} bytes).");
        }
        var pixels = new float[n * rows * cols];
        Buffer.BlockCopy(bin, 16, pixels, 0, pixels.Length * sizeof(float));
        var labels = bin.AsSpan(16 + (pixels.Length * sizeof(float)), n).ToArray();
        return (pixels, labels);
    }

    /// <summary>
    /// ceil(count / batch) input buffers; buffer k holds images (k*batch + j) mod count, so together they cover the
    /// eval set once and the timed loop cycles through real, varying images.
    /// </summary>
    public static float[][] CyclicBatches(float[] pixels, int count, int batch)
    {
        const int pixelsPerImage = 28 * 28;
        var buffers = new float[(count + batch - 1) / batch][];
        for (var k = 0; k < buffers.Length; k++)
        {
            var buffer = new float[batch * pixelsPerImage];
            for (var j = 0; j < batch; j++)
            {
                var image = ((k * batch) + j) % count;
                pixels.AsSpan(image * pixelsPerImage, pixelsPerImage).CopyTo(buffer.AsSpan(j * pixelsPerImage));
            }
            buffers[k] = buffer;
        }
        return buffers;
    }
}

internal sealed class Options
{
    public const string Usage =
        "usage: guard-bench-ort --library PATH --model PATH --eval PATH --out DIR [--threads 2] [--seconds 5] " +
        "[--warmup-seconds 1] [--warmup-runs 20] [--batches 1,32,256] [--log-level warning|info|verbose] [--options-only]";

    public string? Library { get; private set; }

    public string Model { get; private set; } = "";

    public string Eval { get; private set; } = "";

    public string Out { get; private set; } = "";

    public int Threads { get; private set; } = 2;

    public double Seconds { get; private set; } = 5;

    public double WarmupSeconds { get; private set; } = 1;

    public int WarmupRuns { get; private set; } = 20;

    public IReadOnlyList<int> Batches { get; private set; } = [1, 32, 256];

    public OrtLoggingLevel LogLevel { get; private set; } = OrtLoggingLevel.Warning;

    public bool OptionsOnly { get; private set; }

    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--library": o.Library = Value(); break;
                case "--model": o.Model = Value(); break;
                case "--eval": o.Eval = Value(); break;
                case "--out": o.Out = Value(); break;
                case "--threads": o.Threads = PositiveInt(Value(), "--threads"); break;
                case "--seconds": o.Seconds = PositiveDouble(Value(), "--seconds"); break;
                case "--warmup-seconds": o.WarmupSeconds = double.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--warmup-runs": o.WarmupRuns = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--batches":
                    o.Batches = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        .Select(b => PositiveInt(b, "--batches")).ToArray();
                    break;
                case "--log-level":
                    o.LogLevel = Value() switch
                    {
                        "verbose" => OrtLoggingLevel.Verbose,
                        "info" => OrtLoggingLevel.Info,
                        "warning" => OrtLoggingLevel.Warning,
                        "error" => OrtLoggingLevel.Error,
                        var other => throw new ArgumentException($"unknown --log-level '{other}'"),
                    };
                    break;
                case "--options-only": o.OptionsOnly = true; break;
                default: throw new ArgumentException($"unknown argument '{args[i]}'");
            }
        }
        if (o.Model.Length == 0 || (!o.OptionsOnly && (o.Eval.Length == 0 || o.Out.Length == 0)))
        {
            throw new ArgumentException("--model, --eval and --out are required");
        }
        return o;
    }

    private static int PositiveInt(string s, string name)
        => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0
            ? v : throw new ArgumentException($"{name} must be a positive integer, not '{s}'");

    private static double PositiveDouble(string s, string name)
        => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0
            ? v : throw new ArgumentException($"{name} must be a positive number, not '{s}'");
}
