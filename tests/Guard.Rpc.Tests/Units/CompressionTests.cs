using System.IO.Compression;
using Guard.Rpc.Compression;
using Guard.Rpc.Tests.Support;

namespace Guard.Rpc.Tests.Units;

public class CompressionTests
{
    public static TheoryData<string> Encodings => new() { "gzip", "deflate" };

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Compress_then_decompress_round_trips(string encoding)
    {
        Assert.True(CompressionProviders.Default.TryGet(encoding, out var provider));
        foreach (var payload in new[] { [], TestMethods.Pattern(1), TestMethods.Pattern(100_000), new byte[1_000_000] })
        {
            var compressed = CompressionProviders.Default.Compress(provider, payload);
            var restored = CompressionProviders.Decompress(provider, compressed, payload.Length);

            Assert.Equal(payload, restored);
        }
    }

    [Fact]
    public void Gzip_is_gzip_and_deflate_is_zlib_as_grpc_defines_them()
    {
        var data = new byte[1000];
        Assert.True(CompressionProviders.Default.TryGet("GZIP", out var gzip));
        Assert.True(CompressionProviders.Default.TryGet("deflate", out var deflate));

        var gz = CompressionProviders.Default.Compress(gzip, data);
        var zl = CompressionProviders.Default.Compress(deflate, data);

        Assert.Equal(new byte[] { 0x1F, 0x8B }, gz[..2]);
        Assert.Equal(0x78, zl[0]);
        Assert.Equal(0, ((zl[0] << 8) | zl[1]) % 31); // zlib header check bits
    }

    [Fact]
    public void Accept_encoding_lists_identity_and_every_provider()
    {
        Assert.Equal("identity,gzip,deflate", CompressionProviders.Default.AcceptEncodingHeader);
        Assert.False(CompressionProviders.Default.TryGet("br", out _));
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void A_decompression_bomb_is_resource_exhausted(string encoding)
    {
        Assert.True(CompressionProviders.Default.TryGet(encoding, out var provider));
        var bomb = CompressionProviders.Default.Compress(provider, new byte[10 * 1024 * 1024]);
        Assert.True(bomb.Length < 1024 * 1024);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<RpcException>(() => CompressionProviders.Decompress(provider, bomb, 1024 * 1024));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.True(allocated < 8 * 1024 * 1024, $"allocated {allocated} bytes while refusing a 1 MiB limit");
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Output_exactly_at_the_limit_is_accepted(string encoding)
    {
        Assert.True(CompressionProviders.Default.TryGet(encoding, out var provider));
        var compressed = CompressionProviders.Default.Compress(provider, new byte[4096]);

        Assert.Equal(4096, CompressionProviders.Decompress(provider, compressed, 4096).Length);
        Assert.Equal(StatusCode.ResourceExhausted, Assert.Throws<RpcException>(() => CompressionProviders.Decompress(provider, compressed, 4095)).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Garbage_is_internal(string encoding)
    {
        Assert.True(CompressionProviders.Default.TryGet(encoding, out var provider));

        var ex = Assert.Throws<RpcException>(() => CompressionProviders.Decompress(provider, TestMethods.Pattern(200), 1024));
        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    // Bug: .NET's GZipStream/ZLibStream report a clean end of stream when their input runs out mid-stream, and
    // Decompress does not check that the compressed stream really ended, so a truncated message (even a single
    // byte) is accepted as a shorter or empty message instead of failing the call.
    [Theory]
    [MemberData(nameof(Encodings))]
    public void Truncated_compressed_data_is_internal(string encoding)
    {
        Assert.True(CompressionProviders.Default.TryGet(encoding, out var provider));
        var compressed = CompressionProviders.Default.Compress(provider, TestMethods.Pattern(50_000));

        foreach (var cut in new[] { 1, compressed.Length / 2, compressed.Length - 12 })
        {
            var ex = Assert.Throws<RpcException>(() => CompressionProviders.Decompress(provider, compressed.AsMemory(0, cut), 1024 * 1024));
            Assert.Equal(StatusCode.Internal, ex.StatusCode);
        }
    }

    [Fact]
    public void Compression_level_is_applied()
    {
        var fastest = new CompressionProviders([new GzipCompressionProvider()], CompressionLevel.NoCompression);
        Assert.True(fastest.TryGet("gzip", out var gzip));
        var data = new byte[100_000];

        Assert.True(fastest.Compress(gzip, data).Length > data.Length);
        Assert.True(CompressionProviders.Default.Compress(gzip, data).Length < data.Length / 10);
    }
}
