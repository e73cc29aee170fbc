using Guard.TestSupport;

namespace Guard.ModelHost.Tests.Support;

/// <summary>The demo model the host tests serve, and its evaluation images as host requests (data: <see cref="DemoSet"/>).</summary>
internal static class DemoData
{
    public const string Model = "fashion_cnn";

    /// <summary>Images <paramref name="first"/>.. as the bytes of an FP32 <c>[count, 1, 28, 28]</c> input tensor.</summary>
    public static InferenceTensor Images(int first, int count)
    {
        var bytes = new byte[count * DemoSet.ImageBytes];
        Buffer.BlockCopy(DemoSet.Pixels, first * DemoSet.ImageBytes, bytes, 0, bytes.Length);
        return new InferenceTensor("input", Guard.OnnxRuntime.TensorElementType.Float, [count, 1, 28, 28], bytes);
    }

    public static InferenceRequest Request(int first, int count) => new([Images(first, count)], []);
}
