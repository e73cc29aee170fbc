namespace Guard.OnnxRuntime;

/// <summary>ORT's <c>ONNXTensorElementDataType</c> (the same numbers as ONNX's <c>TensorProto.DataType</c>).</summary>
public enum TensorElementType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
    Complex64 = 14,
    Complex128 = 15,
    BFloat16 = 16,
}

/// <summary>The managed element types a tensor can be created over, and their ORT element types.</summary>
public static class TensorElementTypes
{
    /// <summary>The ORT element type of <typeparamref name="T"/>; throws for an unsupported type.</summary>
    public static TensorElementType Of<T>()
        where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return TensorElementType.Float;
        if (typeof(T) == typeof(Half)) return TensorElementType.Float16;
        if (typeof(T) == typeof(long)) return TensorElementType.Int64;
        if (typeof(T) == typeof(int)) return TensorElementType.Int32;
        if (typeof(T) == typeof(byte)) return TensorElementType.UInt8;
        if (typeof(T) == typeof(bool)) return TensorElementType.Bool;
        throw new NotSupportedException($"Tensors of {typeof(T).Name} are not supported (float, Half, long, int, byte, bool are).");
    }

    /// <summary>Bytes per element of a fixed-size element type; throws for strings, complex and undefined.</summary>
    public static int SizeOf(TensorElementType elementType) => elementType switch
    {
        TensorElementType.Bool or TensorElementType.UInt8 or TensorElementType.Int8 => 1,
        TensorElementType.UInt16 or TensorElementType.Int16 or TensorElementType.Float16 or TensorElementType.BFloat16 => 2,
        TensorElementType.Float or TensorElementType.Int32 or TensorElementType.UInt32 => 4,
        TensorElementType.Int64 or TensorElementType.UInt64 or TensorElementType.Double => 8,
        _ => throw new NotSupportedException($"Tensors of {elementType} have no fixed element size."),
    };
}
