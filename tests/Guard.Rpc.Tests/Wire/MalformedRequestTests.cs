using System.Diagnostics;
using System.Net;
using Guard.Rpc.Server;
using Guard.Rpc.Tests.Support;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Guard.Rpc.Tests.Wire;

/// <summary>One server, shared by the malformed-request tests; each test also checks it still serves.</summary>
public sealed class MalformedRequestServer : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await TestServer.StartAsync(r =>
        {
            TestMethods.AddEcho(r);
            r.AddClientStreaming(TestMethods.Sum, async (requests, context) =>
            {
                var count = 0;
                while (await requests.MoveNext(context.CancellationToken))
                {
                    count++;
                }

                return count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            });
        });
        Client = Server.CreateRawClient();
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>Requests no well-behaved client sends, sent over raw HTTP/2: each must end in a status, never a crash.</summary>
public class MalformedRequestTests(MalformedRequestServer fixture) : IClassFixture<MalformedRequestServer>
{
    private const string Echo = "/test.Echo/Bytes";

    private TestServer Server => fixture.Server;

    private Task<RawResponse> PostAsync(byte[] body, string path = Echo, IEnumerable<KeyValuePair<string, string>>? headers = null, string contentType = "application/grpc") =>
        RawGrpc.PostAsync(fixture.Client, Server.Address, path, body, contentType, headers).Within();

    /// <summary>A normal call through the real client, on a fresh connection, still works.</summary>
    private async Task AssertStillServingAsync()
    {
        var raw = await PostAsync(RawGrpc.Frame("ping"u8));
        Assert.Equal(0, raw.GrpcStatus);
        Assert.Equal(RawGrpc.Frame("ping"u8), raw.Body);

        using var channel = new Client.GrpcChannel(Server.Address, new Client.GrpcChannelOptions());
        var result = await channel.UnaryAsync(TestMethods.Unary, "still here", default).Within();
        Assert.Equal("still here", result.Response);
    }

    [Fact]
    public async Task A_well_formed_request_by_hand_gets_ok()
    {
        var raw = await PostAsync(RawGrpc.Frame("abc"u8));

        Assert.Equal(HttpStatusCode.OK, raw.HttpStatus);
        Assert.Equal(0, raw.GrpcStatus);
        Assert.Equal(RawGrpc.Frame("abc"u8), raw.Body);
    }

    [Fact]
    public async Task Random_garbage_bodies_always_get_a_grpc_status_and_never_break_the_server()
    {
        var rng = new Random(20240601);
        var seen = new Dictionary<int, int>();
        for (var i = 0; i < 200; i++)
        {
            var body = Garbage(rng, i % 4);
            var raw = await PostAsync(body);

            Assert.Equal(HttpStatusCode.OK, raw.HttpStatus);
            Assert.NotNull(raw.GrpcStatus);
            var status = (StatusCode)raw.GrpcStatus.Value;
            Assert.True(
                status is StatusCode.Internal or StatusCode.ResourceExhausted || (status == StatusCode.OK && raw.Body.AsSpan().SequenceEqual(body)),
                $"case {i} ({body.Length} bytes, first {Convert.ToHexString(body.AsSpan(0, Math.Min(8, body.Length)))}) got {status}: {raw.GrpcMessage}");
            seen[(int)status] = seen.GetValueOrDefault((int)status) + 1;
        }

        // The generator is meant to reach both kinds of failure.
        Assert.True(seen.GetValueOrDefault((int)StatusCode.Internal) > 20);
        Assert.True(seen.GetValueOrDefault((int)StatusCode.ResourceExhausted) > 20);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task A_valid_frame_cut_at_every_length_is_internal_incomplete_message()
    {
        var frame = RawGrpc.Frame(TestMethods.Pattern(40));
        for (var cut = 1; cut < frame.Length; cut++)
        {
            var raw = await PostAsync(frame[..cut]);

            Assert.Equal((int)StatusCode.Internal, raw.GrpcStatus);
            Assert.Contains("Incomplete message", raw.GrpcMessage, StringComparison.Ordinal);
        }

        await AssertStillServingAsync();
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task A_method_other_than_post_is_405(string method)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(Server.Address, Echo))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (method != "GET")
        {
            request.Content = new ByteArrayContent(RawGrpc.Frame("x"u8));
            request.Content.Headers.ContentType = new("application/grpc");
        }

        using var response = await fixture.Client.SendAsync(request).Within();

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("POST", response.Content.Headers.Allow);
        await AssertStillServingAsync();
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/grpc-web")]
    [InlineData("application/grpcfoo")]
    [InlineData("text/plain")]
    public async Task A_content_type_other_than_grpc_is_415(string contentType)
    {
        var raw = await PostAsync(RawGrpc.Frame("x"u8), contentType: contentType);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, raw.HttpStatus);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task Content_type_with_a_suffix_or_parameters_is_accepted()
    {
        Assert.Equal(0, (await PostAsync(RawGrpc.Frame("x"u8), contentType: "application/grpc+proto")).GrpcStatus);
        Assert.Equal(0, (await PostAsync(RawGrpc.Frame("x"u8), contentType: "application/grpc; charset=utf-8")).GrpcStatus);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1")]
    [InlineData("123456789S")]
    [InlineData("10x")]
    [InlineData("-1S")]
    [InlineData("1.5S")]
    public async Task A_bad_grpc_timeout_is_internal(string timeout)
    {
        var raw = await PostAsync(RawGrpc.Frame("x"u8), headers: [new("grpc-timeout", timeout)]);

        Assert.Equal(HttpStatusCode.OK, raw.HttpStatus);
        Assert.Equal((int)StatusCode.Internal, raw.GrpcStatus);
        Assert.Contains("grpc-timeout", raw.GrpcMessage, StringComparison.Ordinal);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task An_unsupported_grpc_encoding_is_unimplemented_and_lists_what_is_accepted()
    {
        var raw = await PostAsync(RawGrpc.Frame("x"u8, flag: 1), headers: [new("grpc-encoding", "br")]);

        Assert.Equal((int)StatusCode.Unimplemented, raw.GrpcStatus);
        var accepted = raw.Header("grpc-accept-encoding");
        Assert.NotNull(accepted);
        Assert.Contains("gzip", accepted, StringComparison.Ordinal);
        Assert.Contains("identity", accepted, StringComparison.Ordinal);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task An_identity_grpc_encoding_is_the_same_as_none()
    {
        var raw = await PostAsync(RawGrpc.Frame("x"u8), headers: [new("grpc-encoding", "identity")]);

        Assert.Equal(0, raw.GrpcStatus);
    }

    [Fact]
    public async Task A_compressed_flag_without_grpc_encoding_is_internal()
    {
        var raw = await PostAsync(RawGrpc.Frame("x"u8, flag: 1));

        Assert.Equal((int)StatusCode.Internal, raw.GrpcStatus);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task A_flag_of_two_is_internal()
    {
        var raw = await PostAsync(RawGrpc.Frame("x"u8, flag: 2));

        Assert.Equal((int)StatusCode.Internal, raw.GrpcStatus);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task Garbage_under_a_gzip_flag_is_internal()
    {
        var raw = await PostAsync(RawGrpc.Frame(TestMethods.Pattern(64), flag: 1), headers: [new("grpc-encoding", "gzip")]);

        Assert.Equal((int)StatusCode.Internal, raw.GrpcStatus);
        await AssertStillServingAsync();
    }

    [Theory]
    [InlineData(0x80000000u)]
    [InlineData(0xFFFFFFFFu)]
    [InlineData(GrpcLimits.DefaultMaxMessageSize + 1u)]
    public async Task A_huge_declared_length_is_resource_exhausted_at_once(uint length)
    {
        var stopwatch = Stopwatch.StartNew();
        var raw = await PostAsync(RawGrpc.Header(length).Concat(new byte[100]).ToArray());

        Assert.Equal((int)StatusCode.ResourceExhausted, raw.GrpcStatus);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task A_huge_declared_length_is_refused_while_the_stream_is_still_open()
    {
        // The body never ends: the server must answer from the header alone, not wait for 2 GiB.
        using var content = new OpenEndedContent(RawGrpc.Header(0x80000000u));
        content.Headers.ContentType = new("application/grpc");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Server.Address, Echo))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        request.Headers.TryAddWithoutValidation("te", "trailers");

        using var response = await fixture.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).Within();

        Assert.True(response.Headers.TryGetValues("grpc-status", out var status));
        Assert.Equal(((int)StatusCode.ResourceExhausted).ToString(System.Globalization.CultureInfo.InvariantCulture), status.Single());
        content.Finish();
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task Two_messages_on_a_unary_method_is_internal()
    {
        var raw = await PostAsync(RawGrpc.Frame("a"u8).Concat(RawGrpc.Frame("b"u8)).ToArray());

        Assert.Equal((int)StatusCode.Internal, raw.GrpcStatus);
        Assert.Empty(raw.Body);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task No_message_on_a_unary_method_is_internal()
    {
        var raw = await PostAsync([]);

        Assert.Equal((int)StatusCode.Internal, raw.GrpcStatus);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task No_message_on_a_client_streaming_method_is_fine()
    {
        var raw = await PostAsync([], path: "/test.Echo/Sum");

        Assert.Equal(0, raw.GrpcStatus);
        Assert.Equal(RawGrpc.Frame("0"u8), raw.Body);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/test.Echo")]
    [InlineData("/test.Echo/")]
    [InlineData("/test.Echo/Bytes/extra")]
    [InlineData("/nothing/here")]
    public async Task Odd_paths_are_unimplemented(string path)
    {
        var raw = await PostAsync(RawGrpc.Frame("x"u8), path: path);

        Assert.Equal((int)StatusCode.Unimplemented, raw.GrpcStatus);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task Invalid_custom_metadata_is_dropped_not_fatal()
    {
        var raw = await PostAsync(RawGrpc.Frame("x"u8), headers: [new("x-bad-bin", "!!!not base64!!!"), new("x-ok", "fine")]);

        Assert.Equal(0, raw.GrpcStatus);
    }

    // Bug: GrpcDispatcher sets 426 Upgrade Required for a non-HTTP/2 request and then calls
    // ServerCall.WriteTrailersOnlyAsync, which unconditionally sets the status code back to 200, so an
    // HTTP/1.1 client gets "200 OK" with a gRPC error in the headers instead of 426.
    [Fact]
    public async Task An_http1_request_is_426_upgrade_required()
    {
        await using var http1 = await TestServer.StartAsync(TestMethods.AddEcho, protocols: HttpProtocols.Http1);
        using var client = RawGrpc.CreateClient(HttpVersion.Version11);

        var raw = await RawGrpc.PostAsync(client, http1.Address, Echo, RawGrpc.Frame("x"u8), version: HttpVersion.Version11).Within();

        Assert.Equal(HttpStatusCode.UpgradeRequired, raw.HttpStatus);
        Assert.Equal((int)StatusCode.Internal, raw.GrpcStatus);
    }

    /// <summary>
    /// Kinds of garbage: 0 = any bytes; 1 = a valid flag and a random length over random bytes (mostly a
    /// length far past the limit or the end of the body); 2 = a small length that overshoots the body;
    /// 3 = valid frames followed by a torn one.
    /// </summary>
    private static byte[] Garbage(Random rng, int kind)
    {
        switch (kind)
        {
            case 0:
            {
                var bytes = new byte[rng.Next(1, 2048)];
                rng.NextBytes(bytes);
                return bytes;
            }

            case 1:
            {
                var bytes = new byte[rng.Next(5, 512)];
                rng.NextBytes(bytes);
                bytes[0] = (byte)rng.Next(0, 2);
                return bytes;
            }

            case 2:
            {
                var payload = new byte[rng.Next(0, 300)];
                rng.NextBytes(payload);
                var header = RawGrpc.Header((uint)(payload.Length + rng.Next(1, 1000)));
                return header.Concat(payload).ToArray();
            }

            default:
            {
                var first = RawGrpc.Frame(TestMethods.Pattern(rng.Next(0, 100), rng.Next()));
                var second = RawGrpc.Frame(TestMethods.Pattern(rng.Next(1, 100), rng.Next()));
                return first.Concat(second[..rng.Next(1, second.Length)]).ToArray();
            }
        }
    }
}
