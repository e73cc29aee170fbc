using System.Diagnostics.CodeAnalysis;
using Guard.Protocol;

namespace Guard.Guards.Model;

/// <summary>The KServe v2 datatypes (Open Inference Protocol "Tensor Data Types").</summary>
public static class DataTypes
{
#pragma warning disable CA1720 // The names mirror the protocol's datatype names.
    public static DataType Bool { get; } = new("BOOL", 1, TensorContentsFields.BoolContents, isFloatingPoint: false);
    public static DataType UInt8 { get; } = new("UINT8", 1, TensorContentsFields.UintContents, isFloatingPoint: false);
    public static DataType UInt16 { get; } = new("UINT16", 2, TensorContentsFields.UintContents, isFloatingPoint: false);
    public static DataType UInt32 { get; } = new("UINT32", 4, TensorContentsFields.UintContents, isFloatingPoint: false);
    public static DataType UInt64 { get; } = new("UINT64", 8, TensorContentsFields.Uint64Contents, isFloatingPoint: false);
    public static DataType Int8 { get; } = new("INT8", 1, TensorContentsFields.IntContents, isFloatingPoint: false);
    public static DataType Int16 { get; } = new("INT16", 2, TensorContentsFields.IntContents, isFloatingPoint: false);
    public static DataType Int32 { get; } = new("INT32", 4, TensorContentsFields.IntContents, isFloatingPoint: false);
    public static DataType Int64 { get; } = new("INT64", 8, TensorContentsFields.Int64Contents, isFloatingPoint: false);
    public static DataType FP16 { get; } = new("FP16", 2, contentsField: null, isFloatingPoint: true);
    public static DataType FP32 { get; } = new("FP32", 4, TensorContentsFields.Fp32Contents, isFloatingPoint: true);
    public static DataType FP64 { get; } = new("FP64", 8, TensorContentsFields.Fp64Contents, isFloatingPoint: true);
    public static DataType BF16 { get; } = new("BF16", 2, contentsField: null, isFloatingPoint: true);
#pragma warning restore CA1720
    public static DataType Bytes { get; } = new("BYTES", DataType.VariableSize, TensorContentsFields.BytesContents, isFloatingPoint: false);

    public static IReadOnlyList<DataType> All { get; } =
        [Bool, UInt8, UInt16, UInt32, UInt64, Int8, Int16, Int32, Int64, FP16, FP32, FP64, BF16, Bytes];

    /// <summary>Looks a datatype up by its exact (case-sensitive) wire name, without allocating.</summary>
    public static bool TryGet(string? name, [NotNullWhen(true)] out DataType? dataType)
    {
        dataType = name switch
        {
            "BOOL" => Bool,
            "UINT8" => UInt8,
            "UINT16" => UInt16,
            "UINT32" => UInt32,
            "UINT64" => UInt64,
            "INT8" => Int8,
            "INT16" => Int16,
            "INT32" => Int32,
            "INT64" => Int64,
            "FP16" => FP16,
            "FP32" => FP32,
            "FP64" => FP64,
            "BF16" => BF16,
            "BYTES" => Bytes,
            _ => null,
        };
        return dataType is not null;
    }
}
