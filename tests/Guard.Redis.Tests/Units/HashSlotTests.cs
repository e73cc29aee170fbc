using System.Text;
using Guard.Redis.Cluster;

namespace Guard.Redis.Tests.Units;

public class HashSlotTests
{
    [Fact]
    public void Crc16_is_xmodem()
    {
        Assert.Equal(0x31C3, HashSlot.Crc16("123456789"u8));
        Assert.Equal(0, HashSlot.Crc16([]));
    }

    [Theory]
    [InlineData("foo", 12182)]
    [InlineData("bar", 5061)]
    [InlineData("hello", 866)]
    [InlineData("123456789", 0x31C3 & 16383)]
    [InlineData("{user1}:a", 8106)]
    [InlineData("", 0)]
    public void Slot_matches_redis(string key, int slot) => Assert.Equal(slot, HashSlot.Of(key));

    [Theory]
    [InlineData("{user1}:a", "user1")]
    [InlineData("x{user1}y{z}", "user1")]
    [InlineData("{}user1", "{}user1")]
    [InlineData("foo{}{bar}", "foo{}{bar}")]
    [InlineData("foo{{bar}}zap", "{bar")]
    [InlineData("foo{bar}{zap}", "bar")]
    [InlineData("no-tag{", "no-tag{")]
    public void Hash_tags_follow_the_cluster_spec(string key, string hashed) =>
        Assert.Equal(hashed, Encoding.UTF8.GetString(HashSlot.HashedPart(Encoding.UTF8.GetBytes(key))));

    [Fact]
    public void Keys_with_one_tag_share_a_slot()
    {
        Assert.Equal(HashSlot.Of("{user1}:a"), HashSlot.Of("{user1}:b"));
        Assert.Equal(HashSlot.Of("user1"), HashSlot.Of("{user1}:b"));
    }

    [Theory]
    [InlineData("127.0.0.1:7000", "127.0.0.1", 7000)]
    [InlineData("redis.local", "redis.local", 6379)]
    [InlineData("[::1]:6380", "::1", 6380)]
    [InlineData("::1:6380", "::1", 6380)]
    [InlineData(":7001", "", 7001)]
    public void Endpoints_parse(string text, string host, int port) => Assert.Equal(new RedisEndPoint(host, port), RedisEndPoint.Parse(text));
}
