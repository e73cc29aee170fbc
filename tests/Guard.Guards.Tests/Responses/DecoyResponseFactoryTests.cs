using System.Runtime.InteropServices;
using Guard.Guards.Model;
using Guard.Guards.Responses;
using Guard.Guards.Tests.Support;
using Guard.Protocol;

namespace Guard.Guards.Tests.Responses;

public sealed class DecoyResponseFactoryTests
{
    private static readonly ModelSignature Signature = new(
        "fashion", [new TensorSpec("input", "FP32", [-1, 1, 28, 28])], [new TensorSpec("logits", "FP32", [-1, 10]), new TensorSpec("label", "INT64", [-1])]);

    private static InferRequestView View(float fill, int batch = 1, params string[] outputs)
    {
        var pixels = Enumerable.Repeat(fill, batch * 784).ToArray();
        var request = Requests.Request(Requests.Input("input", "FP32", batch, 1, 28, 28)).WithRaw(Requests.Floats(pixels));
        request.ModelName = "fashion";
        request.Id = "req-7";
        foreach (var name in outputs)
        {
            request.Outputs.Add(new Guard.Protocol.Inference.ModelInferRequest.Types.InferRequestedOutputTensor { Name = name });
        }

        return InferRequestView.Parse(Google.Protobuf.MessageExtensions.ToByteArray(request));
    }

    [Fact]
    public void The_decoy_is_shaped_like_the_models_answer_for_the_requests_batch()
    {
        var decoy = new DecoyResponseFactory("deployment-secret-0123456789").Create(View(0.5f, batch: 3), Signature);

        Assert.Equal(("fashion", "req-7"), (decoy.ModelName, decoy.Id));
        Assert.Equal(["logits", "label"], decoy.Outputs.Select(o => o.Name));
        Assert.Equal([3L, 10L], decoy.Outputs[0].Shape);
        Assert.Equal(3 * 10 * sizeof(float), decoy.RawOutputContents[0].Length);
        Assert.Equal([3L], decoy.Outputs[1].Shape);
        Assert.Equal(3 * sizeof(long), decoy.RawOutputContents[1].Length);

        // Each row looks like a confident classifier's logits: finite, one clear winner.
        var logits = MemoryMarshal.Cast<byte, float>(decoy.RawOutputContents[0].Span).ToArray();
        for (var row = 0; row < 3; row++)
        {
            var values = logits.AsSpan(row * 10, 10).ToArray();
            Assert.All(values, v => Assert.True(float.IsFinite(v)));
            var sorted = values.OrderDescending().ToArray();
            Assert.True(sorted[0] - sorted[1] > 1f);
        }
    }

    [Fact]
    public void The_same_input_gets_the_same_decoy_and_other_inputs_or_deployments_other_ones()
    {
        var factory = new DecoyResponseFactory("deployment-secret-0123456789");
        var first = factory.Create(View(0.5f), Signature).RawOutputContents[0];
        Assert.Equal(first, factory.Create(View(0.5f), Signature).RawOutputContents[0]);
        Assert.NotEqual(first, factory.Create(View(0.25f), Signature).RawOutputContents[0]);
        Assert.NotEqual(first, new DecoyResponseFactory("another-secret-0123456789").Create(View(0.5f), Signature).RawOutputContents[0]);
    }

    [Fact]
    public void Only_requested_outputs_are_answered()
    {
        var decoy = new DecoyResponseFactory("deployment-secret-0123456789").Create(View(0.5f, 1, "label"), Signature);
        Assert.Equal(["label"], decoy.Outputs.Select(o => o.Name));
    }

    [Fact]
    public void A_secret_is_required()
    {
        Assert.Throws<ArgumentException>(() => new DecoyResponseFactory(""));
    }
}
