using Guard.Redis.Connections;
using Guard.Redis.Protocol;

namespace Guard.Redis.Tests.Units;

public class BlockingTimeoutTests
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(1);

    [Fact]
    public void Blocking_time_is_added_to_the_command_timeout()
    {
        Assert.Equal(TimeSpan.FromSeconds(6), For("BLPOP", "a", "b", 5));
        Assert.Equal(TimeSpan.FromSeconds(1.5), For("brpop", "a", "0.5"));
        Assert.Equal(TimeSpan.FromSeconds(3), For("BLMPOP", 2, 1, "k", "LEFT"));
        Assert.Equal(TimeSpan.FromMilliseconds(1250), For("XREAD", "COUNT", 1, "BLOCK", 250, "STREAMS", "s", "$"));
        Assert.Equal(TimeSpan.FromMilliseconds(1100), For("WAIT", 1, 100));
    }

    [Fact]
    public void Zero_blocks_forever_and_unknown_commands_get_the_command_timeout()
    {
        Assert.Equal(Timeout.InfiniteTimeSpan, For("BLPOP", "a", 0));
        Assert.Equal(Timeout.InfiniteTimeSpan, For("XREAD", "BLOCK", "0", "STREAMS", "s", "$"));
        Assert.Equal(CommandTimeout, For("GET", "k"));
        Assert.Equal(CommandTimeout, For("XREAD", "STREAMS", "s", "$"));
        Assert.Equal(CommandTimeout, For("BLPOP", "a", "soon"));
    }

    private static TimeSpan For(params object[] args) => BlockingTimeout.For(RedisCommand.Create(args), CommandTimeout);
}
