using Google.Protobuf;
using Guard.Guards.Pipeline;
using Guard.Guards.Tests.Support;
using Guard.Rpc;

namespace Guard.Guards.Tests.Pipeline;

public sealed class GuardContextTests
{
    [Fact]
    public void The_full_message_is_parsed_once_and_cached()
    {
        var context = Requests.Context(Requests.Request(Requests.Input("X", "FP32", 2)));

        var first = context.Message;

        Assert.Same(first, context.Message);
        Assert.Equal("X", first.Inputs[0].Name);
        Assert.False(context.IsTransformed);
    }

    [Fact]
    public void Items_are_shared_scratch_space()
    {
        var context = Requests.Context(Requests.Request(Requests.Input("X", "FP32", 2)));

        context.Items["score"] = 0.5;

        Assert.Equal(0.5, context.Items["score"]);
        Assert.Same(context.Items, context.Items);
    }

    [Fact]
    public void Applying_a_transform_replaces_message_bytes_and_view()
    {
        var context = Requests.Context(Requests.Request(Requests.Input("X", "FP32", 2)));
        var replacement = Requests.Request(Requests.Input("Y", "INT64", 3, 4));

        context.ApplyTransform(replacement);

        Assert.True(context.IsTransformed);
        Assert.Same(replacement, context.Message);
        Assert.Equal("Y", context.Request.Inputs[0].Name);
        Assert.Equal(new long[] { 3, 4 }, context.Request.Inputs[0].Shape);
        Assert.True(context.RawMessage.Equals(context.Request.RawMessage));
        Assert.Equal(replacement.ToByteArray(), context.RawMessage.ToArray());
        Assert.Equal("client-1", context.ClientId);
        Assert.Equal("simple", context.Model);
    }

    [Fact]
    public void Verdicts_carry_what_their_kind_needs()
    {
        var replacement = Requests.Request();

        Assert.Same(GuardVerdict.Allow, GuardVerdict.Allow);
        Assert.Equal(StatusCode.OK, GuardVerdict.Allow.Code);
        Assert.Equal("", GuardVerdict.Allow.Message);
        Assert.Null(GuardVerdict.Allow.Replacement);

        var block = GuardVerdict.Block(StatusCode.ResourceExhausted, "slow down");
        Assert.Equal((VerdictKind.Block, StatusCode.ResourceExhausted, "slow down"), (block.Kind, block.Code, block.Message));

        var transform = GuardVerdict.Transform(replacement);
        Assert.Equal((VerdictKind.Transform, StatusCode.OK, ""), (transform.Kind, transform.Code, transform.Message));
        Assert.Same(replacement, transform.Replacement);

        Assert.Throws<ArgumentException>(() => GuardVerdict.Block(StatusCode.OK, "not an error"));
        Assert.Throws<ArgumentNullException>(() => GuardVerdict.Transform(null!));
    }
}
