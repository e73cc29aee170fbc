using Guard.Guards.QueryPatterns;
using Guard.OnnxRuntime;
using Guard.TestSupport;

namespace Guard.Guards.Tests.QueryPatterns;

/// <summary>The ONNX encoder embedder on the real ONNX Runtime, with the committed demo encoder.</summary>
public sealed class OnnxQueryEmbedderTests : IDisposable
{
    private static readonly string Encoder = Path.Combine(RepositoryRoot.Path, "models", "encoders", "fashion_cnn_features.onnx");
    private readonly OrtEnvironment _environment = OrtLibrary.Load(OrtLibraryPath.Value).CreateEnvironment();

    public void Dispose() => _environment.Dispose();

    [Fact]
    public void The_demo_encoder_embeds_a_28x28_image_into_64_features_deterministically()
    {
        using var embedder = new OnnxQueryEmbedder(_environment, Encoder);
        long[] shape = [1, 1, 28, 28];
        Assert.Equal(64, embedder.GetEmbeddingSize(shape, 784));
        Assert.Equal(0, embedder.GetEmbeddingSize(shape, 783));

        var first = new float[64];
        var again = new float[64];
        var other = new float[64];
        embedder.Embed(DemoSet.Image(0), shape, first);
        embedder.Embed(DemoSet.Image(0), shape, again);
        embedder.Embed(DemoSet.Image(1), shape, other);

        Assert.Equal(first, again);
        Assert.All(first, v => Assert.True(v >= 0 && float.IsFinite(v), "ReLU features are finite and non-negative"));
        Assert.Contains(first, v => v > 0);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Near_duplicates_embed_closer_than_different_images()
    {
        using var embedder = new OnnxQueryEmbedder(_environment, Encoder);
        long[] shape = [1, 1, 28, 28];
        float[] Embed(float[] image)
        {
            var e = new float[64];
            embedder.Embed(image, shape, e);
            return e;
        }

        static double Distance(float[] a, float[] b) => Math.Sqrt(a.Zip(b).Sum(p => (p.First - p.Second) * (double)(p.First - p.Second)));
        var image = DemoSet.Image(5);
        var nudged = image.Select((v, i) => i % 7 == 0 ? Math.Clamp(v + 0.02f, 0f, 1f) : v).ToArray();
        Assert.True(Distance(Embed(image), Embed(nudged)) * 5 < Distance(Embed(image), Embed(DemoSet.Image(6))));
    }

    [Fact]
    public void A_model_that_is_not_an_encoder_is_refused_with_the_reason()
    {
        // The classifier itself has an output [batch, 10]: usable. Naming an output it does not have is not.
        var classifier = DemoSet.ModelPath("fashion_cnn");
        var error = Assert.Throws<ArgumentException>(() => new OnnxQueryEmbedder(_environment, classifier, "features"));
        Assert.Contains("no FP32 output 'features'", error.Message, StringComparison.Ordinal);

        var garbage = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(garbage, [1, 2, 3, 4]);
            Assert.Throws<OnnxRuntimeException>(() => new OnnxQueryEmbedder(_environment, garbage));
        }
        finally
        {
            File.Delete(garbage);
        }
    }
}
