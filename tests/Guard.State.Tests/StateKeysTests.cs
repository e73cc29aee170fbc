namespace Guard.State.Tests;

public sealed class StateKeysTests
{
    private readonly StateKeys _keys = new("guard:");

    [Fact]
    public void Every_key_about_a_client_carries_the_same_hash_tag()
    {
        var bucket = new TokenBucketLimit("rps", LimitScope.ClientModel, 1, 1);
        var quota = new QuotaLimit("daily", LimitScope.Client, 1, TimeSpan.FromDays(1));

        Assert.Equal("guard:{c:alice}:ban", _keys.Ban("alice"));
        Assert.Equal("guard:{c:alice}:deny", _keys.List(ClientList.Deny, "alice"));
        Assert.Equal("guard:{c:alice}:tb:rps:fashion", _keys.Bucket(bucket, "alice", "fashion"));
        Assert.Equal("guard:{c:alice}:q:daily", _keys.Quota(quota, "alice", "fashion"));
        Assert.Equal("guard:{m:fashion}:tb:rps", _keys.Bucket(new TokenBucketLimit("rps", LimitScope.Model, 1, 1), "alice", "fashion"));
        Assert.Equal("guard:{k:x}", _keys.Value("x"));
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a}b", "a%7Db")]
    [InlineData("{x}:y", "%7Bx%7D%3Ay")]
    [InlineData("100%", "100%25")]
    [InlineData("tab\there", "tab%09here")]
    public void Names_are_escaped_so_they_cannot_end_a_hash_tag(string name, string escaped) =>
        Assert.Equal(escaped, StateKeys.Escape(name));

    [Fact]
    public void A_prefix_with_braces_is_refused() =>
        Assert.Throws<ArgumentException>(() => new StateKeys("{guard}:"));
}
