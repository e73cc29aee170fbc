using Guard.OnnxRuntime.Tests.Support;

namespace Guard.OnnxRuntime.Tests;

[Collection(OrtTests.Name)]
public sealed class ErrorTests(OrtFixture ort)
{
    [Fact]
    public void Corrupt_model_bytes_throw_with_ORT_message()
    {
        var corrupt = TestModels.Add()[..40];

        var error = Assert.Throws<OnnxRuntimeException>(() => ort.Session(corrupt));

        Assert.NotEqual(OrtErrorCode.Ok, error.ErrorCode);
        Assert.False(string.IsNullOrWhiteSpace(error.OrtMessage));
        Assert.Contains(error.OrtMessage, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Garbage_bytes_throw_instead_of_crashing()
    {
        var garbage = new byte[256];
        new Random(7).NextBytes(garbage);

        Assert.Throws<OnnxRuntimeException>(() => ort.Session(garbage));
    }

    [Fact]
    public void Missing_model_file_throws_with_ORT_message()
    {
        using var options = ort.Options();

        var error = Assert.Throws<OnnxRuntimeException>(
            () => new InferenceSession(ort.Environment, "/nonexistent/model.onnx", options));

        Assert.Equal(OrtErrorCode.NoSuchFile, error.ErrorCode);
    }

    [Fact]
    public void Unknown_input_name_throws_invalid_argument()
    {
        using var session = ort.Session(TestModels.Add());
        using var a = OrtTensor.Create(ort.Library, new float[4], 1, 4);
        using var b = OrtTensor.Create(ort.Library, new float[4], 1, 4);

        var error = Assert.Throws<OnnxRuntimeException>(() => session.Run(["a", "nope"], [a, b]));

        Assert.Equal(OrtErrorCode.InvalidArgument, error.ErrorCode);
        Assert.Contains("nope", error.OrtMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_output_name_throws()
    {
        using var session = ort.Session(TestModels.Add());
        using var a = OrtTensor.Create(ort.Library, new float[4], 1, 4);

        var error = Assert.Throws<OnnxRuntimeException>(() => session.Run(["a", "b"], [a, a], ["nope"]));

        Assert.Contains("nope", error.OrtMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_element_type_throws_with_a_message()
    {
        using var session = ort.Session(TestModels.Add());
        using var a = OrtTensor.Create(ort.Library, new long[4], 1, 4);
        using var b = OrtTensor.Create(ort.Library, new float[4], 1, 4);

        var error = Assert.Throws<OnnxRuntimeException>(() => session.Run(["a", "b"], [a, b]));

        Assert.Equal(OrtErrorCode.InvalidArgument, error.ErrorCode);
        Assert.Contains("type", error.OrtMessage, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Wrong_rank_throws_with_a_message()
    {
        using var session = ort.Session(TestModels.Add());
        using var a = OrtTensor.Create(ort.Library, new float[4], 4);
        using var b = OrtTensor.Create(ort.Library, new float[4], 4);

        var error = Assert.Throws<OnnxRuntimeException>(() => session.Run(["a", "b"], [a, b]));

        Assert.Equal(OrtErrorCode.InvalidArgument, error.ErrorCode);
        Assert.Contains("rank", error.OrtMessage, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Wrong_fixed_dimension_throws_with_a_message()
    {
        using var session = ort.Session(TestModels.Add());
        using var a = OrtTensor.Create(ort.Library, new float[3], 1, 3);
        using var b = OrtTensor.Create(ort.Library, new float[3], 1, 3);

        var error = Assert.Throws<OnnxRuntimeException>(() => session.Run(["a", "b"], [a, b]));

        Assert.Contains("dimension", error.OrtMessage, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void The_session_still_runs_after_a_failed_run()
    {
        using var session = ort.Session(TestModels.Add());
        using var bad = OrtTensor.Create(ort.Library, new float[4], 4);
        using var good = OrtTensor.Create(ort.Library, [1f, 2, 3, 4], 1, 4);
        Assert.Throws<OnnxRuntimeException>(() => session.Run(["a", "b"], [bad, bad]));

        using var outputs = session.Run(["a", "b"], [good, good]);

        Assert.Equal([2f, 4, 6, 8], outputs[0].ToArray<float>());
    }
}
