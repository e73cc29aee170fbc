using System.Text;
using System.Text.Json;
using Guard.AuditLog.Tests.Support;

namespace Guard.AuditLog.Tests;

public sealed class ExportTests
{
    private static readonly byte[] Raw = [1, 2, 3, 4, 5, 6, 7, 8];

    private static BlockedQuery[] Rows() =>
    [
        Entries.Sample(1) with { Id = 1, MatchedQueryIds = ["req-0", "req--1"], ClientId = "a,b \"c\"\nd", Snapshot = TensorSnapshotCodec.TryCreate("UINT8", [2, 4], Raw) },
        Entries.Sample(2) with { Id = 2, ClientId = "=HYPERLINK(\"x\")", Model = " padded ", Score = -0.25 },
    ];

    [Fact]
    public async Task Csv_quotes_per_rfc4180_and_defuses_formulas()
    {
        using var stream = new MemoryStream();
        await BlockedQueryExport.WriteCsvAsync(Rows().ToAsyncEnumerable(), stream);
        var text = Encoding.UTF8.GetString(stream.ToArray());
        var lines = text.Split("\r\n");

        Assert.StartsWith("id,time_utc,request_id,client_id,", lines[0], StringComparison.Ordinal);
        Assert.Contains(",\"a,b \"\"c\"\"\nd\",", text, StringComparison.Ordinal);
        Assert.Contains(",\"'=HYPERLINK(\"\"x\"\")\",", text, StringComparison.Ordinal);
        Assert.Contains(",\" padded \",", text, StringComparison.Ordinal);
        Assert.Contains(",-0.25,", text, StringComparison.Ordinal);
        Assert.Contains(",UINT8,2x4,br,8", text, StringComparison.Ordinal);
        Assert.False(stream.ToArray().AsSpan().StartsWith(Encoding.UTF8.Preamble));
    }

    [Fact]
    public async Task Json_holds_every_field_and_the_snapshot_bytes()
    {
        using var stream = new MemoryStream();
        await BlockedQueryExport.WriteJsonAsync(Rows().ToAsyncEnumerable(), stream);
        using var document = JsonDocument.Parse(stream.ToArray());

        var first = document.RootElement[0];
        Assert.Equal(2, document.RootElement.GetArrayLength());
        Assert.Equal("a,b \"c\"\nd", first.GetProperty("clientId").GetString());
        Assert.Equal("silentReject", first.GetProperty("action").GetString());
        Assert.Equal(["req-0", "req--1"], first.GetProperty("matchedQueryIds").EnumerateArray().Select(e => e.GetString()));
        var snapshot = first.GetProperty("snapshot");
        var restored = new TensorSnapshot("UINT8", [2, 4], SnapshotEncoding.Brotli, 8, snapshot.GetProperty("data").GetBytesFromBase64());
        Assert.Equal(Raw, TensorSnapshotCodec.Decompress(restored));
        Assert.Equal(JsonValueKind.Null, document.RootElement[1].GetProperty("snapshot").ValueKind);
    }

    [Fact]
    public void Snapshots_over_the_cap_are_left_out()
    {
        var noise = new byte[4096];
        new Random(3).NextBytes(noise);

        Assert.Null(TensorSnapshotCodec.TryCreate("UINT8", [4096], noise, maxCompressedBytes: 1024));
        Assert.NotNull(TensorSnapshotCodec.TryCreate("UINT8", [4096], new byte[4096], maxCompressedBytes: 1024));
    }
}
