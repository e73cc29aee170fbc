using System.Runtime.InteropServices;
using Google.Protobuf;
using Guard.Protocol.Inference;

namespace Guard.Guards.Responses;

/// <summary>
/// Coarsens the floating-point outputs of an inference response in place (see <see cref="OutputHardeningMode"/>).
/// Rows are taken along the last dimension, so a <c>[batch, classes]</c> output is hardened per example. Outputs of
/// other datatypes (labels, indices, strings) pass unchanged: they carry no scores to hide.
/// </summary>
public sealed class OutputHardener(OutputHardeningOptions options)
{
    public bool IsEnabled => options.Mode != OutputHardeningMode.None;

    /// <summary>Hardens <paramref name="response"/>, whose outputs may be raw contents or typed contents.</summary>
    public void Apply(ModelInferResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (!IsEnabled)
        {
            return;
        }

        for (var i = 0; i < response.Outputs.Count; i++)
        {
            var output = response.Outputs[i];
            var rowLength = output.Shape.Count == 0 ? 1 : (int)Math.Max(1, output.Shape[^1]);
            if (i < response.RawOutputContents.Count)
            {
                response.RawOutputContents[i] = HardenRaw(output.Datatype, response.RawOutputContents[i], rowLength);
            }
            else if (output.Contents is { } contents && output.Datatype == "FP32" && contents.Fp32Contents.Count > 0)
            {
                var values = contents.Fp32Contents.ToArray();
                Harden(values, rowLength);
                contents.Fp32Contents.Clear();
                contents.Fp32Contents.Add(values);
            }
        }
    }

    private ByteString HardenRaw(string datatype, ByteString raw, int rowLength)
    {
        switch (datatype)
        {
            case "FP32" when raw.Length % sizeof(float) == 0:
                {
                    var values = MemoryMarshal.Cast<byte, float>(raw.Span).ToArray();
                    Harden(values, rowLength);
                    return UnsafeByteOperations.UnsafeWrap(MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
                }

            case "FP16" when raw.Length % 2 == 0:
                {
                    var halves = MemoryMarshal.Cast<byte, Half>(raw.Span);
                    var values = new float[halves.Length];
                    for (var i = 0; i < values.Length; i++)
                    {
                        values[i] = (float)halves[i];
                    }

                    Harden(values, rowLength);
                    var result = new Half[values.Length];
                    for (var i = 0; i < values.Length; i++)
                    {
                        result[i] = (Half)values[i];
                    }

                    return UnsafeByteOperations.UnsafeWrap(MemoryMarshal.AsBytes(result.AsSpan()).ToArray());
                }

            default:
                return raw;
        }
    }

    /// <summary>Hardens <paramref name="values"/> row by row; a trailing partial row is treated as a row of its own.</summary>
    public void Harden(Span<float> values, int rowLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowLength, 1);
        for (var start = 0; start < values.Length; start += rowLength)
        {
            var row = values.Slice(start, Math.Min(rowLength, values.Length - start));
            if (options.Mode == OutputHardeningMode.Top1)
            {
                var best = 0;
                for (var j = 1; j < row.Length; j++)
                {
                    // NaN never wins: a broken score must not become the label.
                    if (row[j] > row[best] || float.IsNaN(row[best]))
                    {
                        best = j;
                    }
                }

                row.Clear();
                row[best] = 1f;
            }
            else
            {
                for (var j = 0; j < row.Length; j++)
                {
                    row[j] = (float)Math.Round(row[j], options.Decimals, MidpointRounding.ToEven);
                }
            }
        }
    }
}
