using Guard.TestSupport;
using Guard.OnnxRuntime;

namespace Guard.ModelHost.Tests.Support;

/// <summary>The tiny hand-written models the tests serve.</summary>
internal static class TestModels
{
    /// <summary>y = Identity(x), float [2, 3]: a fixed first dimension, so the model does not batch.</summary>
    public static byte[] FixedIdentity() => new OnnxModelWriter()
        .Input("x", TensorElementType.Float, 2, 3)
        .Node("Identity", ["x"], ["y"])
        .Output("y", TensorElementType.Float, 2, 3)
        .ToBytes();

    /// <summary>c = a + b, float [batch, 4]: two inputs.</summary>
    public static byte[] Add() => new OnnxModelWriter()
        .Input("a", TensorElementType.Float, null, 4)
        .Input("b", TensorElementType.Float, null, 4)
        .Node("Add", ["a", "b"], ["c"])
        .Output("c", TensorElementType.Float, null, 4)
        .ToBytes();

    /// <summary>y = -x, float [batch, 4]: one input.</summary>
    public static byte[] Neg() => new OnnxModelWriter()
        .Input("x", TensorElementType.Float, null, 4)
        .Node("Neg", ["x"], ["y"])
        .Output("y", TensorElementType.Float, null, 4)
        .ToBytes();

    /// <summary>An operator no ONNX Runtime implements, in the default domain.</summary>
    public static byte[] UnsupportedOperator() => new OnnxModelWriter()
        .Input("x", TensorElementType.Float, null, 4)
        .Node("NoSuchOperator", ["x"], ["y"])
        .Output("y", TensorElementType.Float, null, 4)
        .ToBytes();

    /// <summary>Random bytes that are no protobuf ONNX Runtime can parse.</summary>
    public static byte[] Garbage()
    {
        var bytes = new byte[512];
        new Random(11).NextBytes(bytes);
        return bytes;
    }

    /// <summary>The first half of the demo model's file.</summary>
    public static byte[] TruncatedDemo()
    {
        var bytes = File.ReadAllBytes(DemoSet.ModelPath(DemoData.Model));
        return bytes[..(bytes.Length / 2)];
    }

    public static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    public static float[] ToFloats(ReadOnlyMemory<byte> bytes)
    {
        var floats = new float[bytes.Length / sizeof(float)];
        bytes.Span.CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(floats.AsSpan()));
        return floats;
    }
}
