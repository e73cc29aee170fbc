using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Guard.Integration.Tests.Embedded;
using Guard.Integration.Tests.Infrastructure;
using Guard.Protocol.Inference;
using Guard.Rpc;
using Guard.Rpc.Client;
using Guard.TestSupport;

namespace Guard.Integration.Tests.Admin;

public sealed class AdminGuardFixture : IAsyncLifetime
{
    public AdminGuard Guard { get; private set; } = null!;

    public async Task InitializeAsync() => Guard = await AdminGuard.StartAsync();

    public async Task DisposeAsync() => await Guard.DisposeAsync();
}

/// <summary>
/// The JSON API of the console against a running Guard: every route refuses anonymous callers, reviewers read but
/// cannot change, admins change policies (versioned, validated, audited, in force on the next request), roll back,
/// review blocked queries with their pictures, export them and ban clients.
/// </summary>
public sealed class AdminApiTests(AdminGuardFixture fixture) : IClassFixture<AdminGuardFixture>
{
    private AdminGuard Guard => fixture.Guard;

    // Every API route, with a body where it takes one.
    public static TheoryData<string, string> Routes => new()
    {
        { "GET", "/api/session" }, { "DELETE", "/api/session" }, { "GET", "/api/models" }, { "GET", "/api/policies" },
        { "GET", "/api/policies/guarded" }, { "PUT", "/api/policies/guarded" }, { "GET", "/api/policies/history" },
        { "GET", "/api/policies/history/1" }, { "POST", "/api/policies/rollback" }, { "GET", "/api/certification/fashion_cnn_s025" },
        { "POST", "/api/certification/estimate" }, { "GET", "/api/guards/guarded" }, { "GET", "/api/blocked" }, { "GET", "/api/blocked/1" },
        { "GET", "/api/blocked/1/image.png" }, { "GET", "/api/blocked/export?format=csv" }, { "GET", "/api/bans" }, { "POST", "/api/bans" },
        { "DELETE", "/api/bans/key:attacker" }, { "GET", "/api/live" }, { "GET", "/api/audit" },
    };

    private static HttpRequestMessage Request(string method, string path, string? token = null)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "PUT" or "POST")
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }

        if (token is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task No_credentials_no_access(string method, string path)
    {
        using var client = Guard.Client();
        using var anonymous = await client.SendAsync(Request(method, path));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var wrong = await client.SendAsync(Request(method, path, "not-a-token"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        var body = JsonNode.Parse(await wrong.Content.ReadAsStringAsync())!;
        Assert.False(string.IsNullOrEmpty(body["error"]?.GetValue<string>()));
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task A_reviewer_reads_but_cannot_change(string method, string path)
    {
        using var client = Guard.Client();
        using var response = await client.SendAsync(Request(method, path, AdminGuard.ReviewerToken));
        var changes = method is "PUT" or "DELETE" || (method == "POST" && path is "/api/policies/rollback" or "/api/bans");
        if (path == "/api/session")
        {
            // Bearer callers have no session to read or end.
            Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NoContent, $"{response.StatusCode}");
        }
        else if (changes)
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Contains("reviewer", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        else
        {
            // Allowed: the answer is the route's own (found, not found, or invalid body), never 401/403.
            Assert.DoesNotContain(response.StatusCode, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden });
        }
    }

    [Fact]
    public async Task An_admin_change_is_versioned_and_in_force_on_the_next_inference()
    {
        using var admin = Guard.Client(AdminGuard.AdminToken);
        var before = await AdminGuard.JsonAsync(await admin.GetAsync("/api/policies/smoothed"), HttpStatusCode.OK);
        var radius = 0.05 + (before["version"]!.GetValue<long>() * 0.01);

        var committed = await AdminGuard.JsonAsync(
            await AdminGuard.EditPolicyAsync(admin, "smoothed", p => p["smoothing"]!["minRadius"] = radius, "tighten r_min for the audit"), HttpStatusCode.OK);
        var version = committed["version"]!.GetValue<long>();
        Assert.Equal(before["version"]!.GetValue<long>() + 1, version);
        var change = Assert.Single(committed["changes"]!.AsArray());
        Assert.Equal("smoothing.minRadius", change!["path"]!.GetValue<string>());

        var after = await AdminGuard.JsonAsync(await admin.GetAsync("/api/policies/fashion_cnn_s025"), HttpStatusCode.OK);
        Assert.Equal("smoothed", after["name"]!.GetValue<string>());
        Assert.Equal("admin", after["source"]!.GetValue<string>());
        Assert.Equal(radius, after["policy"]!["smoothing"]!["minRadius"]!.GetValue<double>(), 9);

        using var channel = Guard.Inference();
        var request = EmbeddedModelHostTests.FashionRequest("fashion_cnn_s025", DemoSet.Pixels.AsSpan(0, DemoSet.ImageSize).ToArray(), 1);
        var answer = (await channel.UnaryAsync(ClientMethods.Infer, request, new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(60)))).Response;
        Assert.Equal(radius, answer.Parameters["smoothing_min_radius"].DoubleParam, 9);

        var history = await AdminGuard.JsonAsync(await admin.GetAsync("/api/policies/history?limit=5"), HttpStatusCode.OK);
        var newest = history["versions"]![0]!;
        Assert.Equal(version, newest["version"]!.GetValue<long>());
        Assert.Equal("alice", newest["user"]!.GetValue<string>());
        Assert.Equal("tighten r_min for the audit", newest["reason"]!.GetValue<string>());
        Assert.Equal("set", newest["action"]!.GetValue<string>());
    }

    [Fact]
    public async Task Invalid_changes_are_refused_with_every_problem_named()
    {
        using var admin = Guard.Client(AdminGuard.AdminToken);
        var response = await AdminGuard.EditPolicyAsync(admin, "smoothed", p =>
        {
            p["smoothing"]!["alpha"] = 2;
            p["actions"]!["default"] = "explode";
        });
        var body = await AdminGuard.JsonAsync(response, HttpStatusCode.BadRequest);
        var problems = body["problems"]!.AsArray().Select(p => p!.GetValue<string>()).ToList();
        Assert.True(problems.Count >= 2, string.Join(" | ", problems));
        Assert.Contains(problems, p => p.Contains("policies.smoothed.smoothing", StringComparison.Ordinal) && p.Contains("alpha", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(problems, p => p.Contains("policies.smoothed", StringComparison.Ordinal) && p.Contains("explode", StringComparison.Ordinal));

        var unknownKey = await AdminGuard.JsonAsync(await AdminGuard.EditPolicyAsync(admin, "smoothed", p => p["smoothing"]!["minRadus"] = 1), HttpStatusCode.BadRequest);
        Assert.Contains("minRadus", unknownKey.ToJsonString(), StringComparison.Ordinal);

        var noReason = await AdminGuard.JsonAsync(await AdminGuard.EditPolicyAsync(admin, "smoothed", p => p["smoothing"]!["n"] = 300, reason: " "), HttpStatusCode.BadRequest);
        Assert.Contains(noReason["problems"]!.AsArray(), p => p!.GetValue<string>().StartsWith("reason", StringComparison.Ordinal));

        var notJson = await admin.PutAsync("/api/policies/smoothed", new StringContent("{policy:", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);

        // Nothing was changed by any of them.
        var audit = await AdminGuard.JsonAsync(await admin.GetAsync("/api/audit?action=policy.set&limit=5"), HttpStatusCode.OK);
        Assert.Contains(audit["entries"]!.AsArray(), e => e!["outcome"]!.GetValue<string>() == "invalid");
    }

    [Fact]
    public async Task A_stale_base_version_is_a_conflict_and_rollback_restores_an_earlier_version()
    {
        using var admin = Guard.Client(AdminGuard.AdminToken);
        var first = await AdminGuard.JsonAsync(await AdminGuard.EditPolicyAsync(admin, "guarded", p => p["knn"]!["threshold"] = 0.31), HttpStatusCode.OK);
        var v1 = first["version"]!.GetValue<long>();
        var second = await AdminGuard.JsonAsync(await AdminGuard.EditPolicyAsync(admin, "guarded", p => p["knn"]!["threshold"] = 0.29), HttpStatusCode.OK);
        Assert.Equal(v1 + 1, second["version"]!.GetValue<long>());

        var stale = await AdminGuard.EditPolicyAsync(admin, "guarded", p => p["knn"]!["threshold"] = 0.2, baseVersion: v1);
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);

        var rolledBack = await AdminGuard.JsonAsync(await admin.PostAsJsonAsync("/api/policies/rollback", new { version = v1, reason = "0.29 flagged benign users" }), HttpStatusCode.OK);
        Assert.Equal(v1 + 2, rolledBack["version"]!.GetValue<long>());
        var policy = await AdminGuard.JsonAsync(await admin.GetAsync("/api/policies/guarded"), HttpStatusCode.OK);
        Assert.Equal(0.31, policy["policy"]!["knn"]!["threshold"]!.GetValue<double>(), 9);
        var record = await AdminGuard.JsonAsync(await admin.GetAsync($"/api/policies/history/{v1 + 2}"), HttpStatusCode.OK);
        Assert.Equal("rollback", record["action"]!.GetValue<string>());
        Assert.Equal(v1, record["rolledBackTo"]!.GetValue<long>());
        Assert.Contains(record["changes"]!.AsArray(), c => c!["path"]!.GetValue<string>() == "guarded.knn.threshold" && c["to"]!.GetValue<string>() == "0.31");

        // Version 0 is the configuration file alone.
        await AdminGuard.JsonAsync(await admin.PostAsJsonAsync("/api/policies/rollback", new { version = 0, reason = "back to the file" }), HttpStatusCode.OK);
        var file = await AdminGuard.JsonAsync(await admin.GetAsync("/api/policies/guarded"), HttpStatusCode.OK);
        Assert.Equal("file", file["source"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsJsonAsync("/api/policies/rollback", new { version = 9999, reason = "x" })).StatusCode);
    }

    [Fact]
    public async Task Console_sessions_use_secure_cookies_and_changes_need_the_csrf_token()
    {
        using var client = Guard.Client();
        var login = await client.PostAsJsonAsync("/api/session", new { token = AdminGuard.AdminToken });
        var session = await AdminGuard.JsonAsync(login, HttpStatusCode.OK);
        Assert.Equal("alice", session["user"]!.GetValue<string>());
        Assert.Equal("admin", session["role"]!.GetValue<string>());
        var setCookie = Assert.Single(login.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("__Host-guard-session=", setCookie, StringComparison.Ordinal);
        foreach (var attribute in new[] { "secure", "httponly", "samesite=strict", "path=/" })
        {
            Assert.Contains(attribute, setCookie.ToLowerInvariant(), StringComparison.Ordinal);
        }

        Assert.DoesNotContain(AdminGuard.AdminToken, setCookie, StringComparison.Ordinal);
        var cookie = setCookie.Split(';')[0];
        var csrf = session["csrfToken"]!.GetValue<string>();

        HttpRequestMessage WithCookie(HttpMethod method, string path, string? csrfToken = null, string? origin = null)
        {
            var request = new HttpRequestMessage(method, path);
            request.Headers.Add("Cookie", cookie);
            if (csrfToken is not null)
            {
                request.Headers.Add("X-CSRF-Token", csrfToken);
            }

            if (origin is not null)
            {
                request.Headers.Add("Origin", origin);
            }

            if (method != HttpMethod.Get && method != HttpMethod.Delete)
            {
                request.Content = JsonContent.Create(new { client = "csrf-victim", duration = "00:01:00", reason = "csrf test" });
            }

            return request;
        }

        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(WithCookie(HttpMethod.Get, "/api/session"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(WithCookie(HttpMethod.Post, "/api/bans"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(WithCookie(HttpMethod.Post, "/api/bans", "wrong-token"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(WithCookie(HttpMethod.Post, "/api/bans", csrf, "http://evil.example"))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(WithCookie(HttpMethod.Post, "/api/bans", csrf, Guard.ConsoleUri.GetLeftPart(UriPartial.Authority)))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(WithCookie(HttpMethod.Delete, "/api/bans/csrf-victim", csrf))).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(WithCookie(HttpMethod.Delete, "/api/session", csrf))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(WithCookie(HttpMethod.Get, "/api/session"))).StatusCode);
    }

    [Fact]
    public async Task Bad_tokens_are_refused_and_the_page_is_served_with_a_strict_policy()
    {
        using var client = Guard.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/api/session", new { token = "guess" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync("/api/session", new StringContent("token=x", Encoding.UTF8, "application/x-www-form-urlencoded"))).StatusCode);

        var page = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        var csp = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/console/app.js")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/console/../../etc/passwd")).StatusCode);

        // Each listener serves only its own routes.
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Guard.Server.Http.GetAsync("/api/policies")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Guard.Server.Http.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task Blocked_queries_are_listed_shown_as_pictures_exported_and_their_client_banned()
    {
        using var admin = Guard.Client(AdminGuard.AdminToken);
        using var channel = Guard.Inference();
        var random = new Random(7);
        var image = DemoSet.Pixels.AsSpan(5 * DemoSet.ImageSize, DemoSet.ImageSize).ToArray();
        var refused = 0;
        for (var i = 0; i < 12; i++)
        {
            image = FashionQueries.Step(image, random);
            refused += await FashionQueries.InferAsync(channel, image, AdminGuard.AttackerKey) == StatusCode.OK ? 0 : 1;
        }

        Assert.True(refused > 0, "the k-NN stage refused none of the near-duplicate stream");
        var page = await AdminGuard.JsonAsync(await admin.GetAsync("/api/blocked?client=key:attacker&guard=knn&pageSize=5"), HttpStatusCode.OK);
        var items = page["items"]!.AsArray();
        Assert.True(Math.Min(refused, 5) == items.Count, $"{refused} refused, {items.Count} listed: {page.ToJsonString()}");
        Assert.All(items, i => Assert.Equal("key:attacker", i!["client"]!.GetValue<string>()));
        Assert.Equal(refused > 5, page["next"] is not null);

        var id = items[^1]!["id"]!.GetValue<long>();
        var detail = await AdminGuard.JsonAsync(await admin.GetAsync($"/api/blocked/{id}"), HttpStatusCode.OK);
        Assert.True(detail["snapshot"]!["isImage"]!.GetValue<bool>());
        Assert.True(detail["score"]!.GetValue<double>() < detail["threshold"]!.GetValue<double>(), "k-NN blocks when the mean distance is below the threshold");
        Assert.NotEmpty(detail["matchedQueryIds"]!.AsArray());
        var png = await admin.GetAsync($"/api/blocked/{id}/image.png?scale=4");
        Assert.Equal("image/png", png.Content.Headers.ContentType!.MediaType);
        var bytes = await png.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        Assert.Equal(28 * 4, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));

        var csv = await admin.GetStringAsync("/api/blocked/export?format=csv&client=key:attacker");
        Assert.Equal(refused + 1, csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var json = JsonNode.Parse(await admin.GetStringAsync("/api/blocked/export?format=json&client=key:attacker"))!.AsArray();
        Assert.Equal(refused, json.Count);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("/api/blocked?from=yesterday")).StatusCode);

        // Ban from the detail view's client: its next request is refused; unbanned, it is served again.
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsJsonAsync("/api/bans", new { client = "key:attacker", duration = "00:10:00", reason = "extraction attempt" })).StatusCode);
        var banned = await AdminGuard.JsonAsync(await admin.GetAsync($"/api/blocked/{id}"), HttpStatusCode.OK);
        Assert.NotNull(banned["banned"]);
        var fresh = DemoSet.Pixels.AsSpan(40 * DemoSet.ImageSize, DemoSet.ImageSize).ToArray();
        Assert.Equal(StatusCode.PermissionDenied, await FashionQueries.InferAsync(channel, fresh, AdminGuard.AttackerKey));
        Assert.Equal(StatusCode.OK, await FashionQueries.InferAsync(channel, fresh, AdminGuard.BenignKey));
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/api/bans/key:attacker")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync("/api/bans/key:attacker")).StatusCode);
        Assert.Equal(StatusCode.OK, await FashionQueries.InferAsync(channel, DemoSet.Pixels.AsSpan(80 * DemoSet.ImageSize, DemoSet.ImageSize).ToArray(), AdminGuard.AttackerKey));

        var audit = await AdminGuard.JsonAsync(await admin.GetAsync("/api/audit?limit=200"), HttpStatusCode.OK);
        var actions = audit["entries"]!.AsArray().Select(e => (e!["action"]!.GetValue<string>(), e["user"]!.GetValue<string>())).ToList();
        Assert.Contains(("ban", "alice"), actions);
        Assert.Contains(("unban", "alice"), actions);
        Assert.Contains(("export", "alice"), actions);
        Assert.DoesNotContain(AdminGuard.AdminToken, audit.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Certification_guards_and_live_views_report_real_numbers()
    {
        using var reviewer = Guard.Client(AdminGuard.ReviewerToken);
        var certification = await AdminGuard.JsonAsync(await reviewer.GetAsync("/api/certification/fashion_cnn_s025"), HttpStatusCode.OK);
        Assert.Equal("smoothed", certification["policy"]!.GetValue<string>());
        var option = Assert.Single(certification["options"]!.AsArray());
        Assert.Equal("fashion_cnn_s025", option!["baseModel"]!.GetValue<string>());
        Assert.Equal(0.25, option["sigma"]!.GetValue<double>());
        Assert.True(option["curve"]!.AsArray().Count > 5);

        async Task<JsonObject> Estimate(double minRadius, int n) => await AdminGuard.JsonAsync(
            await reviewer.PostAsJsonAsync("/api/certification/estimate", new { baseModel = "fashion_cnn_s025", sigma = 0.25, n, n0 = 100, alpha = 0.001, minRadius }), HttpStatusCode.OK);
        var loose = await Estimate(0.1, 10_000);
        var tight = await Estimate(0.5, 10_000);
        var fewer = await Estimate(0.5, 1_000);
        Assert.InRange(loose["abstainRate"]!.GetValue<double>(), 0.0, 1.0);
        Assert.True(tight["abstainRate"]!.GetValue<double>() > loose["abstainRate"]!.GetValue<double>(), "a larger r_min abstains more");
        Assert.True(fewer["abstainRate"]!.GetValue<double>() > tight["abstainRate"]!.GetValue<double>(), "fewer samples certify smaller radii");
        Assert.True(fewer["msPerRequest"]!.GetValue<double>() < tight["msPerRequest"]!.GetValue<double>());
        Assert.Equal(HttpStatusCode.BadRequest, (await reviewer.PostAsJsonAsync("/api/certification/estimate", new { baseModel = "fashion_cnn_s025", sigma = 0.25, n = 0, n0 = 100, alpha = 2, minRadius = 0 })).StatusCode);

        var guards = await AdminGuard.JsonAsync(await reviewer.GetAsync("/api/guards/guarded"), HttpStatusCode.OK);
        var knn = guards["guards"]!.AsArray().Single(g => g!["name"]!.GetValue<string>() == "knn")!;
        Assert.True(knn["enabled"]!.GetValue<bool>());
        Assert.Equal("reject", knn["action"]!.GetValue<string>());

        using var channel = Guard.Inference();
        Assert.Equal(StatusCode.OK, await FashionQueries.InferAsync(channel, DemoSet.Pixels.AsSpan(100 * DemoSet.ImageSize, DemoSet.ImageSize).ToArray(), AdminGuard.BenignKey));
        var live = await AdminGuard.JsonAsync(await reviewer.GetAsync("/api/live"), HttpStatusCode.OK);
        Assert.True(live["requests"]!["total"]!.GetValue<long>() >= 1);
        Assert.Contains(live["stages"]!.AsArray(), s => s!["stage"]!.GetValue<string>() == "knn" && s["count"]!.GetValue<long>() >= 1);
        Assert.Equal("embedded", live["state"]!["backend"]!.GetValue<string>());
        Assert.True(live["state"]!["healthy"]!.GetValue<bool>());
    }
}
