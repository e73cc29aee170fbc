using Guard.Gateway.Configuration;
using Guard.Integration.Tests.Infrastructure;
using Guard.Rpc;
using Guard.Rpc.Client;
using Guard.TestSupport;

namespace Guard.Integration.Tests.Embedded;

/// <summary>The k-NN stage with the committed ONNX encoder in front of the demo model, and a bad encoder at start.</summary>
public sealed class KnnEncoderThroughGuardTests : IDisposable
{
    private static readonly string Encoder = Path.Combine(RepositoryRoot.Path, "models", "encoders", "fashion_cnn_features.onnx");
    private readonly TempModelRepository _repository = new();

    public KnnEncoderThroughGuardTests() => _repository.AddDemo("fashion_cnn");

    public void Dispose() => _repository.Dispose();

    private string Yaml(string encoder) => _repository.ModelHostYaml() + $$"""
        models:
          fashion_cnn: { upstream: embedded, policy: guarded }
        policies:
          guarded:
            knn: { enabled: true, encoder: "{{encoder}}", embeddingMax: 16, threshold: 3.92 }
        """;

    [Fact]
    public async Task Benign_images_pass_and_a_near_duplicate_stream_is_refused_within_a_few_queries()
    {
        await using var guard = await GuardServer.StartAsync(Yaml(Encoder));
        using var channel = new GrpcChannel(guard.GrpcUri, new GrpcChannelOptions());
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(StatusCode.OK, await FashionQueries.InferAsync(channel, DemoSet.Image(i)));
        }

        var random = new Random(2);
        var current = DemoSet.Image(400);
        var refusedAt = -1;
        for (var query = 1; query <= 15 && refusedAt < 0; query++)
        {
            if (await FashionQueries.InferAsync(channel, current) == StatusCode.PermissionDenied)
            {
                refusedAt = query;
            }

            current = current.Select(v => Math.Clamp(v + (float)((random.NextDouble() - 0.5) * 0.04), 0f, 1f)).ToArray();
        }

        // The client's 100 benign queries are in its history: the stream needs about K of its own to dominate.
        Assert.InRange(refusedAt, 4, 12);
    }

    [Fact]
    public async Task An_encoder_onnx_runtime_cannot_load_stops_the_start_naming_the_setting()
    {
        var bad = Path.Combine(_repository.Path, "not-an-encoder.onnx");
        await File.WriteAllBytesAsync(bad, [1, 2, 3]);
        var error = await Assert.ThrowsAsync<InvalidConfigurationException>(() => GuardServer.StartAsync(Yaml(bad)));
        Assert.Contains("policies.guarded.knn.encoder:", error.Message, StringComparison.Ordinal);
    }
}
