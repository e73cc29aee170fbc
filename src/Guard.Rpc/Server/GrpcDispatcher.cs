using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Guard.Rpc.Server;

/// <summary>
/// The terminal request handler for a gRPC listener: checks the HTTP shape of the request (POST, gRPC
/// content type, HTTP/2), finds the method by path and runs it.
/// </summary>
public sealed partial class GrpcDispatcher(GrpcServiceRegistry registry, Func<GrpcServerOptions> options, ILogger<GrpcDispatcher> logger)
{
    public Task HandleAsync(HttpContext http)
    {
        var request = http.Request;
        if (!HttpMethods.IsPost(request.Method))
        {
            http.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            http.Response.Headers.Allow = "POST";
            return Task.CompletedTask;
        }

        if (!GrpcHeaders.IsGrpcContentType(request.ContentType))
        {
            LogBadContentType(logger, request.ContentType ?? "(none)");
            http.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return Task.CompletedTask;
        }

        var current = options();
        if (!HttpProtocol.IsHttp2(request.Protocol) && !HttpProtocol.IsHttp3(request.Protocol))
        {
            return ServerCall.WriteTrailersOnlyAsync(http, new Status(StatusCode.Internal, $"Request protocol '{request.Protocol}' is not supported: gRPC needs HTTP/2."), null, current, StatusCodes.Status426UpgradeRequired);
        }

        var path = request.Path.Value ?? "";
        if (!registry.TryGetHandler(path, out var handler))
        {
            LogUnimplemented(logger, path);
            var message = registry.HasService(path) ? $"Method is unimplemented: {path}" : $"Service is unimplemented: {path}";
            return ServerCall.WriteTrailersOnlyAsync(http, new Status(StatusCode.Unimplemented, message), null, current);
        }

        return handler.HandleAsync(http, current, logger);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Unimplemented gRPC method {Path}")]
    private static partial void LogUnimplemented(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rejected a request with content type {ContentType}: not gRPC")]
    private static partial void LogBadContentType(ILogger logger, string contentType);
}
