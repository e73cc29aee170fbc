using Guard.OnnxRuntime.Tests.Support;

namespace Guard.OnnxRuntime.Tests;

[Collection(OrtTests.Name)]
public sealed class LoadingTests(OrtFixture ort)
{
    [Fact]
    public void Loaded_library_reports_version_1_23()
    {
        Assert.StartsWith("1.23.", ort.Library.Version, StringComparison.Ordinal);
        Assert.True(Path.IsPathFullyQualified(ort.Library.Path));
    }

    [Fact]
    public void Loading_the_same_library_twice_works()
    {
        var again = OrtLibrary.Load(ort.LibraryPath);

        Assert.Equal(ort.Library.Version, again.Version);
    }

    [Fact]
    public void Missing_library_path_throws_telling_how_to_provision_it()
    {
        var error = Assert.Throws<OnnxRuntimeException>(() => OrtLibrary.Load("/nonexistent/libonnxruntime.so.1"));

        Assert.Contains("/nonexistent/libonnxruntime.so.1", error.Message, StringComparison.Ordinal);
        Assert.Contains("tools/onnxruntime.sh", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_a_library_throws_a_clear_exception()
    {
        var path = Path.Combine(Path.GetTempPath(), $"guard-not-ort-{Guid.NewGuid():N}.so");
        File.WriteAllText(path, "not a library");
        try
        {
            var error = Assert.Throws<OnnxRuntimeException>(() => OrtLibrary.Load(path));

            Assert.Contains(path, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
