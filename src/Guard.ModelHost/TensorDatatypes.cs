using System.Diagnostics.CodeAnalysis;
using Guard.OnnxRuntime;

namespace Guard.ModelHost;

/// <summary>KServe v2 datatype names (<c>FP32</c>, <c>INT64</c>, ...) for ONNX Runtime element types, both ways.</summary>
public static class TensorDatatypes
{
    private static readonly Dictionary<string, TensorElementType> ByName = new(StringComparer.Ordinal)
    {
        ["BOOL"] = TensorElementType.Bool,
        ["UINT8"] = TensorElementType.UInt8,
        ["UINT16"] = TensorElementType.UInt16,
        ["UINT32"] = TensorElementType.UInt32,
        ["UINT64"] = TensorElementType.UInt64,
        ["INT8"] = TensorElementType.Int8,
        ["INT16"] = TensorElementType.Int16,
        ["INT32"] = TensorElementType.Int32,
        ["INT64"] = TensorElementType.Int64,
        ["FP16"] = TensorElementType.Float16,
        ["FP32"] = TensorElementType.Float,
        ["FP64"] = TensorElementType.Double,
        ["BF16"] = TensorElementType.BFloat16,
    };

    /// <summary>The KServe name of <paramref name="elementType"/>; "BYTES" for strings, null for types KServe has no name for.</summary>
    public static string? ToDatatype(TensorElementType elementType) => elementType switch
    {
        TensorElementType.String => "BYTES",
        _ => ByName.FirstOrDefault(p => p.Value == elementType).Key,
    };

    /// <summary>The element type of a fixed-size KServe datatype (BYTES has none here: the host runs no string tensors).</summary>
    public static bool TryParse(string datatype, [NotNullWhen(true)] out TensorElementType? elementType)
    {
        if (ByName.TryGetValue(datatype, out var found))
        {
            elementType = found;
            return true;
        }

        elementType = null;
        return false;
    }
}
