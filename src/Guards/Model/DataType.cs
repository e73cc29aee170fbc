namespace Guard.Guards.Model;

/// <summary>A KServe v2 tensor datatype: its wire name, element size and typed-contents field.</summary>
public sealed class DataType
{
    /// <summary><see cref="ElementSize"/> of a datatype whose elements vary in size (BYTES).</summary>
    public const int VariableSize = -1;

    internal DataType(string name, int elementSize, string? contentsField, bool isFloatingPoint)
    {
        Name = name;
        ElementSize = elementSize;
        ContentsField = contentsField;
        IsFloatingPoint = isFloatingPoint;
    }

    /// <summary>The datatype string as it appears on the wire, e.g. "FP32".</summary>
    public string Name { get; }

    /// <summary>Bytes per element in raw_input_contents, or <see cref="VariableSize"/>.</summary>
    public int ElementSize { get; }

    public bool IsVariableSize => ElementSize == VariableSize;

    /// <summary>
    /// The <see cref="Guard.Protocol.TensorContentsFields"/> name that carries this datatype in typed contents,
    /// or null when the data must be sent raw (FP16, BF16).
    /// </summary>
    public string? ContentsField { get; }

    /// <summary>FP16, BF16, FP32 or FP64: values that can be NaN or infinite.</summary>
    public bool IsFloatingPoint { get; }

    public override string ToString() => Name;
}
