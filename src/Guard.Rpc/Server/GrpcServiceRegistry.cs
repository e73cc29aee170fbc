namespace Guard.Rpc.Server;

/// <summary>The methods a server answers, by path. Filled at start-up; read-only afterwards.</summary>
public sealed class GrpcServiceRegistry
{
    private readonly Dictionary<string, ServerMethodHandler> _handlers = new(StringComparer.Ordinal);

    public IEnumerable<string> Paths => _handlers.Keys;

    public GrpcServiceRegistry AddUnary<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse> handler) =>
        Add(method, MethodType.Unary, new UnaryMethodHandler<TRequest, TResponse>(method, handler));

    public GrpcServiceRegistry AddServerStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse> handler) =>
        Add(method, MethodType.ServerStreaming, new ServerStreamingMethodHandler<TRequest, TResponse>(method, handler));

    public GrpcServiceRegistry AddClientStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse> handler) =>
        Add(method, MethodType.ClientStreaming, new ClientStreamingMethodHandler<TRequest, TResponse>(method, handler));

    public GrpcServiceRegistry AddDuplexStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse> handler) =>
        Add(method, MethodType.DuplexStreaming, new DuplexStreamingMethodHandler<TRequest, TResponse>(method, handler));

    internal bool TryGetHandler(string path, out ServerMethodHandler handler) => _handlers.TryGetValue(path, out handler!);

    internal bool HasService(string path)
    {
        var slash = path.IndexOf('/', 1);
        if (slash < 0)
        {
            return false;
        }

        var prefix = path[..(slash + 1)];
        foreach (var key in _handlers.Keys)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private GrpcServiceRegistry Add<TRequest, TResponse>(Method<TRequest, TResponse> method, MethodType expected, ServerMethodHandler handler)
    {
        if (method.Type != expected)
        {
            throw new ArgumentException($"Method {method.FullName} is {method.Type}, not {expected}.", nameof(method));
        }

        if (!_handlers.TryAdd(method.FullName, handler))
        {
            throw new InvalidOperationException($"Method {method.FullName} is registered twice.");
        }

        return this;
    }
}
