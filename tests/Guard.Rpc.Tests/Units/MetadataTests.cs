using Guard.Rpc.Internal;
using Microsoft.AspNetCore.Http;

namespace Guard.Rpc.Tests.Units;

public class MetadataTests
{
    [Fact]
    public void Keys_are_lower_cased()
    {
        var metadata = new Metadata { { "X-Request-ID", "abc" } };

        Assert.Equal("x-request-id", metadata[0].Key);
        Assert.Equal("abc", metadata.GetValue("x-request-id"));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("x-custom_key.v2")]
    [InlineData("0123456789")]
    public void Valid_keys_are_accepted(string key)
    {
        var entry = Metadata.Entry.FromString(key, "v");
        Assert.Equal(key, entry.Key);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData(":path")]
    [InlineData("a/b")]
    [InlineData("a=b")]
    [InlineData("clé")]
    [InlineData("tab\tkey")]
    public void Invalid_keys_are_rejected(string key)
    {
        Assert.ThrowsAny<ArgumentException>(() => Metadata.Entry.FromString(key, "v"));
        Assert.ThrowsAny<ArgumentException>(() => Metadata.Entry.FromBytes(key, [1]));
        if (key.Length > 0)
        {
            Assert.ThrowsAny<ArgumentException>(() => Metadata.Entry.FromBytes(key + "-bin", [1]));
        }
    }

    [Theory]
    [InlineData("line\nbreak")]
    [InlineData("tab\there")]
    [InlineData("é")]
    [InlineData("\u007F")]
    public void String_values_must_be_printable_ascii(string value)
    {
        Assert.Throws<ArgumentException>(() => Metadata.Entry.FromString("k", value));
    }

    [Fact]
    public void A_bin_key_needs_a_binary_value_and_a_binary_value_needs_a_bin_key()
    {
        Assert.Throws<ArgumentException>(() => Metadata.Entry.FromString("trace-bin", "text"));
        Assert.Throws<ArgumentException>(() => Metadata.Entry.FromString("Trace-BIN", "text"));
        Assert.Throws<ArgumentException>(() => Metadata.Entry.FromBytes("trace", [1, 2]));

        var entry = Metadata.Entry.FromBytes("Trace-Bin", [1, 2]);
        Assert.True(entry.IsBinary);
        Assert.Equal("trace-bin", entry.Key);
    }

    [Theory]
    [InlineData(new byte[0], "")]
    [InlineData(new byte[] { 0xFF }, "/w")]
    [InlineData(new byte[] { 0xFF, 0xFE }, "//4")]
    [InlineData(new byte[] { 0xFF, 0xFE, 0xFD }, "//79")]
    [InlineData(new byte[] { 0, 1, 2, 3 }, "AAECAw")]
    public void Binary_values_travel_as_unpadded_base64(byte[] value, string header)
    {
        var entry = Metadata.Entry.FromBytes("x-bin", value);

        Assert.Equal(header, entry.ToHeaderValue());
        Assert.True(MetadataConverter.TryDecodeBase64(header, out var decoded));
        Assert.Equal(value, decoded);
    }

    [Theory]
    [InlineData("/w==", new byte[] { 0xFF })]
    [InlineData("//4=", new byte[] { 0xFF, 0xFE })]
    [InlineData("AAECAw==", new byte[] { 0, 1, 2, 3 })]
    public void Padded_base64_is_accepted_too(string header, byte[] value)
    {
        Assert.True(MetadataConverter.TryDecodeBase64(header, out var decoded));
        Assert.Equal(value, decoded);
    }

    [Theory]
    [InlineData("A")]
    [InlineData("!!!!")]
    [InlineData("AAECA")]
    public void Invalid_base64_is_refused(string header)
    {
        Assert.False(MetadataConverter.TryDecodeBase64(header, out _));
    }

    [Fact]
    public void Get_returns_the_last_value_of_the_right_kind()
    {
        var metadata = new Metadata
        {
            { "k", "first" },
            { "k", "second" },
            { "k-bin", new byte[] { 1 } },
            { "k-bin", new byte[] { 2 } },
        };

        Assert.Equal("second", metadata.GetValue("k"));
        Assert.Equal(new byte[] { 2 }, metadata.GetBytes("k-bin"));
        Assert.Null(metadata.GetValue("k-bin"));
        Assert.Null(metadata.GetBytes("k"));
        Assert.Null(metadata.GetValue("missing"));
    }

    [Fact]
    public void Headers_to_metadata_skips_reserved_names_and_decodes_binary_values()
    {
        var headers = new HeaderDictionary
        {
            ["content-type"] = "application/grpc",
            ["te"] = "trailers",
            ["grpc-timeout"] = "1S",
            ["grpc-status"] = "0",
            ["user-agent"] = "x",
            ["grpc-trace-bin"] = "AQI",
            ["X-Custom"] = "value",
            ["multi-bin"] = "AQ, Ag==,AwQ",
            ["broken-bin"] = "!!!",
            ["bad-text"] = "caf\u00e9",
        };

        var metadata = MetadataConverter.FromHeaders(headers);

        Assert.Equal(
            ["grpc-trace-bin", "x-custom", "multi-bin", "multi-bin", "multi-bin"],
            metadata.Select(e => e.Key).ToArray());
        Assert.Equal(new byte[] { 1, 2 }, metadata.GetBytes("grpc-trace-bin"));
        Assert.Equal("value", metadata.GetValue("x-custom"));
        Assert.Equal(
            [[1], [2], [3, 4]],
            metadata.Where(e => e.Key == "multi-bin").Select(e => e.ValueBytes!).ToArray());
    }

    [Theory]
    [InlineData("grpc-status", true)]
    [InlineData("Grpc-Message", true)]
    [InlineData("grpc-custom", true)]
    [InlineData(":authority", true)]
    [InlineData("content-type", true)]
    [InlineData("te", true)]
    [InlineData("grpc-trace-bin", false)]
    [InlineData("grpc-tags-bin", false)]
    [InlineData("x-grpc-thing", false)]
    [InlineData("authorization", false)]
    public void Reserved_headers_are_recognised(string name, bool reserved)
    {
        Assert.Equal(reserved, GrpcHeaders.IsReserved(name));
    }

    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("application/grpc; charset=utf-8", true)]
    [InlineData("APPLICATION/GRPC", true)]
    [InlineData("application/grpc-web", false)]
    [InlineData("application/grpcx", false)]
    [InlineData("application/json", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Grpc_content_types_are_recognised(string? contentType, bool expected)
    {
        Assert.Equal(expected, GrpcHeaders.IsGrpcContentType(contentType));
    }
}
