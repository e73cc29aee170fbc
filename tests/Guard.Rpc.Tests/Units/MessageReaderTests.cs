using System.IO.Compression;
using System.IO.Pipelines;
using Guard.Rpc.Compression;
using Guard.Rpc.Internal;
using Guard.Rpc.Tests.Support;

namespace Guard.Rpc.Tests.Units;

public class MessageReaderTests
{
    private const int Max = 1024 * 1024;

    // Inline schedulers: a write runs the waiting reader's continuation before it returns, so after each
    // write we know exactly how far the reader has got. No back-pressure: a test may write a large frame
    // before it starts reading.
    private static Pipe NewPipe() => new(new PipeOptions(
        readerScheduler: PipeScheduler.Inline,
        writerScheduler: PipeScheduler.Inline,
        pauseWriterThreshold: 0,
        resumeWriterThreshold: 0,
        useSynchronizationContext: false));

    [Fact]
    public async Task A_message_split_across_one_byte_writes_completes_only_with_its_last_byte()
    {
        var pipe = NewPipe();
        var reader = new MessageReader(pipe.Reader, Max, null, "client");
        var payload = TestMethods.Pattern(300);
        var frame = RawGrpc.Frame(payload);

        var pending = reader.ReadAsync(CancellationToken.None).AsTask();
        for (var i = 0; i < frame.Length; i++)
        {
            Assert.False(pending.IsCompleted, $"completed after {i} of {frame.Length} bytes");
            await pipe.Writer.WriteAsync(frame.AsMemory(i, 1));
        }

        var message = await pending.Within();
        Assert.Equal(payload, message!.Value.ToArray());
    }

    [Fact]
    public async Task Many_messages_split_at_odd_boundaries_all_arrive_intact()
    {
        var pipe = NewPipe();
        var reader = new MessageReader(pipe.Reader, Max, null, "client");
        var payloads = Enumerable.Range(0, 20).Select(i => TestMethods.Pattern(i * 37, seed: i)).ToArray();
        var stream = payloads.SelectMany(p => RawGrpc.Frame(p)).ToArray();

        var readAll = Task.Run(async () =>
        {
            var received = new List<byte[]>();
            while (await reader.ReadAsync(CancellationToken.None) is { } m)
            {
                received.Add(m.ToArray());
            }

            return received;
        });

        var rng = new Random(7);
        for (var offset = 0; offset < stream.Length;)
        {
            var n = Math.Min(rng.Next(1, 4), stream.Length - offset);
            await pipe.Writer.WriteAsync(stream.AsMemory(offset, n));
            offset += n;
        }

        await pipe.Writer.CompleteAsync();
        var all = await readAll.Within();
        Assert.Equal(payloads.Length, all.Count);
        for (var i = 0; i < payloads.Length; i++)
        {
            Assert.Equal(payloads[i], all[i]);
        }
    }

    [Fact]
    public async Task Two_messages_in_one_write_are_read_one_at_a_time_then_end_of_stream()
    {
        var pipe = NewPipe();
        var reader = new MessageReader(pipe.Reader, Max, null, "client");
        await pipe.Writer.WriteAsync(RawGrpc.Frame("one"u8).Concat(RawGrpc.Frame("two!"u8)).ToArray());
        await pipe.Writer.CompleteAsync();

        Assert.Equal("one"u8.ToArray(), (await reader.ReadAsync(CancellationToken.None))!.Value.ToArray());
        Assert.Equal("two!"u8.ToArray(), (await reader.ReadAsync(CancellationToken.None))!.Value.ToArray());
        Assert.Null(await reader.ReadAsync(CancellationToken.None));
    }

    [Fact]
    public async Task An_empty_message_is_a_message_not_the_end()
    {
        var pipe = NewPipe();
        var reader = new MessageReader(pipe.Reader, Max, null, "client");
        await pipe.Writer.WriteAsync(RawGrpc.Frame([]));
        await pipe.Writer.CompleteAsync();

        var message = await reader.ReadAsync(CancellationToken.None);
        Assert.NotNull(message);
        Assert.Equal(0, message.Value.Length);
        Assert.Null(await reader.ReadAsync(CancellationToken.None));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task A_stream_ending_inside_a_header_is_internal(int headerBytes)
    {
        var pipe = NewPipe();
        var reader = new MessageReader(pipe.Reader, Max, null, "client");
        await pipe.Writer.WriteAsync(RawGrpc.Header(10).AsMemory(0, headerBytes));
        await pipe.Writer.CompleteAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await reader.ReadAsync(CancellationToken.None));
        Assert.Equal(StatusCode.Internal, ex.StatusCode);
        Assert.Contains("Incomplete message", ex.Status.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(9)]
    public async Task A_stream_ending_inside_a_payload_is_internal(int payloadBytes)
    {
        var pipe = NewPipe();
        var reader = new MessageReader(pipe.Reader, Max, null, "client");
        await pipe.Writer.WriteAsync(RawGrpc.Frame(new byte[10]).AsMemory(0, 5 + payloadBytes));
        await pipe.Writer.CompleteAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await reader.ReadAsync(CancellationToken.None));
        Assert.Equal(StatusCode.Internal, ex.StatusCode);
        Assert.Contains("Incomplete message", ex.Status.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Max + 1u)]
    [InlineData(0x80000000u)]
    [InlineData(0xFFFFFFFFu)]
    public async Task A_declared_length_over_the_limit_is_resource_exhausted_before_any_payload_arrives(uint length)
    {
        var pipe = NewPipe();
        var reader = new MessageReader(pipe.Reader, Max, null, "client");
        await pipe.Writer.WriteAsync(RawGrpc.Header(length));

        // The writer stays open and sends no payload: the reader must decide from the header alone.
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await reader.ReadAsync(CancellationToken.None).AsTask().Within());
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task A_message_exactly_at_the_limit_is_accepted()
    {
        var pipe = NewPipe();
        var reader = new MessageReader(pipe.Reader, 1000, null, "client");
        await pipe.Writer.WriteAsync(RawGrpc.Frame(new byte[1000]));

        var message = await reader.ReadAsync(CancellationToken.None).AsTask().Within();
        Assert.Equal(1000, message!.Value.Length);
    }

    [Fact]
    public async Task A_compressed_flag_without_a_negotiated_encoding_is_internal()
    {
        var pipe = NewPipe();
        var reader = new MessageReader(pipe.Reader, Max, null, "client");
        await pipe.Writer.WriteAsync(RawGrpc.Frame("abc"u8, flag: 1));

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await reader.ReadAsync(CancellationToken.None).AsTask().Within());
        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(0xFF)]
    public async Task A_flag_value_other_than_zero_or_one_is_internal(byte flag)
    {
        var pipe = NewPipe();
        var reader = new MessageReader(pipe.Reader, Max, null, "client");
        await pipe.Writer.WriteAsync(RawGrpc.Frame("abc"u8, flag));

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await reader.ReadAsync(CancellationToken.None).AsTask().Within());
        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    [Fact]
    public async Task A_compressed_message_is_decompressed_with_the_negotiated_encoding()
    {
        var pipe = NewPipe();
        var gzip = new GzipCompressionProvider();
        var reader = new MessageReader(pipe.Reader, Max, gzip, "client");
        var payload = TestMethods.Pattern(10_000);
        var compressed = CompressionProviders.Default.Compress(gzip, payload);
        await pipe.Writer.WriteAsync(RawGrpc.Frame(compressed, flag: 1).Concat(RawGrpc.Frame("plain"u8)).ToArray());
        await pipe.Writer.CompleteAsync();

        Assert.Equal(payload, (await reader.ReadAsync(CancellationToken.None))!.Value.ToArray());
        Assert.Equal("plain"u8.ToArray(), (await reader.ReadAsync(CancellationToken.None))!.Value.ToArray());
        Assert.Null(await reader.ReadAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_compressed_message_that_inflates_past_the_limit_is_resource_exhausted()
    {
        var pipe = NewPipe();
        var gzip = new GzipCompressionProvider();
        var reader = new MessageReader(pipe.Reader, Max, gzip, "client");
        var bomb = CompressionProviders.Default.Compress(gzip, new byte[10 * 1024 * 1024]);
        Assert.True(bomb.Length < Max);
        await pipe.Writer.WriteAsync(RawGrpc.Frame(bomb, flag: 1));

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await reader.ReadAsync(CancellationToken.None).AsTask().Within());
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task Cancellation_while_waiting_for_a_payload_is_reported()
    {
        var pipe = NewPipe();
        var reader = new MessageReader(pipe.Reader, Max, null, "client");
        using var cts = new CancellationTokenSource();
        await pipe.Writer.WriteAsync(RawGrpc.Header(100));

        var pending = reader.ReadAsync(cts.Token).AsTask();
        Assert.False(pending.IsCompleted);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.Within());
    }

    // Hardening: the reader allocates the whole declared length as soon as it sees a header, before any of
    // the payload has arrived. A peer can declare a message just under the limit (64 MiB by default) on each
    // of many streams and send nothing more, making the server allocate gigabytes for a few hundred bytes.
    [Fact]
    public async Task A_declared_length_is_not_allocated_before_the_payload_arrives()
    {
        const int declared = 48 * 1024 * 1024;
        var pipe = NewPipe();
        var reader = new MessageReader(pipe.Reader, 64 * 1024 * 1024, null, "client");
        await pipe.Writer.WriteAsync(RawGrpc.Header(declared).Concat(new byte[1000]).ToArray());

        // The header and 1000 bytes are already in the pipe, so everything up to the wait for more payload
        // runs synchronously on this thread.
        var before = GC.GetAllocatedBytesForCurrentThread();
        var pending = reader.ReadAsync(CancellationToken.None).AsTask();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.False(pending.IsCompleted);
        await pipe.Writer.CompleteAsync();
        await Assert.ThrowsAsync<RpcException>(() => pending.Within());
        Assert.True(allocated < 8 * 1024 * 1024, $"allocated {allocated} bytes for 1005 bytes received");
    }
}
