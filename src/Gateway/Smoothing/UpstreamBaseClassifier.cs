using System.Runtime.InteropServices;
using Google.Protobuf;
using Guard.Gateway.Upstreams;
using Guard.Guards.Smoothing;
using Guard.Protocol.Inference;
using Guard.Rpc;
using Guard.Rpc.Client;

namespace Guard.Gateway.Smoothing;

/// <summary>
/// A model on an upstream KServe v2 server as the base classifier of randomized smoothing: each batch of noisy rows is
/// one ModelInfer to an endpoint of the model's upstream cluster (raw FP32 contents, only the scores output asked
/// for), and the argmax of the scores is each row's class. Input name, row shape, output and class count come from
/// the policy, since the smoothing stage is built before any metadata call.
/// </summary>
public sealed class UpstreamBaseClassifier(UpstreamCluster cluster, string model, string input, IReadOnlyList<long> rowShape, string output, int classes) : IBaseClassifier
{
    private readonly long[] _rowShape = [.. rowShape];
    private readonly int _rowLength = (int)rowShape.Aggregate(1L, (a, d) => a * d);

    public int Classes { get; } = classes;

    /// <summary>Elements per row the model takes.</summary>
    public int RowLength => _rowLength;

    public async ValueTask<int[]> ClassifyAsync(ReadOnlyMemory<float> batch, int rows, CancellationToken cancellationToken)
    {
        if (rows < 1 || batch.Length != rows * _rowLength)
        {
            throw new ArgumentException($"{rows} rows of {_rowLength} values need {rows * _rowLength} values, got {batch.Length}.");
        }

        var request = new ModelInferRequest { ModelName = model };
        var tensor = new ModelInferRequest.Types.InferInputTensor { Name = input, Datatype = "FP32" };
        tensor.Shape.Add(rows);
        tensor.Shape.AddRange(_rowShape);
        request.Inputs.Add(tensor);
        request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = output });
        request.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(batch.Span)));

        var endpoint = cluster.Pick(exclude: null, out _)
            ?? throw new RpcException(StatusCode.Unavailable, $"Upstream '{cluster.Name}' has no endpoint for the smoothing samples.");
        using var lease = endpoint.BeginCall();
        var deadline = DateTime.UtcNow + (cluster.Options.DefaultTimeout ?? TimeSpan.FromSeconds(30));
        var response = (await endpoint.Channel.UnaryAsync(InferenceService.ModelInfer, request, new CallOptions(new Metadata(), deadline, cancellationToken))).Response;
        var index = response.Outputs.ToList().FindIndex(o => o.Name == output);
        if (index < 0 || index >= response.RawOutputContents.Count)
        {
            throw new RpcException(StatusCode.Internal, $"Model '{model}' answered the smoothing samples without raw output '{output}'.");
        }

        var scores = MemoryMarshal.Cast<byte, float>(response.RawOutputContents[index].Span);
        if (scores.Length != rows * Classes)
        {
            throw new RpcException(StatusCode.Internal, $"Model '{model}' answered {scores.Length} scores for {rows} rows of {Classes} classes.");
        }

        var classes = new int[rows];
        TopClass.OfRows(scores, Classes, classes);
        return classes;
    }
}
