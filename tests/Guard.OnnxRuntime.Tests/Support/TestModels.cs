using Guard.TestSupport;

namespace Guard.OnnxRuntime.Tests.Support;

/// <summary>The tiny models the tests run.</summary>
internal static class TestModels
{
    /// <summary>c = a + b, float [batch, 4].</summary>
    public static byte[] Add() => new OnnxModelWriter()
        .Input("a", TensorElementType.Float, null, 4)
        .Input("b", TensorElementType.Float, null, 4)
        .Node("Add", ["a", "b"], ["c"])
        .Output("c", TensorElementType.Float, null, 4)
        .ToBytes();

    /// <summary>The weights of <see cref="MatMulRelu"/>, [3, 2] row-major.</summary>
    public static readonly float[] Weights = [1, -1, 2, 0.5f, -3, 1];

    /// <summary>y = Relu(x · W), x float [batch, 3], W an initializer [3, 2].</summary>
    public static byte[] MatMulRelu() => new OnnxModelWriter()
        .Input("x", TensorElementType.Float, null, 3)
        .FloatInitializer("W", Weights, 3, 2)
        .Node("MatMul", ["x", "W"], ["xw"])
        .Node("Relu", ["xw"], ["y"])
        .Output("y", TensorElementType.Float, null, 2)
        .ToBytes();

    /// <summary>y = Cast(x, to = INT64), x float [batch].</summary>
    public static byte[] CastToInt64() => new OnnxModelWriter()
        .Input("x", TensorElementType.Float, [null])
        .Node("Cast", ["x"], ["y"], ("to", (long)TensorElementType.Int64))
        .Output("y", TensorElementType.Int64, [null])
        .ToBytes();

    /// <summary>not_m = Not(m) over bool; wide = Cast(u, to = INT32) over uint8; both [batch].</summary>
    public static byte[] BoolAndUInt8() => new OnnxModelWriter()
        .Input("m", TensorElementType.Bool, [null])
        .Input("u", TensorElementType.UInt8, [null])
        .Node("Not", ["m"], ["not_m"])
        .Node("Cast", ["u"], ["wide"], ("to", (long)TensorElementType.Int32))
        .Output("not_m", TensorElementType.Bool, [null])
        .Output("wide", TensorElementType.Int32, [null])
        .ToBytes();

    /// <summary>f = Cast(h, to = FLOAT); h2 = Cast(f, to = FLOAT16); h float16 [batch].</summary>
    public static byte[] Float16RoundTrip() => new OnnxModelWriter()
        .Input("h", TensorElementType.Float16, [null])
        .Node("Cast", ["h"], ["f"], ("to", (long)TensorElementType.Float))
        .Node("Cast", ["f"], ["h2"], ("to", (long)TensorElementType.Float16))
        .Output("f", TensorElementType.Float, [null])
        .Output("h2", TensorElementType.Float16, [null])
        .ToBytes();

    /// <summary>s = a + b over int32 [2].</summary>
    public static byte[] AddInt32() => new OnnxModelWriter()
        .Input("a", TensorElementType.Int32, 2)
        .Input("b", TensorElementType.Int32, 2)
        .Node("Add", ["a", "b"], ["s"])
        .Output("s", TensorElementType.Int32, 2)
        .ToBytes();
}
