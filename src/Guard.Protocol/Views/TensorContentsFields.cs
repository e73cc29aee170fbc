namespace Guard.Protocol;

/// <summary>The proto field names of <c>inference.InferTensorContents</c>, as reported by <see cref="InferInputView.TypedContentsField"/>.</summary>
public static class TensorContentsFields
{
    public const string BoolContents = "bool_contents";
    public const string IntContents = "int_contents";
    public const string Int64Contents = "int64_contents";
    public const string UintContents = "uint_contents";
    public const string Uint64Contents = "uint64_contents";
    public const string Fp32Contents = "fp32_contents";
    public const string Fp64Contents = "fp64_contents";
    public const string BytesContents = "bytes_contents";

    /// <summary>The field name for an InferTensorContents field number (1..8), or null for any other number.</summary>
    public static string? FromFieldNumber(int fieldNumber) => fieldNumber switch
    {
        1 => BoolContents,
        2 => IntContents,
        3 => Int64Contents,
        4 => UintContents,
        5 => Uint64Contents,
        6 => Fp32Contents,
        7 => Fp64Contents,
        8 => BytesContents,
        _ => null,
    };
}
