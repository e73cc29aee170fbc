using Guard.Protocol.Inference;
using Guard.Rpc;
using Guard.Rpc.Client;

namespace Guard.RedTeam.Targets;

/// <summary>
/// One client of a KServe v2 model: each query is one ModelInfer call holding one image in raw_input_contents,
/// sent with the client's API key as <c>authorization: Bearer</c>. Any non-OK status is a refusal.
/// </summary>
public sealed class KServeTarget : IBlackBoxTarget
{
    private readonly GrpcChannel _channel;
    private readonly KServeEndpointOptions _options;
    private readonly KServeTensorSpec _spec;
    private readonly string? _apiKey;

    internal KServeTarget(GrpcChannel channel, KServeEndpointOptions options, KServeTensorSpec spec, string? apiKey)
    {
        _channel = channel;
        _options = options;
        _spec = spec;
        _apiKey = apiKey;
    }

    public async ValueTask<QueryResult> QueryAsync(ReadOnlyMemory<float> image, CancellationToken cancellationToken)
    {
        var request = InferMessages.BuildRequest(_options.Model, _options.Version, _spec, image.Span);
        var call = new CallOptions(Credentials(_apiKey), DateTime.UtcNow + _options.QueryTimeout, cancellationToken);
        ModelInferResponse response;
        try
        {
            response = (await _channel.UnaryAsync(InferenceService.ModelInfer, request, call)).Response;
        }
        catch (RpcException ex) when (ex.RequestNotSent)
        {
            // Never reached the endpoint: not a refusal by a defence, and nothing later can work either.
            throw new TargetUnavailableException($"Cannot reach {_options.Address}: {ex.Status.Message}", ex);
        }
        catch (RpcException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (RpcException ex)
        {
            return QueryResult.Refused(ex.StatusCode, ex.Status.Message);
        }

        float[] scores;
        try
        {
            scores = InferMessages.ReadScores(response, _spec.OutputName);
        }
        catch (InvalidDataException ex)
        {
            throw new TargetUnavailableException($"Model '{_options.Model}' answered with no usable scores: {ex.Message}", ex);
        }

        return scores.Length == 0
            ? throw new TargetUnavailableException($"Model '{_options.Model}' answered with an empty output.")
            : QueryResult.FromOutput(scores);
    }

    /// <summary>The metadata Guard reads an API key from (see the gateway's ClientIdentityResolver).</summary>
    internal static Metadata? Credentials(string? apiKey)
    {
        if (string.IsNullOrEmpty(apiKey))
        {
            return null;
        }

        var metadata = new Metadata();
        metadata.Add("authorization", "Bearer " + apiKey);
        return metadata;
    }
}
