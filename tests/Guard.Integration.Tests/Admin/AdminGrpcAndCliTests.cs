using System.Text.Json.Nodes;
using Guard.Admin.Api;
using Guard.Admin.Protocol;
using Guard.Integration.Tests.Infrastructure;
using Guard.Rpc;
using Guard.Rpc.Client;

namespace Guard.Integration.Tests.Admin;

/// <summary>
/// guard.admin.v1.AdminService over our gRPC client and the CLI that uses it (`guard policy`, `guard logs`,
/// `guard bans`): bearer tokens decide the role, failures are gRPC statuses, changes are versioned like the console's.
/// </summary>
public sealed class AdminGrpcAndCliTests(AdminGuardFixture fixture) : IClassFixture<AdminGuardFixture>
{
    private AdminGuard Guard => fixture.Guard;

    private static CallOptions As(string? token)
    {
        var headers = new Metadata();
        if (token is not null)
        {
            headers.Add("authorization", $"Bearer {token}");
        }

        return new CallOptions(headers, DateTime.UtcNow.AddSeconds(30));
    }

    /// <summary>Each method of the service, called with a harmless request; true for the ones that change something.</summary>
    private static readonly (string Name, bool Changes, Func<GrpcChannel, CallOptions, Task> Call)[] Methods =
    [
        ("ListPolicies", false, (c, o) => c.UnaryAsync(AdminMethods.ListPolicies, new ListPoliciesRequest(), o)),
        ("GetPolicy", false, (c, o) => c.UnaryAsync(AdminMethods.GetPolicy, new GetPolicyRequest { Name = "guarded" }, o)),
        ("SetPolicy", true, (c, o) => c.UnaryAsync(AdminMethods.SetPolicy, new SetPolicyRequest { Name = "guarded", PolicyJson = "{}", Reason = "x" }, o)),
        ("GetPolicyHistory", false, (c, o) => c.UnaryAsync(AdminMethods.GetPolicyHistory, new GetPolicyHistoryRequest(), o)),
        ("RollbackPolicy", true, (c, o) => c.UnaryAsync(AdminMethods.RollbackPolicy, new RollbackPolicyRequest { Version = 999_999, Reason = "x" }, o)),
        ("ListBlockedQueries", false, (c, o) => c.UnaryAsync(AdminMethods.ListBlockedQueries, new ListBlockedQueriesRequest(), o)),
        ("GetBlockedQuery", false, (c, o) => c.UnaryAsync(AdminMethods.GetBlockedQuery, new GetBlockedQueryRequest { Id = 999_999 }, o)),
        ("ListBans", false, (c, o) => c.UnaryAsync(AdminMethods.ListBans, new ListBansRequest(), o)),
        ("BanClient", true, (c, o) => c.UnaryAsync(AdminMethods.BanClient, new BanClientRequest { Client = "", Reason = "" }, o)),
        ("UnbanClient", true, (c, o) => c.UnaryAsync(AdminMethods.UnbanClient, new UnbanClientRequest { Client = "nobody" }, o)),
    ];

    public static TheoryData<string> MethodNames => [.. Methods.Select(m => m.Name)];

    [Theory]
    [MemberData(nameof(MethodNames))]
    public async Task Every_method_refuses_anonymous_callers_and_reviewers_may_only_read(string name)
    {
        var (_, changes, call) = Methods.Single(m => m.Name == name);
        using var channel = new GrpcChannel(Guard.AdminGrpcUri, new GrpcChannelOptions());
        Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(() => call(channel, As(null)))).StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(() => call(channel, As("wrong")))).StatusCode);

        StatusCode? reviewer = null;
        try
        {
            await call(channel, As(AdminGuard.ReviewerToken));
        }
        catch (RpcException ex)
        {
            reviewer = ex.StatusCode;
        }

        if (changes)
        {
            Assert.Equal(StatusCode.PermissionDenied, reviewer);
        }
        else
        {
            // Reads are allowed: OK, or the call's own answer (an unknown id is NOT_FOUND).
            Assert.True(reviewer is null or StatusCode.NotFound, $"{name} as reviewer: {reviewer}");
        }
    }

    [Fact]
    public async Task Tokens_decide_what_a_caller_may_do()
    {
        using var channel = new GrpcChannel(Guard.AdminGrpcUri, new GrpcChannelOptions());
        var anonymous = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(AdminMethods.ListPolicies, new ListPoliciesRequest(), As(null)));
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);
        var wrong = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(AdminMethods.ListBans, new ListBansRequest(), As("nope")));
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);

        var list = (await channel.UnaryAsync(AdminMethods.ListPolicies, new ListPoliciesRequest(), As(AdminGuard.ReviewerToken))).Response;
        Assert.Equal("smoothed", list.ModelPolicies["fashion_cnn_s025"]);
        var policy = (await channel.UnaryAsync(AdminMethods.GetPolicy, new GetPolicyRequest { Name = "fashion_cnn" }, As(AdminGuard.ReviewerToken))).Response;
        Assert.Equal("guarded", policy.Name);

        var edited = JsonNode.Parse(policy.PolicyJson)!.AsObject();
        edited["knn"]!["k"] = 8;
        var set = new SetPolicyRequest { Name = "guarded", PolicyJson = edited.ToJsonString(), Reason = "fewer neighbours" };
        var denied = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(AdminMethods.SetPolicy, set, As(AdminGuard.ReviewerToken)));
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        var ban = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(AdminMethods.BanClient, new BanClientRequest { Client = "x", Reason = "y" }, As(AdminGuard.ReviewerToken)));
        Assert.Equal(StatusCode.PermissionDenied, ban.StatusCode);

        var done = (await channel.UnaryAsync(AdminMethods.SetPolicy, set, As(AdminGuard.AdminToken))).Response;
        Assert.Contains(done.Changes, c => c.Path == "knn.k" && c.To == "8");
        var invalid = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(AdminMethods.SetPolicy,
            new SetPolicyRequest { Name = "guarded", PolicyJson = "{\"knn\": {\"k\": \"many\"}}", Reason = "bad" }, As(AdminGuard.AdminToken)));
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.True(invalid.Status.Message.Contains("guarded:knn:k", StringComparison.OrdinalIgnoreCase), invalid.Status.Message);
        var stale = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(AdminMethods.SetPolicy, new SetPolicyRequest
        {
            Name = "guarded", PolicyJson = edited.ToJsonString(), Reason = "stale", BaseVersion = done.Version - 1 is > 0 and var v ? v : 1_000,
        }, As(AdminGuard.AdminToken)));
        Assert.Equal(StatusCode.Aborted, stale.StatusCode);
    }

    [Fact]
    public async Task The_cli_reads_changes_rolls_back_and_reviews_through_the_admin_service()
    {
        var environment = new Dictionary<string, string> { ["GUARD_ADMIN_ADDRESS"] = Guard.AdminGrpcUri.ToString(), ["GUARD_ADMIN_TOKEN"] = AdminGuard.AdminToken };
        async Task<GuardCli.Result> Cli(params string[] args) => await GuardCli.RunAsync(Path.GetDirectoryName(Guard.Server.ConfigPath)!, TimeSpan.FromSeconds(60), environment, args);

        var get = await Cli("policy", "get", "fashion_cnn_s025");
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.True(JsonNode.Parse(get.Stdout)!["smoothing"]!["enabled"]!.GetValue<bool>());
        Assert.Contains("policy smoothed", get.Stderr, StringComparison.Ordinal);

        var set = await Cli("policy", "set", "smoothed", "--set", "smoothing.minRadius=0.15", "--set", "smoothing.action=reject", "--reason", "from the CLI");
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Contains("smoothing.minRadius", set.Stdout, StringComparison.Ordinal);
        var version = long.Parse(set.Stdout.Split('\n')[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);

        var history = await Cli("policy", "history", "--limit", "3");
        Assert.True(history.ExitCode == 0, history.ToString());
        Assert.Contains("\"from the CLI\"", history.Stdout, StringComparison.Ordinal);
        Assert.Contains("alice (admin)", history.Stdout, StringComparison.Ordinal);

        var invalid = await Cli("policy", "set", "smoothed", "--set", "smoothing.alpha=7", "--reason", "bad");
        Assert.Equal(2, invalid.ExitCode);
        Assert.Contains("InvalidArgument", invalid.Stderr, StringComparison.Ordinal);

        var rollback = await Cli("policy", "rollback", (version - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), "--reason", "undo the CLI change");
        Assert.True(rollback.ExitCode == 0, rollback.ToString());
        var after = JsonNode.Parse((await Cli("policy", "get", "smoothed")).Stdout)!;
        Assert.NotEqual(0.15, after["smoothing"]!["minRadius"]!.GetValue<double>());

        var ban = await Cli("bans", "add", "key:cli-victim", "--for", "00:05:00", "--reason", "cli test");
        Assert.True(ban.ExitCode == 0, ban.ToString());
        Assert.Contains("key:cli-victim", (await Cli("bans", "list")).Stdout, StringComparison.Ordinal);
        Assert.Contains("unbanned", (await Cli("bans", "remove", "key:cli-victim")).Stdout, StringComparison.Ordinal);

        var logs = await Cli("logs", "--limit", "5");
        Assert.True(logs.ExitCode == 0, logs.ToString());

        // Reviewer tokens cannot change; no token is a clear error, and the token never appears in output.
        environment["GUARD_ADMIN_TOKEN"] = AdminGuard.ReviewerToken;
        var refused = await Cli("policy", "set", "smoothed", "--set", "smoothing.n=500", "--reason", "reviewer");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("PermissionDenied", refused.Stderr, StringComparison.Ordinal);
        environment.Remove("GUARD_ADMIN_TOKEN");
        var none = await Cli("policy", "list");
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("GUARD_ADMIN_TOKEN", none.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(AdminGuard.AdminToken, set.Stdout + set.Stderr + history.Stdout, StringComparison.Ordinal);
    }
}
