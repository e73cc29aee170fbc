using System.Security.Cryptography;
using System.Text;
using Guard.Admin.Security;


namespace Guard.Admin.Tests.Security;

public sealed class SecurityTests
{
    private static string Sha256(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static readonly AdminUserOptions[] Users =
    [
        new() { Name = "alice", Role = "admin", TokenSha256 = Sha256("alice-token") },
        new() { Name = "bob", Role = "reviewer", TokenSha256 = Sha256("bob-token") },
    ];

    [Fact]
    public void Tokens_map_to_their_user_and_role_and_nothing_else_does()
    {
        var authenticator = new TokenAuthenticator(Users);
        Assert.Equal(new AdminPrincipal("alice", AdminRole.Admin, "token"), authenticator.Authenticate("alice-token"));
        Assert.Equal(AdminRole.Reviewer, authenticator.Authenticate("bob-token")!.Role);
        Assert.Null(authenticator.Authenticate("alice-token "));
        Assert.Null(authenticator.Authenticate(Sha256("alice-token")));
        Assert.Null(authenticator.Authenticate(""));
        Assert.Null(authenticator.Authenticate(new string('x', 10_000)));
    }

    [Fact]
    public void Roles_order_admin_above_reviewer()
    {
        var reviewer = new AdminPrincipal("bob", AdminRole.Reviewer, "token");
        var admin = reviewer with { Role = AdminRole.Admin };
        Assert.True(reviewer.Can(AdminRole.Reviewer));
        Assert.False(reviewer.Can(AdminRole.Admin));
        Assert.True(admin.Can(AdminRole.Reviewer));
        Assert.False(AdminRoles.TryParse("root", out _));
    }

    [Fact]
    public void Sessions_end_after_the_idle_timeout_or_the_lifetime()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-22T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var store = new SessionStore(TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), time);
        var principal = new AdminPrincipal("alice", AdminRole.Admin, "token");
        var session = store.Create(principal);
        Assert.NotEqual(session.Id, session.CsrfToken);
        Assert.True(session.Id.Length >= 40);
        Assert.Equal("session", session.Principal.Method);

        // Activity keeps it alive up to the lifetime.
        for (var i = 0; i < 3; i++)
        {
            time.Advance(TimeSpan.FromMinutes(29));
            Assert.NotNull(store.Find(session.Id));
        }

        time.Advance(TimeSpan.FromMinutes(40));
        Assert.Null(store.Find(session.Id));

        var idle = store.Create(principal);
        time.Advance(TimeSpan.FromMinutes(30));
        Assert.Null(store.Find(idle.Id));

        var lived = store.Create(principal);
        for (var i = 0; i < 5; i++)
        {
            time.Advance(TimeSpan.FromMinutes(25));
            store.Find(lived.Id);
        }

        Assert.Null(store.Find(lived.Id));
        Assert.Null(store.Find(null));
        Assert.Null(store.Find("forged"));
    }

    [Fact]
    public void Failed_logins_are_throttled_per_address_in_a_sliding_minute()
    {
        var time = new FakeTimeProvider();
        var throttle = new LoginThrottle(3, time);
        for (var i = 0; i < 3; i++)
        {
            Assert.True(throttle.MayTry("10.0.0.1", out _));
            throttle.RecordFailure("10.0.0.1");
            time.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.False(throttle.MayTry("10.0.0.1", out var wait));
        Assert.Equal(TimeSpan.FromSeconds(30), wait);
        Assert.True(throttle.MayTry("10.0.0.2", out _));
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(throttle.MayTry("10.0.0.1", out _));
    }
}
