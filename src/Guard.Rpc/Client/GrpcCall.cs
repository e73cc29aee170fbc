using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using Guard.Rpc.Compression;
using Guard.Rpc.Internal;

namespace Guard.Rpc.Client;

/// <summary>
/// The client side of one call of any kind. The request body streams from <see cref="RequestStream"/> while
/// responses are read from <see cref="ResponseStream"/> (full duplex over one HTTP/2 stream). Disposing the
/// call before it ends resets the stream, which the server sees as a cancellation.
/// </summary>
public sealed class GrpcCall<TRequest, TResponse> : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly Method<TRequest, TResponse> _method;
    private readonly CallOptions _options;
    private readonly CancellationTokenSource _callCts;
    private readonly CancellationTokenSource? _deadlineCts;
    private readonly RequestBodyContent _content;
    private readonly Task<HttpResponseMessage> _sendTask;
    private readonly DateTime? _deadline;
    private HttpResponseMessage? _response;
    private MessageReader? _reader;
    private Status? _status;
    private Metadata? _trailers;
    private Metadata? _responseHeaders;

    internal GrpcCall(GrpcChannel channel, Method<TRequest, TResponse> method, CallOptions options)
    {
        _channel = channel;
        _method = method;
        _options = options;
        _deadline = options.Deadline;
        if (_deadline is { } deadline)
        {
            // A timer of its own tells a deadline apart from the caller cancelling.
            var remaining = deadline - DateTime.UtcNow;
            _deadlineCts = new CancellationTokenSource(remaining > TimeSpan.Zero ? Min(remaining, TimeSpan.FromDays(20)) : TimeSpan.Zero);
            _callCts = CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken, _deadlineCts.Token);
        }
        else
        {
            _callCts = CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken);
        }

        ICompressionProvider? compressor = null;
        if (channel.Options.RequestCompression is { } encoding && !channel.Options.Compression.TryGet(encoding, out compressor!))
        {
            throw new ArgumentException($"Unknown request compression '{encoding}'.", nameof(channel));
        }

        _content = new RequestBodyContent(channel.Options, compressor, _callCts.Token);
        RequestStream = new RequestWriter(this);
        ResponseStream = new ResponseReader(this);
        var request = BuildRequest(compressor);
        _sendTask = channel.Invoker.SendAsync(request, _callCts.Token);

        // A send that fails before it reads the body (connection refused) must not leave writers waiting.
        _sendTask.ContinueWith(
            static (_, content) => ((RequestBodyContent)content!).Abort(),
            _content,
            CancellationToken.None,
            TaskContinuationOptions.NotOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    public IClientStreamWriter<TRequest> RequestStream { get; }

    public IAsyncStreamReader<TResponse> ResponseStream { get; }

    /// <summary>Pooled buffers for response messages (unary calls); null means plain arrays.</summary>
    internal MessageBuffers? ResponseBuffers { get; set; }

    /// <summary>The status, once the response stream has ended (or failed).</summary>
    public Status? Status => _status;

    /// <summary>Waits for the response headers. A call that fails before any response throws here.</summary>
    public async Task<Metadata> ResponseHeadersAsync()
    {
        await EnsureResponseAsync();
        return _responseHeaders!;
    }

    /// <summary>Trailing metadata; valid once the response stream has ended.</summary>
    public Metadata GetTrailers() => _trailers ?? throw new InvalidOperationException("The call has not ended yet.");

    public void Dispose()
    {
        if (_status is null)
        {
            // Cancelling the HTTP request makes SocketsHttpHandler send RST_STREAM(CANCEL).
            _callCts.Cancel();
        }

        _content.Abort();
        _response?.Dispose();
        _callCts.Dispose();
        _deadlineCts?.Dispose();
    }

    private HttpRequestMessage BuildRequest(ICompressionProvider? compressor)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_channel.Address, _method.FullName))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = _content,
        };
        var headers = request.Headers;
        headers.TryAddWithoutValidation(GrpcHeaders.Te, "trailers");
        headers.TryAddWithoutValidation(GrpcHeaders.UserAgent, _channel.Options.UserAgent);
        headers.TryAddWithoutValidation(GrpcHeaders.AcceptEncoding, _channel.Options.Compression.AcceptEncodingHeader);
        if (compressor is not null)
        {
            headers.TryAddWithoutValidation(GrpcHeaders.Encoding, compressor.EncodingName);
        }

        if (_deadline is { } deadline)
        {
            headers.TryAddWithoutValidation(GrpcHeaders.Timeout, GrpcTimeout.Format(deadline - DateTime.UtcNow));
        }

        if (_options.Headers is { } metadata)
        {
            foreach (var entry in metadata)
            {
                if (!GrpcHeaders.IsReserved(entry.Key))
                {
                    headers.TryAddWithoutValidation(entry.Key, entry.ToHeaderValue());
                }
            }
        }

        return request;
    }

    private async Task EnsureResponseAsync()
    {
        if (_response is not null || _status is not null)
        {
            ThrowIfFailed();
            return;
        }

        HttpResponseMessage response;
        try
        {
            response = await _sendTask;
        }
        catch (Exception ex)
        {
            throw Fail(MapSendFailure(ex));
        }

        _response = response;

        // Once headers are in, SendAsync's token no longer resets the stream: disposing the response does.
        _callCts.Token.Register(static r => ((HttpResponseMessage)r!).Dispose(), response);
        _responseHeaders = ReadMetadata(response.Headers);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw Fail(new RpcException(new Status(MapHttpStatus(response.StatusCode), $"Bad gRPC response. HTTP status code: {(int)response.StatusCode}")));
        }

        // Trailers-only: the status came with the headers and there is no body.
        if (TryReadStatus(response.Headers, out var status))
        {
            _trailers = _responseHeaders;
            _status = status;
            _content.Abort();
            ThrowIfFailed();
            return;
        }

        if (!GrpcHeaders.IsGrpcContentType(response.Content.Headers.ContentType?.MediaType))
        {
            throw Fail(new RpcException(StatusCode.Internal, $"Bad gRPC response. Invalid content-type value: {response.Content.Headers.ContentType}"));
        }

        ICompressionProvider? decompressor = null;
        if (response.Headers.TryGetValues(GrpcHeaders.Encoding, out var encodings)
            && encodings.FirstOrDefault() is { } encoding
            && !encoding.Equals(GrpcHeaders.IdentityEncoding, StringComparison.OrdinalIgnoreCase)
            && !_channel.Options.Compression.TryGet(encoding, out decompressor!))
        {
            throw Fail(new RpcException(StatusCode.Internal, $"The server used an unsupported grpc-encoding '{encoding}'."));
        }

        var body = await response.Content.ReadAsStreamAsync(_callCts.Token);
        _reader = new MessageReader(PipeReader.Create(body, new StreamPipeReaderOptions(bufferSize: 65536)), _channel.Options.Limits.MaxReceiveMessageSize, decompressor, "server");
    }

    private async Task<ReadOnlyMemory<byte>?> ReadMessageAsync(CancellationToken cancellationToken)
    {
        await EnsureResponseAsync();
        if (_status is not null)
        {
            return null;
        }

        ReadOnlyMemory<byte>? message;
        try
        {
            using var linked = LinkedToken.Create(cancellationToken, _callCts.Token);
            message = await _reader!.ReadAsync(linked.Token, ResponseBuffers);
        }
        catch (RpcException ex)
        {
            throw Fail(ex);
        }
        catch (Exception ex)
        {
            throw Fail(MapSendFailure(ex));
        }

        if (message is null)
        {
            _trailers = ReadMetadata(_response!.TrailingHeaders);
            _status = TryReadStatus(_response.TrailingHeaders, out var status)
                ? status
                : new Status(StatusCode.Internal, "The server ended the call without a grpc-status.");
            _content.Abort();
            ThrowIfFailed();
        }

        return message;
    }

    private void ThrowIfFailed()
    {
        if (_status is { Code: not StatusCode.OK } status)
        {
            throw new RpcException(status, _trailers);
        }
    }

    private RpcException Fail(RpcException exception)
    {
        _status ??= exception.Status;
        _trailers ??= exception.Trailers;
        _content.Abort();
        _response?.Dispose();
        return exception;
    }

    private RpcException MapSendFailure(Exception exception)
    {
        if (_deadlineCts?.IsCancellationRequested == true || (_deadline is { } d && DateTime.UtcNow >= d))
        {
            return new RpcException(StatusCode.DeadlineExceeded, "Deadline Exceeded");
        }

        if (exception is OperationCanceledException || _callCts.IsCancellationRequested)
        {
            return new RpcException(StatusCode.Cancelled, "Call cancelled by the client.");
        }

        if (exception is HttpRequestException { HttpRequestError: var error } hre
            && error is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError)
        {
            return new RpcException(StatusCode.Unavailable, $"Error connecting to {_channel.Address.Authority}: {hre.Message}") { RequestNotSent = true };
        }

        if (FindProtocolError(exception) is { } protocolError)
        {
            return protocolError;
        }

        return new RpcException(StatusCode.Unavailable, $"Error talking to {_channel.Address.Authority}: {exception.Message}");
    }

    /// <summary>Maps an HTTP/2 RST_STREAM / GOAWAY error code to a status (PROTOCOL-HTTP2.md, "Errors").</summary>
    private static RpcException? FindProtocolError(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is HttpProtocolException p)
            {
                return p.ErrorCode switch
                {
                    0x7 => new RpcException(StatusCode.Unavailable, "The server refused the stream.") { RequestNotSent = true },
                    0x8 => new RpcException(StatusCode.Cancelled, "The server cancelled the stream."),
                    0xB => new RpcException(StatusCode.ResourceExhausted, "The server answered ENHANCE_YOUR_CALM."),
                    0xC => new RpcException(StatusCode.PermissionDenied, "The server requires stronger transport security."),
                    _ => new RpcException(StatusCode.Internal, $"HTTP/2 error from the server: {p.Message}"),
                };
            }
        }

        return null;
    }

    private static StatusCode MapHttpStatus(HttpStatusCode code) => code switch
    {
        HttpStatusCode.BadRequest => StatusCode.Internal,
        HttpStatusCode.Unauthorized => StatusCode.Unauthenticated,
        HttpStatusCode.Forbidden => StatusCode.PermissionDenied,
        HttpStatusCode.NotFound => StatusCode.Unimplemented,
        HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };

    private static bool TryReadStatus(HttpHeaders headers, out Status status)
    {
        status = default;
        if (!headers.TryGetValues(GrpcHeaders.Status, out var values))
        {
            return false;
        }

        var raw = values.FirstOrDefault();
        if (!int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var code))
        {
            status = new Status(StatusCode.Unknown, $"Invalid grpc-status '{raw}'.");
            return true;
        }

        var message = headers.TryGetValues(GrpcHeaders.Message, out var messages) ? GrpcMessageEncoding.Decode(messages.FirstOrDefault()) : "";
        status = new Status((StatusCode)code, message);
        return true;
    }

    private static Metadata ReadMetadata(HttpHeaders headers)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in headers.NonValidated)
        {
            MetadataConverter.AddHeader(metadata, name, values);
        }

        return metadata;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private sealed class RequestWriter(GrpcCall<TRequest, TResponse> call) : IClientStreamWriter<TRequest>
    {
        public Task WriteAsync(TRequest message, CancellationToken cancellationToken)
        {
            var payload = call._method.RequestMarshaller.Serialize(message);
            return call._content.WriteMessageAsync(payload, cancellationToken);
        }

        public Task CompleteAsync()
        {
            call._content.Complete();
            return Task.CompletedTask;
        }
    }

    private sealed class ResponseReader(GrpcCall<TRequest, TResponse> call) : IAsyncStreamReader<TResponse>
    {
        private TResponse? _current;

        public TResponse Current => _current ?? throw new InvalidOperationException("MoveNext has not returned true.");

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            var payload = await call.ReadMessageAsync(cancellationToken);
            if (payload is null)
            {
                _current = default;
                return false;
            }

            _current = call._method.ResponseMarshaller.Deserialize(payload.Value);
            return true;
        }
    }
}
