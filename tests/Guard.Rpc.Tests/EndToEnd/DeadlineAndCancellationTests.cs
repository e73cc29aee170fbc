using Guard.Rpc.Client;
using Guard.Rpc.Server;
using Guard.Rpc.Tests.Support;

namespace Guard.Rpc.Tests.EndToEnd;

/// <summary>Deadlines and cancellation, seen from both ends of the call.</summary>
public class DeadlineAndCancellationTests
{
    /// <summary>A unary handler that waits until its call is cancelled, reporting when it starts and when it sees the cancellation.</summary>
    private sealed class BlockingHandler
    {
        public TaskCompletionSource<ServerCallContext> Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<DateTime?> Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<string> HandleAsync(string request, ServerCallContext context)
        {
            Started.TrySetResult(context);
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                Cancelled.TrySetResult(context.Deadline);
                throw;
            }

            return request;
        }
    }

    [Fact]
    public async Task A_client_deadline_ends_the_call_with_deadline_exceeded_and_cancels_the_handler()
    {
        var handler = new BlockingHandler();
        await using var server = await TestServer.StartAsync(r =>
        {
            r.AddUnary(TestMethods.Unary, handler.HandleAsync);
            r.AddUnary(TestMethods.Bytes, (request, _) => Task.FromResult(request));
        });
        var channel = server.CreateChannel();

        // Connect first, so the 200 ms are spent in the handler rather than on the connection.
        await channel.UnaryAsync(TestMethods.Bytes, new byte[1], default).Within();
        var deadline = DateTime.UtcNow.AddMilliseconds(200);

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(TestMethods.Unary, "x", new CallOptions(Deadline: deadline)).Within());

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.True(DateTime.UtcNow >= deadline.AddMilliseconds(-20), "the call ended before its deadline");
        await handler.Cancelled.Task.Within();
    }

    [Fact]
    public async Task The_handler_sees_a_deadline_close_to_the_clients()
    {
        var handler = new BlockingHandler();
        await using var server = await TestServer.StartAsync(r => r.AddUnary(TestMethods.Unary, handler.HandleAsync));
        var channel = server.CreateChannel();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        using var cts = new CancellationTokenSource();

        var call = channel.UnaryAsync(TestMethods.Unary, "x", new CallOptions(Deadline: deadline, CancellationToken: cts.Token));
        var context = await handler.Started.Task.Within();
        await cts.CancelAsync();
        await Assert.ThrowsAsync<RpcException>(() => call.Within());

        Assert.NotNull(context.Deadline);
        var skew = context.Deadline.Value - deadline;
        // The timeout travels rounded up and the server starts counting when the request arrives: never
        // earlier than the client's deadline, later only by the time in transit.
        Assert.InRange(skew, TimeSpan.FromMilliseconds(-20), TimeSpan.FromSeconds(2));
        Assert.Equal(DateTimeKind.Utc, context.Deadline.Value.Kind);
    }

    [Fact]
    public async Task Without_a_deadline_the_handler_sees_none()
    {
        DateTime? seen = DateTime.MinValue;
        TimeSpan? remaining = TimeSpan.Zero;
        await using var server = await TestServer.StartAsync(r => r.AddUnary(TestMethods.Unary, (request, context) =>
        {
            seen = context.Deadline;
            remaining = context.RemainingTime;
            return Task.FromResult(request);
        }));
        var channel = server.CreateChannel();

        await channel.UnaryAsync(TestMethods.Unary, "x", default).Within();

        Assert.Null(seen);
        Assert.Null(remaining);
    }

    [Fact]
    public async Task The_server_enforces_grpc_timeout_itself()
    {
        var handler = new BlockingHandler();
        await using var server = await TestServer.StartAsync(r => r.AddUnary(TestMethods.Unary, handler.HandleAsync));
        var client = server.CreateRawClient();

        // A raw client that never gives up: only the server's own deadline can end this call.
        var response = await RawGrpc.PostAsync(client, server.Address, "/test.Echo/Unary", RawGrpc.Frame("x"u8),
            headers: [new("grpc-timeout", "100m")]).Within();

        Assert.Equal((int)StatusCode.DeadlineExceeded, response.GrpcStatus);
        await handler.Cancelled.Task.Within();
    }

    [Fact]
    public async Task Cancelling_the_client_token_mid_call_gives_cancelled_and_the_handler_sees_it()
    {
        var handler = new BlockingHandler();
        await using var server = await TestServer.StartAsync(r => r.AddUnary(TestMethods.Unary, handler.HandleAsync));
        var channel = server.CreateChannel();
        using var cts = new CancellationTokenSource();

        var call = channel.UnaryAsync(TestMethods.Unary, "x", new CallOptions(CancellationToken: cts.Token));
        var context = await handler.Started.Task.Within();
        Assert.False(context.CancellationToken.IsCancellationRequested);
        await cts.CancelAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.Within());
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        await handler.Cancelled.Task.Within(); // RST_STREAM reached the server
    }

    [Fact]
    public async Task Disposing_a_streaming_call_early_cancels_the_server_handler()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(r => r.AddDuplexStreaming(TestMethods.Chat, async (requests, responses, context) =>
        {
            await responses.WriteAsync("hello", context.CancellationToken);
            started.TrySetResult();
            try
            {
                while (await requests.MoveNext(context.CancellationToken))
                {
                }
            }
            catch (OperationCanceledException)
            {
                cancelled.TrySetResult();
                throw;
            }
            catch (Exception) when (context.CancellationToken.IsCancellationRequested)
            {
                cancelled.TrySetResult();
                throw;
            }
            catch (IOException)
            {
                // Reading a reset stream can fail before the token fires: the reset reached the handler all the same.
                cancelled.TrySetResult();
                throw;
            }
        }));
        var channel = server.CreateChannel();

        var call = channel.StartCall(TestMethods.Chat, default);
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).Within());
        await started.Task.Within();
        call.Dispose();

        await cancelled.Task.Within();
    }

    // Bug: once the response headers have arrived, SendAsync has returned and its token no longer resets the
    // stream. Cancelling the call then fails the pending read locally (CANCELLED) but GrpcCall does not end
    // the HTTP/2 stream, so the server handler keeps running until the caller disposes the call.
    [Fact]
    public async Task Cancelling_after_the_response_started_gives_cancelled_and_the_handler_sees_it()
    {
        var handler = new BlockingHandler();
        await using var server = await TestServer.StartAsync(r => r.AddServerStreaming(TestMethods.Count, async (_, responses, context) =>
        {
            await responses.WriteAsync("first", context.CancellationToken);
            await handler.HandleAsync("", context);
        }));
        var channel = server.CreateChannel();
        using var cts = new CancellationTokenSource();

        using var call = channel.StartCall(TestMethods.Count, new CallOptions(CancellationToken: cts.Token));
        await call.RequestStream.WriteAsync("x", CancellationToken.None).Within();
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).Within());
        var read = call.ResponseStream.MoveNext(CancellationToken.None);
        await handler.Started.Task.Within();
        await cts.CancelAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(() => read.Within());
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        await handler.Cancelled.Task.Within();
    }

    // Regression: UnaryAsync awaits the request write, which only the request body pump completes. When
    // SendAsync fails before it asks for the body (the deadline has already passed, so the request is
    // cancelled up front), the queued write must fail rather than hang.
    [Fact]
    public async Task A_deadline_already_in_the_past_fails_fast_with_deadline_exceeded()
    {
        await using var server = await TestServer.StartAsync(TestMethods.AddEcho);
        var channel = server.CreateChannel();

        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            channel.UnaryAsync(TestMethods.Unary, "x", new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(-1))).WaitAsync(TimeSpan.FromSeconds(5)));

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
    }

    // Bug: UnaryAsync lets a failed request write escape when the caller's token is cancelled
    // ("catch ... when (!options.CancellationToken.IsCancellationRequested)"), so the caller gets a bare
    // TaskCanceledException rather than the RpcException(CANCELLED) that UnaryAsync documents.
    [Fact]
    public async Task A_unary_call_with_an_already_cancelled_token_throws_RpcException_cancelled()
    {
        await using var server = await TestServer.StartAsync(TestMethods.AddEcho);
        var channel = server.CreateChannel();
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        var ex = await Record.ExceptionAsync(() => channel.UnaryAsync(TestMethods.Unary, "x", new CallOptions(CancellationToken: cts.Token)).Within());

        var rpc = Assert.IsType<RpcException>(ex);
        Assert.Equal(StatusCode.Cancelled, rpc.StatusCode);
    }
}
