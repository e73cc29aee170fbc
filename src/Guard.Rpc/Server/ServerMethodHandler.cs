using Guard.Rpc.Internal;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Guard.Rpc.Server;

/// <summary>Runs one kind of method over a <see cref="ServerCall"/>; subclasses differ only in how messages flow.</summary>
internal abstract class ServerMethodHandler
{
    public abstract string Path { get; }

    public async Task HandleAsync(HttpContext http, GrpcServerOptions options, ILogger logger)
    {
        using var call = await ServerCall.StartAsync(http, options, logger);
        if (call is null)
        {
            return;
        }

        try
        {
            await ExecuteAsync(call);
            await call.CompleteAsync(Status.Ok, null);
        }
        catch (Exception ex)
        {
            try
            {
                await call.CompleteWithErrorAsync(ex);
            }
            catch (Exception) when (http.RequestAborted.IsCancellationRequested)
            {
                // The stream is gone: there is no one to tell.
            }
        }
    }

    protected abstract Task ExecuteAsync(ServerCall call);
}

internal sealed class UnaryMethodHandler<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse> handler)
    : ServerMethodHandler
{
    public override string Path => method.FullName;

    protected override async Task ExecuteAsync(ServerCall call)
    {
        var request = method.RequestMarshaller.Deserialize(await call.ReadSingleMessageAsync());
        var response = await handler(request, call.Context);
        await call.WriteMessageAsync(method.ResponseMarshaller.Serialize(response), call.Context.CancellationToken);
    }
}

internal sealed class ServerStreamingMethodHandler<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse> handler)
    : ServerMethodHandler
{
    public override string Path => method.FullName;

    protected override async Task ExecuteAsync(ServerCall call)
    {
        var request = method.RequestMarshaller.Deserialize(await call.ReadSingleMessageAsync());
        await handler(request, new ServerResponseStream<TResponse>(call, method.ResponseMarshaller), call.Context);
    }
}

internal sealed class ClientStreamingMethodHandler<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse> handler)
    : ServerMethodHandler
{
    public override string Path => method.FullName;

    protected override async Task ExecuteAsync(ServerCall call)
    {
        var response = await handler(new ServerRequestStream<TRequest>(call, method.RequestMarshaller), call.Context);
        await call.WriteMessageAsync(method.ResponseMarshaller.Serialize(response), call.Context.CancellationToken);
    }
}

internal sealed class DuplexStreamingMethodHandler<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse> handler)
    : ServerMethodHandler
{
    public override string Path => method.FullName;

    protected override Task ExecuteAsync(ServerCall call) =>
        handler(
            new ServerRequestStream<TRequest>(call, method.RequestMarshaller),
            new ServerResponseStream<TResponse>(call, method.ResponseMarshaller),
            call.Context);
}

internal sealed class ServerRequestStream<T>(ServerCall call, Marshaller<T> marshaller) : IAsyncStreamReader<T>
{
    private T? _current;

    public T Current => _current ?? throw new InvalidOperationException("MoveNext has not returned true.");

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        using var linked = LinkedToken.Create(cancellationToken, call.Context.CancellationToken);
        var payload = await call.ReadMessageAsync(linked.Token);
        if (payload is null)
        {
            _current = default;
            return false;
        }

        _current = marshaller.Deserialize(payload.Value);
        return true;
    }
}

internal sealed class ServerResponseStream<T>(ServerCall call, Marshaller<T> marshaller) : IAsyncStreamWriter<T>
{
    public async Task WriteAsync(T message, CancellationToken cancellationToken)
    {
        using var linked = LinkedToken.Create(cancellationToken, call.Context.CancellationToken);
        await call.WriteMessageAsync(marshaller.Serialize(message), linked.Token);
    }
}
