using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Google.Protobuf;
using Guard.Guards.Model;
using Guard.Protocol;
using Guard.Protocol.Inference;

namespace Guard.Guards.Responses;

/// <summary>
/// Builds the answer of a silent reject: a response shaped exactly like the model's (its outputs, datatypes and the
/// request's batch size) whose scores are pseudo-random, keyed by a deployment secret and the input's bytes. The same
/// input always gets the same decoy, so re-asking cannot reveal it, and nothing in it depends on the model, so an
/// attacker probing for rejections (OARS-style) learns neither that it was caught nor anything about the boundary.
/// </summary>
public sealed class DecoyResponseFactory
{
    private readonly byte[] _key;

    /// <param name="secret">Deployment secret; the decoys of two deployments are unrelated.</param>
    public DecoyResponseFactory(string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        _key = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("guard.decoy\n" + secret));
    }

    /// <param name="request">The refused request (its first input seeds the scores; its batch size shapes them).</param>
    /// <param name="signature">The model's declared outputs.</param>
    public ModelInferResponse Create(InferRequestView request, ModelSignature signature)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(signature);
        var random = new Random(Seed(request));
        var batch = request.Inputs.Count > 0 && request.Inputs[0].Shape.Length > 0 ? request.Inputs[0].Shape[0] : 1;
        var response = new ModelInferResponse { ModelName = request.ModelName, ModelVersion = request.ModelVersion, Id = request.Id };
        foreach (var spec in signature.Outputs)
        {
            if (request.RequestedOutputs.Count > 0 && !request.RequestedOutputs.Contains(spec.Name))
            {
                continue;
            }

            var shape = spec.Shape.Select((d, i) => d >= 0 ? d : i == 0 ? batch : 1).ToArray();
            var count = shape.Aggregate(1L, (a, d) => a * d);
            var output = new ModelInferResponse.Types.InferOutputTensor { Name = spec.Name, Datatype = spec.Datatype };
            output.Shape.AddRange(shape);
            response.Outputs.Add(output);
            response.RawOutputContents.Add(UnsafeByteOperations.UnsafeWrap(Scores(spec.Datatype, count, shape.Length > 0 ? shape[^1] : 1, random)));
        }

        return response;
    }

    /// <summary>Logit-like rows: small noise with one clearly winning class, as a confident classifier answers.</summary>
    private static byte[] Scores(string datatype, long count, long rowLength, Random random)
    {
        var values = new float[count];
        for (long start = 0; start < count; start += Math.Max(1, rowLength))
        {
            var length = (int)Math.Min(Math.Max(1, rowLength), count - start);
            var winner = random.Next(length);
            for (var j = 0; j < length; j++)
            {
                values[start + j] = (float)(random.NextDouble() * 4 - 2) + (j == winner ? 6f : 0f);
            }
        }

        return datatype switch
        {
            "FP32" => MemoryMarshal.AsBytes(values.AsSpan()).ToArray(),
            "FP16" => MemoryMarshal.AsBytes(values.Select(v => (Half)v).ToArray().AsSpan()).ToArray(),
            "FP64" => MemoryMarshal.AsBytes(values.Select(v => (double)v).ToArray().AsSpan()).ToArray(),
            // Labels, indices, strings: zeros of the right size (BYTES: empty strings, a 4-byte length each).
            _ => new byte[count * (DataTypes.TryGet(datatype, out var type) && !type.IsVariableSize ? type.ElementSize : 4)],
        };
    }

    private int Seed(InferRequestView request)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        hmac.AppendData(System.Text.Encoding.UTF8.GetBytes(request.ModelName));
        foreach (var raw in request.RawInputContents)
        {
            hmac.AppendData(raw.Span);
        }

        if (request.RawInputContents.Count == 0)
        {
            // Typed contents: the message bytes stand in for the tensor bytes.
            hmac.AppendData(request.RawMessage.Span);
        }

        Span<byte> digest = stackalloc byte[32];
        hmac.GetHashAndReset(digest);
        return BinaryPrimitives.ReadInt32LittleEndian(digest);
    }
}
