using Guard.Integration.Tests.Infrastructure;

namespace Guard.Integration.Tests.Embedded;

/// <summary>
/// Guard serving the three demo models in-process (as ./guard serve does), plus "fashion_raw": the standard model
/// without guards, so that the host's own request checks answer. Shared by a test class.
/// </summary>
public sealed class EmbeddedHostFixture : IAsyncLifetime
{
    private readonly TempModelRepository _repository = new();

    public GuardServer Guard { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _repository.AddDemo("fashion_cnn").AddDemo("fashion_cnn_s025").AddDemo("fashion_cnn_s050").AddDemo("fashion_cnn", "fashion_raw");
        Guard = await GuardServer.StartAsync(_repository.ModelHostYaml() + """
            models:
              fashion_cnn: { upstream: embedded, policy: default }
              fashion_cnn_s025: { upstream: embedded, policy: default }
              fashion_cnn_s050: { upstream: embedded, policy: default }
              fashion_raw: { upstream: embedded, policy: none }
            policies:
              default:
                validation: { enabled: true, useModelMetadata: true, rejectNonFinite: true }
            """);
    }

    public async Task DisposeAsync()
    {
        await Guard.DisposeAsync();
        _repository.Dispose();
    }
}
