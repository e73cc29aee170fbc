using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Guard.Integration.Tests.Admin;
using Guard.Integration.Tests.Embedded;
using Guard.Integration.Tests.Infrastructure;
using Guard.Rpc;
using Guard.Rpc.Client;
using Guard.TestSupport;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Guard.Integration.Tests.AdminConsole;

/// <summary>
/// The admin web console in a real browser (headless Debian Chromium through Playwright) against a running Guard:
/// what an operator does on each page takes effect on real gRPC inference, and the pages show what really happened.
/// Every test ends by checking that the page logged no error, threw nothing and broke no CSP rule; every page visited
/// is saved as a full-page screenshot under artifacts/test-results/screenshots/.
/// </summary>
public sealed partial class ConsoleBrowserTests(ConsoleBrowserFixture fixture, ITestOutputHelper output) : IClassFixture<ConsoleBrowserFixture>
{
    private static readonly Regex Number = NumberPattern();
    private static readonly Regex Percent = PercentPattern();

    private AdminGuard Guard => fixture.Guard;

    private static float[] Image(int index) => DemoSet.Pixels.AsSpan(index * DemoSet.ImageSize, DemoSet.ImageSize).ToArray();

    private static double Parse(string text) => double.Parse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>A query-based attack's near-duplicate stream with the attacker's key; answers how many were refused.</summary>
    private async Task<int> AttackAsync(int startImage, int seed, int queries = 16)
    {
        using var channel = Guard.Inference();
        var random = new Random(seed);
        var image = Image(startImage);
        var refused = 0;
        for (var i = 0; i < queries; i++)
        {
            image = FashionQueries.Step(image, random);
            refused += await FashionQueries.InferAsync(channel, image, AdminGuard.AttackerKey) == StatusCode.OK ? 0 : 1;
        }

        Assert.True(refused > 0, "the k-NN stage refused none of the near-duplicate stream");
        return refused;
    }

    /// <summary>Lifts a ban left behind by a test that failed between banning and unbanning (the API, not the page).</summary>
    private async Task UnbanIfBannedAsync(string client)
    {
        using var admin = Guard.Client(AdminGuard.AdminToken);
        var bans = await admin.GetFromJsonAsync<JsonObject>("/api/bans");
        if (bans!["bans"]!.AsArray().Any(b => b!["client"]!.GetValue<string>() == client))
        {
            using var _ = await admin.DeleteAsync($"/api/bans/{Uri.EscapeDataString(client)}");
        }
    }

    [Fact]
    public async Task Admin_signs_in_changes_r_min_on_the_certification_page_and_the_next_inference_uses_it()
    {
        await using var console = await fixture.OpenAsync();
        await console.OpenLoginAsync();
        await console.ScreenshotAsync("login");
        await console.LoginAsync(AdminGuard.AdminToken, "alice", "admin");

        // Certification is the default page; choose the σ = 0.25 model of the smoothing policy.
        await Expect(console["#page-title"]).ToContainTextAsync("Certification");
        await Expect(console["#nav-certification"]).ToHaveAttributeAsync("aria-current", "page");
        await console.NavigateAsync("certification", "Certification (randomized smoothing)");
        await console["#cert-model"].SelectOptionAsync("fashion_cnn_s025");
        await Expect(console["#cert-current-baseModel"]).ToHaveTextAsync("fashion_cnn_s025");
        await Expect(console["#cert-current-sigma"]).ToHaveTextAsync("0.25");
        await Expect(console["#cert-policy"]).ToContainTextAsync("smoothed");
        await Expect(console["#cert-sigma"]).ToHaveValueAsync("0");
        await Expect(console["#cert-sigma"]).ToContainTextAsync("σ = 0.25 (fashion_cnn_s025)");

        // The certify curve is drawn from the real guard certify run, with the r_min marker on it.
        var curve = console["#cert-curve polyline.curve-line"];
        await Expect(curve).ToBeVisibleAsync();
        var points = (await curve.GetAttributeAsync("points"))!.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(points.Length > 5, $"the curve has only {points.Length} points");
        await Expect(console["#cert-rmin-marker"]).ToHaveAttributeAsync("data-radius", "0");

        // The form holds the settings in force, and their estimate comes back as numbers.
        await Expect(console["#cert-n"]).ToHaveValueAsync("200");
        await Expect(console["#cert-n0"]).ToHaveValueAsync("20");
        await Expect(console["#cert-alpha"]).ToHaveValueAsync("0.01");
        await Expect(console["#cert-rmin"]).ToHaveValueAsync("0");
        await Expect(console["#cert-estimate"]).Not.ToContainClassAsync("pending");
        await Expect(console["#cert-abstain"]).ToHaveTextAsync(Percent);
        await Expect(console["#cert-accuracy"]).ToHaveTextAsync(Percent);
        await Expect(console["#cert-ms"]).ToHaveTextAsync(Number);
        await Expect(console["#cert-examples"]).ToHaveTextAsync(Number);
        var looseAbstain = Parse((await console["#cert-abstain"].TextContentAsync())!.TrimEnd('%'));

        // A larger r_min: the marker moves, and the estimate is redone (a larger radius abstains at least as often).
        await console["#cert-rmin"].FillAsync("0.35");
        await Expect(console["#cert-rmin-marker"]).ToHaveAttributeAsync("data-radius", "0.35");
        await Expect(console["#cert-estimate"]).Not.ToContainClassAsync("pending");
        await Expect(console["#cert-abstain"]).ToHaveTextAsync(Percent);
        await Expect(console["#cert-ms"]).ToHaveTextAsync(Number);
        Assert.True(Parse((await console["#cert-abstain"].TextContentAsync())!.TrimEnd('%')) >= looseAbstain, "r_min 0.35 abstains less than r_min 0");
        await console.ScreenshotAsync("certification");

        const string reason = "raise r_min after the red-team run (browser test)";
        await console["#cert-reason"].FillAsync(reason);
        await console["#cert-apply"].ClickAsync();
        await Expect(console["#cert-message"]).ToHaveAttributeAsync("data-kind", "success");
        await Expect(console["#cert-message"]).ToContainTextAsync("policy “smoothed” is now at version");
        var version = (await console["#cert-message"].GetAttributeAsync("data-version"))!;
        await Expect(console["#cert-current-minRadius"]).ToHaveTextAsync("0.35");
        await Expect(console["#cert-reason"]).ToHaveValueAsync(string.Empty);

        // The next real inference on the smoothed model runs under the new r_min.
        using (var channel = Guard.Inference())
        {
            var request = EmbeddedModelHostTests.FashionRequest("fashion_cnn_s025", Image(3), 1);
            var answer = (await channel.UnaryAsync(ClientMethods.Infer, request, new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(60)))).Response;
            Assert.Equal(0.35, answer.Parameters["smoothing_min_radius"].DoubleParam, 9);
        }

        // Policy history lists the change: its version, alice, the reason and the changed key.
        await console.NavigateAsync("history", "Policy history");
        var row = console[$"#history-table tr[data-version=\"{version}\"]"];
        await Expect(row).ToBeVisibleAsync();
        await Expect(row).ToContainTextAsync("alice");
        await Expect(row).ToContainTextAsync("(admin)");
        await Expect(row.Locator("td.reason")).ToHaveTextAsync(reason);
        await Expect(row).ToContainTextAsync("smoothed");
        await Expect(row.Locator("ul.changes li").Filter(new LocatorFilterOptions { HasText = "smoothing.minRadius" })).ToContainTextAsync("0.35");
        await Expect(console[$"[data-testid=\"rollback-{version}\"]"]).ToBeEnabledAsync();
        await ConsolePage.AssertWithinItsCardAsync(console[$"[data-testid=\"rollback-{version}\"]"], "the rollback button");
        await ConsolePage.AssertWithinItsCardAsync(row.Locator("td.reason"), "the reason");
        await console[$"[data-testid=\"overlay-button-{version}\"]"].ClickAsync();
        await Expect(console[$"[data-testid=\"overlay-{version}\"]"]).ToContainTextAsync("\"minRadius\": 0.35");
        await console.ScreenshotAsync("history");

        // Guards shows the k-NN stage of the other policy as configured, editable by an admin.
        await console.NavigateAsync("guards", "Guards");
        await console["#guards-policy"].SelectOptionAsync("guarded");
        await Expect(console["#guards-version"]).ToContainTextAsync("guarded");
        await Expect(console["#guard-enabled-knn"]).ToHaveTextAsync("yes");
        await Expect(console["#guard-action-knn"]).ToHaveValueAsync("reject");
        await Expect(console["#guard-threshold-knn"]).ToBeEnabledAsync();
        await Expect(console["#guards-apply"]).ToBeEnabledAsync();
        await console.ScreenshotAsync("guards");

        console.AssertNoProblems(output);
    }

    [Fact]
    public async Task An_attack_appears_in_the_blocked_table_with_its_image_and_banning_its_client_refuses_its_next_request()
    {
        var refused = await AttackAsync(startImage: 5, seed: 7);

        await using var console = await fixture.OpenAsync();
        await console.LoginAsync(AdminGuard.AdminToken, "alice", "admin");
        await console.NavigateAsync("blocked", "Blocked queries");
        await console["#filter-client"].FillAsync("key:attacker");
        await console["#filter-guard"].SelectOptionAsync("knn");
        await Expect(console["#export-csv"]).ToHaveAttributeAsync("href", new Regex("client=key%3Aattacker"));
        await console["#blocked-apply-filters"].ClickAsync();

        var rows = console["#blocked-table tr[data-id]"];
        await Expect(rows.First).ToBeVisibleAsync();
        var count = await rows.CountAsync();
        Assert.True(count >= refused, $"{refused} refused, {count} rows listed");
        for (var i = 0; i < count; i++)
        {
            await Expect(rows.Nth(i).Locator("td.mono")).ToHaveTextAsync("key:attacker");
        }

        await Expect(console["#blocked-page"]).ToContainTextAsync($"{count} rows");
        await console.ScreenshotAsync("blocked");

        // Open the newest: its fields, score against threshold and the input as a picture.
        var id = (await rows.First.GetAttributeAsync("data-id"))!;
        await rows.First.Locator("td.mono").ClickAsync();
        await Expect(console.Page).ToHaveURLAsync(new Regex($"#/blocked/{id}$"));
        await Expect(console["#page-title"]).ToHaveTextAsync($"Blocked query {id}");
        await Expect(console["#detail-client"]).ToHaveTextAsync("key:attacker");
        await Expect(console["#detail-model"]).ToHaveTextAsync("fashion_cnn");
        await Expect(console["#detail-guard"]).ToHaveTextAsync("knn");
        await Expect(console["#detail-action"]).ToHaveTextAsync("reject");
        await Expect(console["#detail-input-hash"]).ToHaveTextAsync(new Regex("^[0-9a-f]{64}$", RegexOptions.IgnoreCase));
        await Expect(console["#detail-score"]).ToHaveTextAsync(Number);
        await Expect(console["#detail-threshold"]).ToHaveTextAsync(Number);
        var score = Parse((await console["#detail-score"].TextContentAsync())!);
        var threshold = Parse((await console["#detail-threshold"].TextContentAsync())!);
        Assert.True(score < threshold, $"k-NN blocks when the mean distance is below the threshold: {score} vs {threshold}");
        await Expect(console["#detail-comparison"]).ToContainTextAsync("below the threshold");
        await Expect(console["#detail-score-bar"]).ToBeVisibleAsync();
        await Expect(console["#detail-matched-ids li"].First).ToBeVisibleAsync();

        var image = console["#detail-image"];
        await Expect(image).ToBeVisibleAsync();
        await Expect(image).ToHaveJSPropertyAsync("tagName", "IMG");
        await Expect(image).ToHaveJSPropertyAsync("complete", true);
        await Expect(image).ToHaveJSPropertyAsync("naturalWidth", 28 * 8);
        await Expect(image).ToHaveJSPropertyAsync("naturalHeight", 28 * 8);
        await Expect(console["#detail-no-image"]).ToHaveCountAsync(0);
        await Expect(console["#detail-snapshot"]).ToHaveTextAsync("FP32 · [1, 1, 28, 28] · image");
        foreach (var field in await console["#detail-fields dd"].AllAsync())
        {
            await ConsolePage.AssertWithinItsCardAsync(field, $"detail field {await field.GetAttributeAsync("id")}");
        }

        await ConsolePage.AssertWithinItsCardAsync(console["#detail-time time"], "the detail's time");
        await Expect(console["#ban-status"]).ToHaveAttributeAsync("data-banned", "false");
        await console.ScreenshotAsync("blocked-detail");

        try
        {
            // Ban the client from here: its next request is refused, others are still served.
            await console["#ban-duration"].SelectOptionAsync("00:15:00");
            await console["#ban-reason"].FillAsync("model extraction attempt (browser test)");
            await console["#ban-button"].ClickAsync();
            await Expect(console["#ban-status"]).ToHaveAttributeAsync("data-banned", "true");
            await Expect(console["#ban-status"]).ToContainTextAsync("Banned");
            await Expect(console["#ban-status"]).ToContainTextAsync("model extraction attempt (browser test)");
            await Expect(console["#ban-message"]).ToHaveAttributeAsync("data-kind", "success");
            await Expect(console["#ban-message"]).ToContainTextAsync("15 minutes");
            await console.ScreenshotAsync("blocked-detail-banned");

            using var channel = Guard.Inference();
            Assert.Equal(StatusCode.PermissionDenied, await FashionQueries.InferAsync(channel, Image(40), AdminGuard.AttackerKey));
            Assert.Equal(StatusCode.OK, await FashionQueries.InferAsync(channel, Image(40), AdminGuard.BenignKey));

            // Unbanned, it is served again.
            await console["#unban-button"].ClickAsync();
            await Expect(console["#ban-status"]).ToHaveAttributeAsync("data-banned", "false");
            await Expect(console["#ban-status"]).ToHaveTextAsync("Not banned.");
            await Expect(console["#ban-message"]).ToHaveTextAsync("Client unbanned.");
            Assert.Equal(StatusCode.OK, await FashionQueries.InferAsync(channel, Image(80), AdminGuard.AttackerKey));
        }
        finally
        {
            await UnbanIfBannedAsync("key:attacker");
        }

        // The audit log has both, by alice, with the reason.
        await console.NavigateAsync("audit", "Audit log");
        var entries = console["#audit-table tr[data-id]"];
        var ban = entries.Filter(new LocatorFilterOptions { HasText = "model extraction attempt (browser test)" })
            .Filter(new LocatorFilterOptions { Has = console.Page.Locator("td", new PageLocatorOptions { HasTextRegex = new Regex("^ban$") }) });
        await Expect(ban).ToHaveCountAsync(1);
        await Expect(ban).ToContainTextAsync("alice");
        await Expect(ban).ToContainTextAsync("key:attacker");
        var unban = entries.Filter(new LocatorFilterOptions { Has = console.Page.Locator("td", new PageLocatorOptions { HasTextRegex = new Regex("^unban$") }) })
            .Filter(new LocatorFilterOptions { HasText = "key:attacker" });
        await Expect(unban).ToHaveCountAsync(1);
        await Expect(unban).ToContainTextAsync("alice");
        await Expect(unban).ToContainTextAsync("ban lifted");
        await Expect(entries.Filter(new LocatorFilterOptions { Has = console.Page.Locator("td", new PageLocatorOptions { HasTextRegex = new Regex("^login$") }) }).First).ToBeVisibleAsync();
        await Expect(console["#audit-table"]).Not.ToContainTextAsync(AdminGuard.AdminToken);
        await console.ScreenshotAsync("audit");

        console.AssertNoProblems(output);
    }

    [Fact]
    public async Task A_reviewer_sees_every_page_but_every_change_control_is_disabled_and_the_page_says_so()
    {
        await AttackAsync(startImage: 12, seed: 11);

        await using var console = await fixture.OpenAsync();
        await console.LoginAsync(AdminGuard.ReviewerToken, "bob", "reviewer");
        await Expect(console["#user-role"]).ToHaveAttributeAsync("title", "reads only");

        await console.NavigateAsync("certification", "Certification (randomized smoothing)");
        await console["#cert-model"].SelectOptionAsync("fashion_cnn_s025");
        await Expect(console["#cert-current-baseModel"]).ToHaveTextAsync("fashion_cnn_s025");
        await Expect(console["#cert-curve polyline.curve-line"]).ToBeVisibleAsync();
        await Expect(console["#cert-abstain"]).ToHaveTextAsync(Percent);
        await Expect(console["#cert-apply"]).ToBeDisabledAsync();
        await Expect(console["#cert-apply"]).ToHaveAttributeAsync("title", "Your role (reviewer) can view but not change this.");
        await Expect(console["#cert-reason"]).ToBeDisabledAsync();
        await Expect(console.Page.GetByText("Your role (reviewer) can view but not change settings.")).ToBeVisibleAsync();
        await console.ScreenshotAsync("reviewer-certification");

        await console.NavigateAsync("guards", "Guards");
        await console["#guards-policy"].SelectOptionAsync("guarded");
        await Expect(console["#guard-enabled-knn"]).ToHaveTextAsync("yes");
        await Expect(console["#guards-apply"]).ToBeDisabledAsync();
        await Expect(console["#guards-reason"]).ToBeDisabledAsync();
        await Expect(console["#guard-threshold-knn"]).ToBeDisabledAsync();
        await Expect(console["#guard-action-knn"]).ToBeDisabledAsync();
        await Expect(console.Page.GetByText("Your role (reviewer) can view but not change guards.")).ToBeVisibleAsync();
        await console.ScreenshotAsync("reviewer-guards");

        await console.NavigateAsync("blocked", "Blocked queries");
        await console["#filter-client"].FillAsync("key:attacker");
        await console["#blocked-apply-filters"].ClickAsync();
        var row = console["#blocked-table tr[data-id]"].First;
        await Expect(row).ToBeVisibleAsync();
        await row.Locator("a.row-link").ClickAsync();
        await Expect(console["#detail-client"]).ToHaveTextAsync("key:attacker");
        await Expect(console["#detail-image"]).ToHaveJSPropertyAsync("naturalWidth", 28 * 8);
        await Expect(console["#ban-button"]).ToBeDisabledAsync();
        await Expect(console["#unban-button"]).ToBeDisabledAsync();
        await Expect(console["#ban-reason"]).ToBeDisabledAsync();
        await Expect(console["#ban-duration"]).ToBeDisabledAsync();
        await Expect(console.Page.GetByText("Your role (reviewer) can view but not ban or unban.")).ToBeVisibleAsync();
        await console.ScreenshotAsync("reviewer-blocked-detail");

        // Reviewers read history, but have no rollback buttons.
        await console.NavigateAsync("history", "Policy history");
        await Expect(console["#history-table"]).ToBeVisibleAsync();
        await Expect(console["button.rollback-button"]).ToHaveCountAsync(0);

        console.AssertNoProblems(output);
    }

    [Fact]
    public async Task The_live_view_counts_requests_and_shows_the_state_backend()
    {
        using (var channel = Guard.Inference())
        {
            Assert.Equal(StatusCode.OK, await FashionQueries.InferAsync(channel, Image(100), AdminGuard.BenignKey));
            Assert.Equal(StatusCode.OK, await FashionQueries.InferAsync(channel, Image(140), AdminGuard.BenignKey));
        }

        using var reviewer = Guard.Client(AdminGuard.ReviewerToken);
        var total = (await reviewer.GetFromJsonAsync<JsonObject>("/api/live"))!["requests"]!["total"]!.GetValue<long>();
        Assert.True(total >= 2, $"live counts {total} requests");

        await using var console = await fixture.OpenAsync();
        await console.LoginAsync(AdminGuard.ReviewerToken, "bob", "reviewer");
        await console.NavigateAsync("live", "Live view");
        await Expect(console["#live-requests"]).ToBeVisibleAsync();
        await Expect(console["#live-requests-total"]).ToHaveTextAsync(Number);
        var shown = Parse((await console["#live-requests-total"].TextContentAsync())!);
        Assert.True(shown >= total, $"the live view shows {shown} requests, the API counted {total} before");
        await Expect(console["#live-requests-rate"]).ToHaveTextAsync(Number);
        await Expect(console["#live-state"]).ToBeVisibleAsync();
        await Expect(console["#live-state-backend"]).ToHaveTextAsync("embedded");
        await Expect(console["#live-state-healthy"]).ToHaveTextAsync("healthy");
        await Expect(console["#live-stages tr[data-stage=\"knn\"]"]).ToBeVisibleAsync();
        await Expect(console["#live-updated"]).ToContainTextAsync("Updated");

        // It keeps polling: a new request shows up without reloading.
        using (var channel = Guard.Inference())
        {
            Assert.Equal(StatusCode.OK, await FashionQueries.InferAsync(channel, Image(180), AdminGuard.BenignKey));
        }

        await Expect(console["#live-requests-total"]).Not.ToHaveTextAsync(((long)shown).ToString(CultureInfo.InvariantCulture));
        Assert.True(Parse((await console["#live-requests-total"].TextContentAsync())!) > shown);
        await Expect(console["#live-error"]).ToBeHiddenAsync();
        await console.ScreenshotAsync("live");

        console.AssertNoProblems(output);
    }

    [Fact]
    public async Task The_problem_watch_sees_console_errors_uncaught_exceptions_and_csp_violations()
    {
        // The other tests pass only if nothing is reported: make sure that is not because nothing can be.
        await using var console = await fixture.OpenAsync();
        await console.LoginAsync(AdminGuard.ReviewerToken, "bob", "reviewer");
        await Expect(console["#page-title"]).ToContainTextAsync("Certification");
        Assert.Empty(console.Problems);
        Assert.Single(console.Expected); // the signed-out session probe before the login

        await console.Page.EvaluateAsync("""
            () => {
              document.body.setAttribute('style', 'outline: 1px solid red');  // inline style: style-src 'self' refuses it
              const s = document.createElement('script');
              s.textContent = 'window.__inline = 1';                          // inline script: script-src 'self' refuses it
              document.body.append(s);
              console.error('deliberate console error');
              setTimeout(() => { throw new Error('deliberate uncaught error'); }, 0);
            }
            """);
        // Chromium also logs each CSP refusal as a console error, so wait for the last kind (the timer's throw) itself.
        await Eventually.TrueAsync(
            () => console.Problems.Any(p => p.StartsWith("page error: ", StringComparison.Ordinal)) && console.Problems.Count(p => p.StartsWith("CSP violation: ", StringComparison.Ordinal)) >= 2,
            TimeSpan.FromSeconds(15),
            "the uncaught error and both CSP violations reported");
        var problems = console.Problems;
        Assert.Contains(problems, p => p.StartsWith("CSP violation: style-src", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("CSP violation: script-src", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("console.error: deliberate console error", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("page error: ", StringComparison.Ordinal) && p.Contains("deliberate uncaught error", StringComparison.Ordinal));
        Assert.Null(await console.Page.EvaluateAsync<int?>("() => window.__inline ?? null"));
        Assert.Throws<Xunit.Sdk.TrueException>(() => console.AssertNoProblems(output));
    }

    [GeneratedRegex(@"^-?\d+(\.\d+)?(e[-+]?\d+)?$", RegexOptions.IgnoreCase)]
    private static partial Regex NumberPattern();

    [GeneratedRegex(@"^\d+(\.\d+)? %$")]
    private static partial Regex PercentPattern();
}
