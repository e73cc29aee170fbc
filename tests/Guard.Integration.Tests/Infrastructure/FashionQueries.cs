using Guard.Integration.Tests.Embedded;
using Guard.Rpc;
using Guard.Rpc.Client;

namespace Guard.Integration.Tests.Infrastructure;

/// <summary>
/// What the detection tests send the demo Fashion-MNIST model: one image per ModelInfer (optionally under an API key),
/// answered with its status, and the next step of a query-based attack's near-duplicate stream.
/// </summary>
public static class FashionQueries
{
    /// <summary>One image to <c>fashion_cnn</c>; OK, or the status Guard refused it with.</summary>
    public static async Task<StatusCode> InferAsync(GrpcChannel channel, float[] image, string? key = null)
    {
        var headers = new Metadata();
        if (key is not null)
        {
            headers.Add("x-api-key", key);
        }

        try
        {
            await channel.UnaryAsync(ClientMethods.Infer, EmbeddedModelHostTests.FashionRequest("fashion_cnn", image, 1), new CallOptions(headers, DateTime.UtcNow.AddSeconds(30)));
            return StatusCode.OK;
        }
        catch (RpcException ex)
        {
            return ex.StatusCode;
        }
    }

    /// <summary>A score- or decision-based attack's step: 10 random pixels moved by ±2/255, as its probes are.</summary>
    public static float[] Step(float[] image, Random random)
    {
        var next = (float[])image.Clone();
        for (var p = 0; p < 10; p++)
        {
            var pixel = random.Next(next.Length);
            next[pixel] = Math.Clamp(next[pixel] + ((random.Next(2) * 2) - 1) * (2f / 255f), 0f, 1f);
        }

        return next;
    }
}
