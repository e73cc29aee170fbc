using System.Globalization;
using Guard.Rpc.Client;
using Guard.Rpc.Tests.Support;

namespace Guard.Rpc.Tests.EndToEnd;

/// <summary>The four kinds of call, client to server over Kestrel HTTP/2 on loopback.</summary>
public class CallKindsTests
{
    [Fact]
    public async Task Unary_call_returns_the_handlers_response()
    {
        string? peer = null;
        string? method = null;
        await using var server = await TestServer.StartAsync(r => r.AddUnary(TestMethods.Unary, (request, context) =>
        {
            peer = context.Peer;
            method = context.Method;
            return Task.FromResult("echo:" + request);
        }));
        var channel = server.CreateChannel();

        var result = await channel.UnaryAsync(TestMethods.Unary, "héllo", default).Within();

        Assert.Equal("echo:héllo", result.Response);
        Assert.Equal("/test.Echo/Unary", method);
        Assert.StartsWith("ipv4:127.0.0.1:", peer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unary_call_with_an_empty_message_round_trips()
    {
        await using var server = await TestServer.StartAsync(TestMethods.AddEcho);
        var channel = server.CreateChannel();

        var result = await channel.UnaryAsync(TestMethods.Bytes, ReadOnlyMemory<byte>.Empty, default).Within();

        Assert.Equal(0, result.Response.Length);
    }

    [Fact]
    public async Task Server_streaming_delivers_every_message_in_order_then_ends_ok()
    {
        await using var server = await TestServer.StartAsync(r => r.AddServerStreaming(TestMethods.Count, async (request, responses, context) =>
        {
            var n = int.Parse(request, CultureInfo.InvariantCulture);
            for (var i = 0; i < n; i++)
            {
                await responses.WriteAsync(i.ToString(CultureInfo.InvariantCulture), context.CancellationToken);
            }
        }));
        var channel = server.CreateChannel();

        using var call = channel.StartCall(TestMethods.Count, default);
        await call.RequestStream.WriteAsync("250", CancellationToken.None).Within();
        await call.RequestStream.CompleteAsync();
        var received = new List<string>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None).Within())
        {
            received.Add(call.ResponseStream.Current);
        }

        Assert.Equal(Enumerable.Range(0, 250).Select(i => i.ToString(CultureInfo.InvariantCulture)), received);
        Assert.Equal(StatusCode.OK, call.Status?.Code);
    }

    [Fact]
    public async Task Server_streaming_with_no_messages_ends_ok()
    {
        await using var server = await TestServer.StartAsync(r => r.AddServerStreaming(TestMethods.Count, (_, _, _) => Task.CompletedTask));
        var channel = server.CreateChannel();

        using var call = channel.StartCall(TestMethods.Count, default);
        await call.RequestStream.WriteAsync("0", CancellationToken.None).Within();
        await call.RequestStream.CompleteAsync();

        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None).Within());
        Assert.Equal(StatusCode.OK, call.Status?.Code);
    }

    [Fact]
    public async Task Client_streaming_sums_every_request()
    {
        await using var server = await TestServer.StartAsync(r => r.AddClientStreaming(TestMethods.Sum, async (requests, context) =>
        {
            long sum = 0;
            var count = 0;
            while (await requests.MoveNext(context.CancellationToken))
            {
                sum += long.Parse(requests.Current, CultureInfo.InvariantCulture);
                count++;
            }

            return $"{count}:{sum}";
        }));
        var channel = server.CreateChannel();

        using var call = channel.StartCall(TestMethods.Sum, default);
        for (var i = 1; i <= 100; i++)
        {
            await call.RequestStream.WriteAsync(i.ToString(CultureInfo.InvariantCulture), CancellationToken.None).Within();
        }

        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).Within());
        Assert.Equal("100:5050", call.ResponseStream.Current);
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None).Within());
        Assert.Equal(StatusCode.OK, call.Status?.Code);
    }

    [Fact]
    public async Task Bidi_streaming_answers_each_request_before_the_next_is_sent()
    {
        await using var server = await TestServer.StartAsync(r => r.AddDuplexStreaming(TestMethods.Chat, async (requests, responses, context) =>
        {
            while (await requests.MoveNext(context.CancellationToken))
            {
                await responses.WriteAsync("re:" + requests.Current, context.CancellationToken);
            }

            await responses.WriteAsync("bye", context.CancellationToken);
        }));
        var channel = server.CreateChannel();

        using var call = channel.StartCall(TestMethods.Chat, default);
        for (var i = 0; i < 50; i++)
        {
            // The request stream is still open, so each answer proves the two directions interleave.
            await call.RequestStream.WriteAsync($"m{i}", CancellationToken.None).Within();
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).Within());
            Assert.Equal($"re:m{i}", call.ResponseStream.Current);
        }

        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).Within());
        Assert.Equal("bye", call.ResponseStream.Current);
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None).Within());
        Assert.Equal(StatusCode.OK, call.Status?.Code);
    }

    [Fact]
    public async Task Many_calls_reuse_one_channel()
    {
        await using var server = await TestServer.StartAsync(TestMethods.AddEcho);
        var channel = server.CreateChannel();

        for (var i = 0; i < 200; i++)
        {
            var result = await channel.UnaryAsync(TestMethods.Unary, $"n{i}", default).Within();
            Assert.Equal($"n{i}", result.Response);
        }
    }

    [Fact]
    public async Task Three_hundred_concurrent_unary_calls_on_one_channel_all_succeed()
    {
        var inFlight = 0;
        var maxInFlight = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(r => r.AddUnary(TestMethods.Unary, async (request, _) =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref maxInFlight, now);
            if (now == 300)
            {
                gate.TrySetResult();
            }

            // Hold every call until all 300 are in the server at once (or a while has passed).
            await Task.WhenAny(gate.Task, Task.Delay(TimeSpan.FromSeconds(5)));
            Interlocked.Decrement(ref inFlight);
            return request;
        }));
        var channel = server.CreateChannel();

        var calls = Enumerable.Range(0, 300)
            .Select(i => channel.UnaryAsync(TestMethods.Unary, $"c{i}", default))
            .ToArray();
        var results = await Task.WhenAll(calls).Within();

        Assert.Equal(Enumerable.Range(0, 300).Select(i => $"c{i}"), results.Select(r => r.Response));
        Assert.Equal(300, maxInFlight);
    }

    [Fact]
    public async Task Writing_after_completing_the_request_stream_throws_RpcException()
    {
        await using var server = await TestServer.StartAsync(r => r.AddClientStreaming(TestMethods.Sum, async (requests, context) =>
        {
            while (await requests.MoveNext(context.CancellationToken))
            {
            }

            return "done";
        }));
        var channel = server.CreateChannel();

        using var call = channel.StartCall(TestMethods.Sum, default);
        await call.RequestStream.CompleteAsync();

        await Assert.ThrowsAsync<RpcException>(() => call.RequestStream.WriteAsync("late", CancellationToken.None).Within());
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).Within());
        Assert.Equal("done", call.ResponseStream.Current);
    }

    // Bug: a write after the call has ended hangs. Here the server rejects the call at once (trailers-only,
    // UNIMPLEMENTED); EnsureResponseAsync records that status without GrpcCall.Fail, so RequestBodyContent is
    // never completed, and SerializeToStreamAsync has already returned. The write is queued into the channel
    // where nobody will ever read it, and its completion source is never set.
    [Fact]
    public async Task Writing_after_the_server_rejected_the_call_throws_RpcException_instead_of_hanging()
    {
        await using var server = await TestServer.StartAsync(TestMethods.AddEcho);
        var channel = server.CreateChannel();
        var missing = new Method<string, string>(MethodType.ClientStreaming, "test.Missing", "Sum", TestMethods.Utf8, TestMethods.Utf8);

        using var call = channel.StartCall(missing, default);
        var failed = await Assert.ThrowsAsync<RpcException>(() => call.ResponseHeadersAsync().Within());
        Assert.Equal(StatusCode.Unimplemented, failed.StatusCode);

        var ex = await Record.ExceptionAsync(() => call.RequestStream.WriteAsync("late", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.IsType<RpcException>(ex);
    }

    // Bug: when reading the response fails, GrpcCall.Fail calls RequestBodyContent.Abort, which completes the
    // message channel with an OperationCanceledException. Channel.WriteAsync rethrows an
    // OperationCanceledException completion error as it is (other errors come wrapped in
    // ChannelClosedException), so WriteMessageAsync's catch of ChannelClosedException misses it and the
    // writer gets a bare OperationCanceledException instead of an RpcException.
    [Fact]
    public async Task Writing_after_a_failed_read_throws_RpcException()
    {
        await using var server = await TestServer.StartAsync(r => r.AddDuplexStreaming(TestMethods.Chat, async (requests, responses, context) =>
        {
            await responses.WriteAsync(new string('x', 2000), context.CancellationToken);
            while (await requests.MoveNext(context.CancellationToken))
            {
            }
        }));
        var channel = server.CreateChannel(new GrpcChannelOptions { Limits = new GrpcLimits { MaxReceiveMessageSize = 1000 } });

        using var call = channel.StartCall(TestMethods.Chat, default);
        var failed = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None).Within());
        Assert.Equal(StatusCode.ResourceExhausted, failed.StatusCode);

        var ex = await Record.ExceptionAsync(() => call.RequestStream.WriteAsync("late", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.IsType<RpcException>(ex);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
