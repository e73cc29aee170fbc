using System.Threading.Channels;
using Guard.Rpc.Health.V1;
using Guard.Rpc.Server;

namespace Guard.Rpc.Health;

/// <summary>
/// grpc.health.v1.Health: Check answers the current status of a service name ("" = the whole server);
/// Watch streams every change until the client goes away.
/// </summary>
public sealed class HealthService
{
    public const string ServiceName = "grpc.health.v1.Health";

    private static readonly Marshaller<HealthCheckRequest> RequestMarshaller = Marshallers.Protobuf(HealthCheckRequest.Parser);
    private static readonly Marshaller<HealthCheckResponse> ResponseMarshaller = Marshallers.Protobuf(HealthCheckResponse.Parser);

    public static readonly Method<HealthCheckRequest, HealthCheckResponse> CheckMethod =
        new(MethodType.Unary, ServiceName, "Check", RequestMarshaller, ResponseMarshaller);

    public static readonly Method<HealthCheckRequest, HealthCheckResponse> WatchMethod =
        new(MethodType.ServerStreaming, ServiceName, "Watch", RequestMarshaller, ResponseMarshaller);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, HealthCheckResponse.Types.ServingStatus> _statuses = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<ChannelWriter<HealthCheckResponse.Types.ServingStatus>>> _watchers = new(StringComparer.Ordinal);

    public void Register(GrpcServiceRegistry registry) =>
        registry.AddUnary(CheckMethod, CheckAsync).AddServerStreaming(WatchMethod, WatchAsync);

    public void SetStatus(string service, HealthCheckResponse.Types.ServingStatus status)
    {
        lock (_lock)
        {
            if (_statuses.TryGetValue(service, out var old) && old == status)
            {
                return;
            }

            _statuses[service] = status;
            if (_watchers.TryGetValue(service, out var list))
            {
                foreach (var watcher in list)
                {
                    watcher.TryWrite(status);
                }
            }
        }
    }

    public HealthCheckResponse.Types.ServingStatus? GetStatus(string service)
    {
        lock (_lock)
        {
            return _statuses.TryGetValue(service, out var s) ? s : null;
        }
    }

    private Task<HealthCheckResponse> CheckAsync(HealthCheckRequest request, ServerCallContext context)
    {
        var status = GetStatus(request.Service)
            ?? throw new RpcException(StatusCode.NotFound, $"Unknown service '{request.Service}'.");
        return Task.FromResult(new HealthCheckResponse { Status = status });
    }

    private async Task WatchAsync(HealthCheckRequest request, IAsyncStreamWriter<HealthCheckResponse> responses, ServerCallContext context)
    {
        // Only the latest status matters to a watcher that falls behind.
        var channel = Channel.CreateBounded<HealthCheckResponse.Types.ServingStatus>(
            new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        lock (_lock)
        {
            if (!_watchers.TryGetValue(request.Service, out var list))
            {
                _watchers[request.Service] = list = new();
            }

            list.Add(channel.Writer);
            channel.Writer.TryWrite(_statuses.TryGetValue(request.Service, out var s) ? s : HealthCheckResponse.Types.ServingStatus.ServiceUnknown);
        }

        try
        {
            await foreach (var status in channel.Reader.ReadAllAsync(context.CancellationToken))
            {
                await responses.WriteAsync(new HealthCheckResponse { Status = status }, context.CancellationToken);
            }
        }
        finally
        {
            lock (_lock)
            {
                var list = _watchers[request.Service];
                list.Remove(channel.Writer);
                if (list.Count == 0)
                {
                    _watchers.Remove(request.Service);
                }
            }
        }
    }
}
