namespace Guard.Rpc.Tests.Units;

public class GrpcMessageEncodingTests
{
    [Theory]
    [InlineData("")]
    [InlineData("hello world")]
    [InlineData(" !\"#$&'()*+,-./0123456789:;<=>?@AZ[\\]^_`az{|}~")]
    public void Printable_ascii_other_than_percent_is_sent_as_is(string message)
    {
        Assert.Equal(message, GrpcMessageEncoding.Encode(message));
        Assert.Equal(message, GrpcMessageEncoding.Decode(message));
    }

    [Theory]
    [InlineData("%", "%25")]
    [InlineData("100% sure", "100%25 sure")]
    [InlineData("%41", "%2541")]
    public void Percent_is_itself_escaped(string message, string encoded)
    {
        Assert.Equal(encoded, GrpcMessageEncoding.Encode(message));
        Assert.Equal(message, GrpcMessageEncoding.Decode(encoded));
    }

    [Theory]
    [InlineData("é", "%C3%A9")]
    [InlineData("日本", "%E6%97%A5%E6%9C%AC")]
    [InlineData("😀", "%F0%9F%98%80")]
    [InlineData("a\tb\r\nc\0", "a%09b%0D%0Ac%00")]
    [InlineData("\u007F", "%7F")]
    public void Non_printable_and_non_ascii_become_utf8_percent_escapes(string message, string encoded)
    {
        Assert.Equal(encoded, GrpcMessageEncoding.Encode(message));
        Assert.Equal(message, GrpcMessageEncoding.Decode(encoded));
    }

    [Fact]
    public void Encoded_text_is_always_printable_ascii_and_round_trips()
    {
        const string message = "résumé ✓ 日本語 😀 100% done\t\n\u0001 ~end";
        var encoded = GrpcMessageEncoding.Encode(message);

        Assert.All(encoded, c => Assert.InRange(c, ' ', '~'));
        Assert.Equal(message, GrpcMessageEncoding.Decode(encoded));
    }

    [Fact]
    public void Lower_case_hex_escapes_decode()
    {
        Assert.Equal("é", GrpcMessageEncoding.Decode("%c3%a9"));
    }

    [Theory]
    [InlineData("%")]
    [InlineData("%4")]
    [InlineData("abc%")]
    [InlineData("abc%4")]
    [InlineData("%zz")]
    [InlineData("%G1")]
    [InlineData("%1G")]
    [InlineData("% 1")]
    [InlineData("50%-60%")]
    public void Malformed_escapes_are_kept_verbatim(string encoded)
    {
        Assert.Equal(encoded, GrpcMessageEncoding.Decode(encoded));
    }

    [Theory]
    [InlineData("%%41", "%A")]
    [InlineData("%4%41", "%4A")]
    [InlineData("a%2", "a%2")]
    [InlineData("%41%", "A%")]
    public void Malformed_and_valid_escapes_mix(string encoded, string expected)
    {
        Assert.Equal(expected, GrpcMessageEncoding.Decode(encoded));
    }

    [Fact]
    public void Decoding_null_gives_empty()
    {
        Assert.Equal("", GrpcMessageEncoding.Decode(null));
    }
}
