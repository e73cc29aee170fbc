using Guard.Rpc.Compression;
using Guard.Rpc.Internal;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Logging;

namespace Guard.Rpc.Server;

/// <summary>
/// The server side of one call on the wire: reads request messages, writes response headers and messages,
/// and ends the call with a status. Every path that ends a call goes through <see cref="CompleteAsync"/>.
/// </summary>
internal sealed partial class ServerCall : IDisposable
{
    private readonly HttpContext _http;
    private readonly GrpcServerOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource? _deadlineCts;
    private readonly CancellationTokenSource _callCts;
    private readonly MessageReader _reader;
    private readonly ICompressionProvider? _responseCompressor;
    private readonly MessageBuffers _buffers = new();
    private List<IDisposable>? _disposeAtEnd;
    private MessageWriter? _writer;
    private bool _headersWritten;

    private ServerCall(HttpContext http, GrpcServerOptions options, ILogger logger, TimeSpan? timeout, ICompressionProvider? requestDecompressor, ICompressionProvider? responseCompressor)
    {
        _http = http;
        _options = options;
        _logger = logger;
        _responseCompressor = responseCompressor;
        // The deadline is taken before its timer starts, so the timer never fires before the deadline has passed.
        var deadline = timeout is { } d ? DateTime.UtcNow + d : (DateTime?)null;
        if (timeout is { } t)
        {
            _deadlineCts = new CancellationTokenSource(t);
            _callCts = CancellationTokenSource.CreateLinkedTokenSource(_deadlineCts.Token, http.RequestAborted);
        }
        else
        {
            _callCts = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        }

        _reader = new MessageReader(http.Request.BodyReader, options.Limits.MaxReceiveMessageSize, requestDecompressor, "client");
        Context = new ServerCallContext(
            http,
            http.Request.Path.Value ?? "",
            MetadataConverter.FromHeaders(http.Request.Headers),
            deadline,
            async headers =>
            {
                // Asked for explicitly: the client may be waiting for headers before any message.
                await StartResponseAsync(headers);
                await http.Response.BodyWriter.FlushAsync(_callCts.Token);
            },
            RegisterForDispose,
            _callCts.Token);
    }

    public ServerCallContext Context { get; }

    public bool DeadlineExceeded => _deadlineCts?.IsCancellationRequested == true;

    /// <summary>
    /// Checks the call's headers and creates it; a call the server cannot accept is answered (trailers-only)
    /// here and null comes back.
    /// </summary>
    public static async Task<ServerCall?> StartAsync(HttpContext http, GrpcServerOptions options, ILogger logger)
    {
        // Message limits are ours to enforce, per message; Kestrel's whole-body limit and minimum data rate
        // would break large tensors and idle streams.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = null;
        }

        if (http.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } rate)
        {
            rate.MinDataRate = null;
        }

        TimeSpan? timeout = null;
        var timeoutHeader = http.Request.Headers[GrpcHeaders.Timeout].ToString();
        if (timeoutHeader.Length > 0)
        {
            if (!GrpcTimeout.TryParse(timeoutHeader, out var parsed))
            {
                await WriteTrailersOnlyAsync(http, new Status(StatusCode.Internal, $"Invalid grpc-timeout header '{timeoutHeader}'."), null, options);
                return null;
            }

            // CancellationTokenSource takes at most ~24 days; longer is no deadline in practice.
            timeout = parsed < TimeSpan.FromDays(20) ? parsed : null;
        }

        ICompressionProvider? decompressor = null;
        var encoding = http.Request.Headers[GrpcHeaders.Encoding].ToString();
        if (encoding.Length > 0 && !encoding.Equals(GrpcHeaders.IdentityEncoding, StringComparison.OrdinalIgnoreCase))
        {
            if (!options.Compression.TryGet(encoding, out decompressor!))
            {
                await WriteTrailersOnlyAsync(http, new Status(StatusCode.Unimplemented, $"Unsupported grpc-encoding value '{encoding}'. Supported encodings: {options.Compression.AcceptEncodingHeader}"), null, options);
                return null;
            }
        }

        var compressor = ChooseResponseCompression(http, options, decompressor);
        return new ServerCall(http, options, logger, timeout, decompressor, compressor);
    }

    public async ValueTask<ReadOnlyMemory<byte>?> ReadMessageAsync(CancellationToken cancellationToken) =>
        await _reader.ReadAsync(cancellationToken);

    /// <summary>Reads the one request message of a unary or server-streaming call, and the end of the stream after it.</summary>
    public async ValueTask<ReadOnlyMemory<byte>> ReadSingleMessageAsync()
    {
        // The one request message lives until the call ends, so its buffer can be pooled.
        var message = await _reader.ReadAsync(Context.CancellationToken, _buffers)
            ?? throw new RpcException(StatusCode.Internal, "Request stream ended without a message.");
        if (await _reader.ReadAsync(Context.CancellationToken) is not null)
        {
            throw new RpcException(StatusCode.Internal, "Request stream carried more than one message for a single-message request.");
        }

        return message;
    }

    public async Task WriteMessageAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (!_headersWritten)
        {
            // Headers go out in the same flush as the first message.
            await StartResponseAsync(new Metadata());
        }

        await _writer!.WriteAsync(payload, cancellationToken);
    }

    /// <summary>Ends the call with <paramref name="status"/>, in trailers, or trailers-only when nothing was sent yet.</summary>
    public async Task CompleteAsync(Status status, Metadata? trailers)
    {
        if (_http.RequestAborted.IsCancellationRequested)
        {
            // The client reset the stream: there is nobody to send a status to.
            return;
        }

        var extra = MergeTrailers(Context.ResponseTrailers, trailers);
        if (!_http.Response.HasStarted)
        {
            await WriteTrailersOnlyAsync(_http, status, extra, _options);
            return;
        }

        var response = _http.Response;
        response.AppendTrailer(GrpcHeaders.Status, ((int)status.Code).ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(status.Message))
        {
            response.AppendTrailer(GrpcHeaders.Message, GrpcMessageEncoding.Encode(status.Message));
        }

        if (extra is not null)
        {
            foreach (var entry in extra)
            {
                response.AppendTrailer(entry.Key, entry.ToHeaderValue());
            }
        }
    }

    /// <summary>Turns whatever ended a handler into the status the client sees, logging unexpected failures.</summary>
    public Task CompleteWithErrorAsync(Exception exception)
    {
        // Once the call's own deadline has passed, that is the reason, whatever the handler threw on the way
        // out (a downstream call cancelled by the same deadline reports CANCELLED, say).
        if (DeadlineExceeded && exception is not RpcException { StatusCode: not (StatusCode.Cancelled or StatusCode.DeadlineExceeded) })
        {
            LogDeadlineExceeded(_logger, Context.Method);
            return CompleteAsync(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"), null);
        }

        if (exception is RpcException rpc)
        {
            LogCallFailed(_logger, Context.Method, rpc.StatusCode, rpc.Status.Message);
            return CompleteAsync(rpc.Status, rpc.Trailers);
        }

        // A reset stream or a dropped connection surfaces as an I/O error, sometimes before RequestAborted fires.
        if (_http.RequestAborted.IsCancellationRequested || exception is IOException or Microsoft.AspNetCore.Connections.ConnectionAbortedException)
        {
            LogClientCancelled(_logger, Context.Method);
            return _http.RequestAborted.IsCancellationRequested
                ? Task.CompletedTask
                : CompleteAsync(new Status(StatusCode.Cancelled, "The client went away."), null);
        }

        LogHandlerException(_logger, Context.Method, exception);
        var message = _options.EnableDetailedErrors
            ? $"Exception was thrown by handler. {exception.GetType().Name}: {exception.Message}"
            : "Exception was thrown by handler.";
        return CompleteAsync(new Status(StatusCode.Unknown, message), null);
    }

    /// <summary>Runs at the end of the call, after the status was sent: buffers that the response came from.</summary>
    private void RegisterForDispose(IDisposable disposable) => (_disposeAtEnd ??= new()).Add(disposable);

    public void Dispose()
    {
        if (_disposeAtEnd is not null)
        {
            foreach (var disposable in _disposeAtEnd)
            {
                disposable.Dispose();
            }
        }

        _buffers.Dispose();
        _callCts.Dispose();
        _deadlineCts?.Dispose();
    }

    internal static Task WriteTrailersOnlyAsync(HttpContext http, Status status, Metadata? trailers, GrpcServerOptions options, int httpStatus = StatusCodes.Status200OK)
    {
        var response = http.Response;
        response.StatusCode = httpStatus;
        response.ContentType = GrpcHeaders.ContentType;
        var headers = response.Headers;
        headers[GrpcHeaders.AcceptEncoding] = options.Compression.AcceptEncodingHeader;
        headers[GrpcHeaders.Status] = ((int)status.Code).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!string.IsNullOrEmpty(status.Message))
        {
            headers[GrpcHeaders.Message] = GrpcMessageEncoding.Encode(status.Message);
        }

        if (trailers is not null)
        {
            MetadataConverter.AppendTo(headers, trailers);
        }

        // Completing without a body makes Kestrel send one HEADERS frame with END_STREAM.
        return response.CompleteAsync();
    }

    private async Task StartResponseAsync(Metadata headers)
    {
        if (_headersWritten)
        {
            throw new InvalidOperationException("Response headers were already sent.");
        }

        _headersWritten = true;
        var response = _http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcHeaders.ContentType;
        response.Headers[GrpcHeaders.AcceptEncoding] = _options.Compression.AcceptEncodingHeader;
        if (_responseCompressor is not null)
        {
            response.Headers[GrpcHeaders.Encoding] = _responseCompressor.EncodingName;
        }

        MetadataConverter.AppendTo(response.Headers, headers);
        _writer = new MessageWriter(response.BodyWriter, _options.Limits.MaxSendMessageSize, _options.Compression, _responseCompressor);
        await response.StartAsync(Context.CancellationToken);
    }

    private static ICompressionProvider? ChooseResponseCompression(HttpContext http, GrpcServerOptions options, ICompressionProvider? requestEncoding)
    {
        var accepted = http.Request.Headers[GrpcHeaders.AcceptEncoding].ToString();
        if (accepted.Length == 0)
        {
            return null;
        }

        var preferred = options.ResponseCompression ?? requestEncoding?.EncodingName;
        if (preferred is null || !options.Compression.TryGet(preferred, out var provider))
        {
            return null;
        }

        foreach (var name in accepted.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (name.Equals(preferred, StringComparison.OrdinalIgnoreCase))
            {
                return provider;
            }
        }

        return null;
    }

    private static Metadata? MergeTrailers(Metadata contextTrailers, Metadata? extra)
    {
        if (extra is null || extra.Count == 0)
        {
            return contextTrailers.Count == 0 ? null : contextTrailers;
        }

        if (contextTrailers.Count == 0)
        {
            return extra;
        }

        var merged = new Metadata();
        merged.AddRange(contextTrailers);
        merged.AddRange(extra);
        return merged;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Call {Method} ended with {StatusCode}: {StatusMessage}")]
    private static partial void LogCallFailed(ILogger logger, string method, StatusCode statusCode, string statusMessage);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Call {Method} exceeded its deadline")]
    private static partial void LogDeadlineExceeded(ILogger logger, string method);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Call {Method} was cancelled by the client")]
    private static partial void LogClientCancelled(ILogger logger, string method);

    [LoggerMessage(Level = LogLevel.Error, Message = "Handler for {Method} threw an exception")]
    private static partial void LogHandlerException(ILogger logger, string method, Exception exception);
}
