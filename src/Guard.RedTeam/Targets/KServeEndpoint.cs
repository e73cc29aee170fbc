using Guard.Protocol.Inference;
using Guard.Rpc;
using Guard.Rpc.Client;

namespace Guard.RedTeam.Targets;

/// <summary>
/// One KServe v2 endpoint and model: the channel (shared by all clients), and the tensor layout read from the
/// model's metadata when connecting. Hands out one <see cref="KServeTarget"/> per client identity (API key).
/// </summary>
public sealed class KServeEndpoint : IDisposable
{
    private readonly GrpcChannel _channel;

    private KServeEndpoint(GrpcChannel channel, KServeEndpointOptions options, KServeTensorSpec spec)
    {
        _channel = channel;
        Options = options;
        Spec = spec;
    }

    public KServeEndpointOptions Options { get; }

    public KServeTensorSpec Spec { get; }

    /// <summary>Opens the channel and reads the model's metadata (with <paramref name="apiKey"/> when the endpoint wants one).</summary>
    /// <exception cref="TargetUnavailableException">The endpoint is unreachable, refuses the key, or does not serve the model.</exception>
    public static async Task<KServeEndpoint> ConnectAsync(KServeEndpointOptions options, string? apiKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var channel = new GrpcChannel(options.Address, new GrpcChannelOptions { UserAgent = "guard-redteam/1.0" });
        try
        {
            var request = new ModelMetadataRequest { Name = options.Model, Version = options.Version ?? "" };
            var call = new CallOptions(KServeTarget.Credentials(apiKey), DateTime.UtcNow + options.QueryTimeout, cancellationToken);
            var metadata = await channel.UnaryAsync(InferenceService.ModelMetadata, request, call);
            return new KServeEndpoint(channel, options, KServeTensorSpec.FromMetadata(metadata.Response));
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            channel.Dispose();
            throw new TargetUnavailableException(Describe(options, ex), ex);
        }
        catch
        {
            channel.Dispose();
            throw;
        }
    }

    /// <summary>A target that sends every query as the client holding <paramref name="apiKey"/> (none: anonymous).</summary>
    public KServeTarget ForClient(string? apiKey) => new(_channel, Options, Spec, apiKey);

    public void Dispose() => _channel.Dispose();

    private static string Describe(KServeEndpointOptions options, RpcException ex)
    {
        var detail = ex.Status.Message.ReplaceLineEndings(" ");
        return ex.StatusCode switch
        {
            StatusCode.Unavailable or StatusCode.DeadlineExceeded => $"Cannot reach {options.Address}: {detail}",
            StatusCode.NotFound => $"{options.Address} does not serve model '{options.Model}'{(options.Version is null ? "" : $" version {options.Version}")}: {detail}",
            StatusCode.Unauthenticated or StatusCode.PermissionDenied => $"{options.Address} refused the credentials for model '{options.Model}': {detail}",
            _ => $"{options.Address} answered ModelMetadata for '{options.Model}' with {ex.StatusCode}: {detail}",
        };
    }
}
