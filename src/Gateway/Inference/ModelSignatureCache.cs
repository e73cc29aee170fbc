using System.Collections.Concurrent;
using Guard.Gateway.Forwarding;
using Guard.Gateway.Upstreams;
using Guard.Guards.Model;
using Guard.Protocol.Inference;
using Guard.Rpc;
using Guard.Rpc.Server;
using Microsoft.Extensions.Logging;

namespace Guard.Gateway.Inference;

/// <summary>
/// Model signatures (inputs, outputs) from the upstreams' ModelMetadata, cached so validation costs no extra
/// hop per request. A failed lookup is remembered briefly and the request is validated without a signature.
/// </summary>
public sealed partial class ModelSignatureCache(UpstreamForwarder forwarder, ILogger<ModelSignatureCache> logger)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan FailureLifetime = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<(UpstreamCluster, string, string), Entry> _entries = new();

    public async ValueTask<ModelSignature?> GetAsync(UpstreamCluster cluster, string model, string version, ServerCallContext context)
    {
        var key = (cluster, model, version);
        if (_entries.TryGetValue(key, out var entry) && entry.Expires > DateTime.UtcNow)
        {
            return await entry.Signature;
        }

        var fetch = FetchAsync(cluster, model, version, context);
        _entries[key] = new Entry(fetch, DateTime.UtcNow + Lifetime);
        var signature = await fetch;
        if (signature is null)
        {
            _entries[key] = new Entry(fetch, DateTime.UtcNow + FailureLifetime);
        }

        return signature;
    }

    /// <summary>Forgets every cached signature (after a configuration change).</summary>
    public void Clear() => _entries.Clear();

    private async Task<ModelSignature?> FetchAsync(UpstreamCluster cluster, string model, string version, ServerCallContext context)
    {
        try
        {
            var result = await forwarder.UnaryAsync(cluster, InferenceService.ModelMetadata, new ModelMetadataRequest { Name = model, Version = version }, context);

            // Metadata that lists no inputs (a model taking any tensors) says nothing to validate against.
            return result.Response.Inputs.Count == 0 ? null : ModelSignature.FromMetadata(result.Response);
        }
        catch (RpcException ex) when (ex.StatusCode is not (StatusCode.Cancelled or StatusCode.DeadlineExceeded))
        {
            LogMetadataUnavailable(logger, model, cluster.Name, ex.Status.ToString());
            return null;
        }
    }

    private sealed record Entry(Task<ModelSignature?> Signature, DateTime Expires);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No metadata for model {Model} from upstream {Upstream} ({Status}); validating without a signature")]
    private static partial void LogMetadataUnavailable(ILogger logger, string model, string upstream, string status);
}
