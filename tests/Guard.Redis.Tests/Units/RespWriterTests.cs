using System.Buffers;
using System.Text;
using Guard.Redis.Protocol;

namespace Guard.Redis.Tests.Units;

public class RespWriterTests
{
    [Fact]
    public void Writes_an_array_of_bulk_strings_in_invariant_culture()
    {
        object[] args = ["SET", "ké", new byte[] { 0, 255 }, 42, -7L, 1.5, double.PositiveInfinity];
        var command = RedisCommand.Create(args);
        var output = new ArrayBufferWriter<byte>();
        RespWriter.Write(output, command.Args, command.Size);

        Assert.Equal(command.Size, output.WrittenCount);
        var expected = "*7\r\n$3\r\nSET\r\n$3\r\nk\u00c3\u00a9\r\n$2\r\n\0\u00ff\r\n$2\r\n42\r\n$2\r\n-7\r\n$3\r\n1.5\r\n$4\r\n+inf\r\n";
        Assert.Equal(expected, Encoding.Latin1.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Rejects_unsupported_arguments_before_writing()
    {
        Assert.Throws<ArgumentException>(() => RedisCommand.Create(["SET", "k", new object()]));
        Assert.Throws<ArgumentException>(() => RedisCommand.Create(["SET", "k", null!]));
        Assert.Throws<ArgumentException>(() => RedisCommand.Create(["SET", "k", double.NaN]));
        Assert.Throws<ArgumentException>(() => RedisCommand.Create([]));
    }
}
