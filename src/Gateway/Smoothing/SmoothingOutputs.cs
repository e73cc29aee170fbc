using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Guard.Guards.Smoothing;
using Guard.Protocol.Inference;

namespace Guard.Gateway.Smoothing;

/// <summary>
/// Adds the smoothing stage's results to an answer, so a Triton client reads them like any output: one value per row
/// of the request in each of <see cref="Class"/> (INT64, −1 when abstaining), <see cref="Radius"/> (FP32 certified L2
/// radius), <see cref="PALower"/> (FP32), <see cref="Samples"/> (INT64 noisy samples used) and <see cref="Abstained"/>
/// (BOOL); plus the settings as response parameters (<c>smoothing_sigma</c>, <c>smoothing_alpha</c>,
/// <c>smoothing_min_radius</c>, <c>smoothing_n</c>). Raw or typed, as the answer's own outputs are.
/// </summary>
public static class SmoothingOutputs
{
    public const string Class = "smoothed_class";
    public const string Radius = "certified_radius";
    public const string PALower = "pa_lower";
    public const string Samples = "smoothing_samples";
    public const string Abstained = "abstained";

    public static void Append(ModelInferResponse response, IReadOnlyList<SmoothingResult> results, SmoothingOptions options)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(options);
        var raw = response.RawOutputContents.Count > 0 || response.Outputs.Count == 0;
        Add(response, raw, Class, "INT64", results.Select(r => (long)r.Class).ToArray());
        Add(response, raw, Radius, "FP32", results.Select(r => (float)r.Radius).ToArray());
        Add(response, raw, PALower, "FP32", results.Select(r => (float)r.PALower).ToArray());
        Add(response, raw, Samples, "INT64", results.Select(r => r.SamplesUsed).ToArray());
        Add(response, raw, Abstained, "BOOL", results.Select(r => r.Abstained).ToArray());
        response.Parameters["smoothing_sigma"] = new InferParameter { DoubleParam = options.Sigma };
        response.Parameters["smoothing_alpha"] = new InferParameter { DoubleParam = options.Alpha };
        response.Parameters["smoothing_min_radius"] = new InferParameter { DoubleParam = options.MinRadius };
        response.Parameters["smoothing_n"] = new InferParameter { Int64Param = options.N };
        response.Parameters["smoothing_mode"] = new InferParameter { StringParam = options.Adaptive ? "adaptive" : "fixed" };
    }

    private static void Add<T>(ModelInferResponse response, bool raw, string name, string datatype, T[] values)
        where T : struct
    {
        var output = new ModelInferResponse.Types.InferOutputTensor { Name = name, Datatype = datatype };
        output.Shape.Add(values.Length);
        response.Outputs.Add(output);
        if (raw)
        {
            response.RawOutputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())));
            return;
        }

        var contents = output.Contents = new InferTensorContents();
        switch (values)
        {
            case long[] longs:
                contents.Int64Contents.AddRange(longs);
                break;
            case float[] floats:
                contents.Fp32Contents.AddRange(floats);
                break;
            case bool[] flags:
                contents.BoolContents.AddRange(flags);
                break;
            default:
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"No typed contents for {typeof(T)}."));
        }
    }
}
