using Guard.Integration.Tests.Infrastructure;

namespace Guard.Integration.Tests.Interop;

/// <summary>
/// A real grpcio client (Debian python3-grpcio, stubs generated from our protos/) calls every RPC through
/// Guard to a real grpcio upstream.
/// </summary>
public sealed class PythonClientThroughGuardTests(ProxyFixture fixture) : IClassFixture<ProxyFixture>
{
    private string Target => fixture.Guard.GrpcAddress;

    private async Task<PythonClient.Result> Check(params string[] args)
    {
        var result = await PythonClient.RunAsync(Target, args);
        Assert.True(result.Ok, result.ToString());
        return result;
    }

    [Fact]
    public async Task ServerLive_and_ServerReady_describe_guard()
    {
        await Check("live");
        await Check("ready");
        var metadata = await Check("server-metadata", "--expect-name", "guard");
        Assert.Equal("guard", metadata.Str("name"));
    }

    [Fact]
    public async Task ModelReady_and_ModelMetadata_come_from_the_upstream()
    {
        await Check("model-ready", "--model", "simple");
        var metadata = await Check("model-metadata", "--model", "simple");
        Assert.Contains("INPUT0", metadata.Str("metadata"), StringComparison.Ordinal);
        await Check("model-ready", "--model", "not_routed", "--expect", "false");
    }

    [Fact]
    public async Task ModelInfer_returns_the_upstream_answer_raw_and_typed()
    {
        var raw = await Check("infer-simple");
        Assert.Contains("\"served_by\": \"py\"", raw.Raw, StringComparison.Ordinal);
        await Check("infer-simple", "--typed");
    }

    [Fact]
    public async Task Errors_keep_their_code_and_unicode_message()
    {
        await Check("error", "--code", "7", "--message", "nope ✗ 100% é");
        await Check("error", "--code", "9", "--message", "precondition");
        await Check("unknown-model");
    }

    [Fact]
    public async Task Unknown_methods_are_unimplemented()
    {
        await Check("unimplemented");
    }

    [Fact]
    public async Task Deadline_expires_as_DEADLINE_EXCEEDED_and_reaches_the_upstream()
    {
        await Check("infer-simple");
        // 2 s leaves a busy machine time to get the call to the upstream before the deadline passes.
        var expired = await Check("deadline", "--timeout-ms", "2000", "--delay-ms", "5000");
        var ok = await Check("deadline", "--timeout-ms", "5000", "--delay-ms", "100");

        // The upstream saw the caller's remaining deadline, not an unbounded call.
        var remaining = ok.Json.GetProperty("deadline_remaining_ms").GetInt32();
        Assert.InRange(remaining, 1, 5000);
        // The upstream stops at its own copy of the deadline or at Guard's reset, whichever lands first.
        var ended = $"id={expired.Str("id")} ended early";
        await Eventually.TrueAsync(() => fixture.Upstream.Stderr.Any(l => l.Contains(ended, StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "upstream stopped at the deadline");
    }

    [Fact]
    public async Task Client_cancellation_propagates_to_the_upstream()
    {
        // The client cancels 300 ms after the upstream started the call (it waits for the model's started file).
        var cancel = await Check("cancel", "--delay-ms", "5000", "--after-ms", "300");
        var ended = $"id={cancel.Str("id")} ended early (cancelled)";
        await Eventually.TrueAsync(() => fixture.Upstream.Stderr.Any(l => l.Contains(ended, StringComparison.Ordinal)), TimeSpan.FromSeconds(5), "upstream saw the cancellation");
    }

    [Fact]
    public async Task Large_tensor_of_32_MiB_round_trips_intact()
    {
        await Check("infer-echo", "--mb", "32");
    }

    [Fact]
    public async Task Gzip_compressed_requests_and_responses_round_trip()
    {
        await Check("infer-echo", "--mb", "4", "--gzip", "--compressible");
    }

    [Fact]
    public async Task Three_hundred_concurrent_streams_on_one_channel_succeed()
    {
        var result = await Check("concurrent", "--streams", "300");
        Assert.Equal(300, result.Json.GetProperty("succeeded").GetInt32());
    }

    [Fact]
    public async Task Bidi_ModelStreamInfer_answers_each_request_in_order_with_in_stream_errors()
    {
        await Check("stream", "--count", "12");
        await Check("stream", "--count", "40", "--batch");
    }

    [Fact]
    public async Task Health_Check_and_Watch_report_serving()
    {
        await Check("health");
        await Check("health", "--service", "inference.GRPCInferenceService");
        await Check("health", "--service", "no.such.Service", "--expect-code", "NOT_FOUND");
        await Check("health-watch", "--service", "", "--expect-first", "SERVING");
    }

    [Fact]
    public async Task Custom_and_binary_metadata_reach_the_upstream_and_transport_headers_do_not()
    {
        var result = await Check("metadata", "--md", "x-tenant=acme", "x-trace-bin=00ff10", "--expect-present", "x-tenant", "x-trace-bin", "--expect-absent", "te", "grpc-timeout", "content-type");
        Assert.Contains("00ff10", result.Raw, StringComparison.Ordinal);
    }
}
