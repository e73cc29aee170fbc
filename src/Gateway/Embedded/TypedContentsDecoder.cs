using System.Runtime.InteropServices;
using Guard.OnnxRuntime;
using Guard.Protocol.Inference;

namespace Guard.Gateway.Embedded;

/// <summary>
/// Turns an input's typed <c>contents</c> (fp32_contents, int_contents, ...) into the little-endian element bytes
/// the host runs on. Clients that send raw_input_contents (Triton's clients do) never come here.
/// </summary>
internal static class TypedContentsDecoder
{
    /// <exception cref="ArgumentException">The datatype has no typed field (FP16, BF16) or the field does not match it.</exception>
    public static byte[] Decode(string name, string datatype, TensorElementType elementType, InferTensorContents contents)
    {
        return elementType switch
        {
            TensorElementType.Float => Bytes(contents.Fp32Contents, "fp32_contents"),
            TensorElementType.Double => Bytes(contents.Fp64Contents, "fp64_contents"),
            TensorElementType.Int64 => Bytes(contents.Int64Contents, "int64_contents"),
            TensorElementType.UInt64 => Bytes(contents.Uint64Contents, "uint64_contents"),
            TensorElementType.Int32 => Bytes(contents.IntContents, "int_contents"),
            TensorElementType.UInt32 => Bytes(contents.UintContents, "uint_contents"),
            TensorElementType.Int16 => Narrow(contents.IntContents, "int_contents", v => BitConverter.GetBytes((short)v)),
            TensorElementType.UInt16 => Narrow(contents.UintContents, "uint_contents", v => BitConverter.GetBytes((ushort)v)),
            TensorElementType.Int8 => Narrow(contents.IntContents, "int_contents", v => [(byte)(sbyte)v]),
            TensorElementType.UInt8 => Narrow(contents.UintContents, "uint_contents", v => [(byte)v]),
            TensorElementType.Bool => contents.BoolContents.Select(b => b ? (byte)1 : (byte)0).ToArray(),
            _ => throw new ArgumentException($"Input '{name}' of {datatype} must be sent in raw_input_contents: KServe has no typed contents field for it."),
        };

        byte[] Bytes<T>(IReadOnlyList<T> values, string field)
            where T : unmanaged
        {
            if (values.Count == 0 && HasOtherContents(contents))
            {
                throw new ArgumentException($"Input '{name}' of {datatype} carries its data in the wrong contents field (expected {field}).");
            }

            return MemoryMarshal.AsBytes(values.ToArray().AsSpan()).ToArray();
        }

        byte[] Narrow<T>(IReadOnlyList<T> values, string field, Func<T, byte[]> encode)
        {
            if (values.Count == 0 && HasOtherContents(contents))
            {
                throw new ArgumentException($"Input '{name}' of {datatype} carries its data in the wrong contents field (expected {field}).");
            }

            return values.SelectMany(encode).ToArray();
        }
    }

    private static bool HasOtherContents(InferTensorContents c) =>
        c.BoolContents.Count + c.IntContents.Count + c.Int64Contents.Count + c.UintContents.Count + c.Uint64Contents.Count
        + c.Fp32Contents.Count + c.Fp64Contents.Count + c.BytesContents.Count > 0;
}
