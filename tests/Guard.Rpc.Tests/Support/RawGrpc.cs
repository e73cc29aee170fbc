using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;

namespace Guard.Rpc.Tests.Support;

/// <summary>The outcome of a hand-made gRPC request: HTTP status, grpc-status from trailers or trailers-only headers.</summary>
public sealed record RawResponse(HttpStatusCode HttpStatus, int? GrpcStatus, string? GrpcMessage, byte[] Body, HttpResponseHeaders Headers, HttpResponseHeaders Trailers)
{
    public string? Header(string name) => Headers.TryGetValues(name, out var v) ? string.Join(",", v) : null;
}

/// <summary>Builds gRPC frames by hand and sends them over h2c with a plain HttpClient.</summary>
public static class RawGrpc
{
    public static HttpClient CreateClient(Version? version = null) =>
        new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false })
        {
            DefaultRequestVersion = version ?? HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(15),
        };

    /// <summary>One length-prefixed message.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> payload, byte flag = 0)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = flag;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(5));
        return frame;
    }

    /// <summary>A frame header alone, declaring <paramref name="length"/> bytes.</summary>
    public static byte[] Header(uint length, byte flag = 0)
    {
        var header = new byte[5];
        header[0] = flag;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), length);
        return header;
    }

    public static async Task<RawResponse> PostAsync(
        HttpClient client,
        Uri address,
        string path,
        byte[] body,
        string contentType = "application/grpc",
        IEnumerable<KeyValuePair<string, string>>? headers = null,
        HttpMethod? method = null,
        Version? version = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Post, new Uri(address, path))
        {
            Version = version ?? HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (request.Method != HttpMethod.Get)
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            request.Content = content;
        }

        if (request.Version == HttpVersion.Version20)
        {
            request.Headers.TryAddWithoutValidation("te", "trailers");
        }

        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var responseBody = await response.Content.ReadAsByteArrayAsync();
        int? status = null;
        string? message = null;
        foreach (var source in new HttpHeaders[] { response.TrailingHeaders, response.Headers })
        {
            if (status is null && source.TryGetValues("grpc-status", out var values))
            {
                status = int.Parse(values.First(), System.Globalization.CultureInfo.InvariantCulture);
                message = source.TryGetValues("grpc-message", out var messages) ? GrpcMessageEncoding.Decode(messages.First()) : null;
            }
        }

        return new RawResponse(response.StatusCode, status, message, responseBody, response.Headers, response.TrailingHeaders);
    }
}

/// <summary>
/// A request body that sends its first bytes at once (flushed, so they reach the server as a DATA frame) and
/// then stays open until <see cref="Finish"/> — a client that goes quiet mid-message.
/// </summary>
public sealed class OpenEndedContent(byte[] first) : HttpContent
{
    private readonly TaskCompletionSource _finish = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Finish() => _finish.TrySetResult();

    protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
    {
        await stream.WriteAsync(first);
        await stream.FlushAsync();
        await _finish.Task;
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
