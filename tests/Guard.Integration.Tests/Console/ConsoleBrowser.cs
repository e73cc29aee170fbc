using System.Text.RegularExpressions;
using Guard.Integration.Tests.Admin;
using Guard.Integration.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

// Not "...Tests.Console": a namespace of that name would hide System.Console from every Guard.Integration.Tests.*
// namespace of this project.
namespace Guard.Integration.Tests.AdminConsole;

/// <summary>
/// One Guard with the console on (<see cref="AdminGuard"/>: real ONNX Runtime models, real gRPC) and one headless
/// Debian Chromium driven by Playwright, shared by the tests of a class; each test opens its own browser context
/// (its own cookies, so its own console session).
/// </summary>
public sealed class ConsoleBrowserFixture : IAsyncLifetime
{
    /// <summary>Debian's Chromium; Playwright never downloads a browser here.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>How long a locator assertion waits (a loaded 2-core machine runs Guard, ONNX Runtime and Chromium).</summary>
    public const float ExpectTimeoutMs = 15_000;

    public AdminGuard Guard { get; private set; } = null!;

    public IPlaywright Playwright { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        SetDefaultExpectTimeout(ExpectTimeoutMs);
        Guard = await AdminGuard.StartAsync();
        try
        {
            Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
            Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args = ["--no-sandbox"],
                Timeout = 60_000,
            });
        }
        catch
        {
            // No browser: stop what was started rather than leave a Guard listening.
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
            Browser = null!;
        }

        Playwright?.Dispose();
        Playwright = null!;
        if (Guard is not null)
        {
            await Guard.DisposeAsync();
            Guard = null!;
        }
    }

    /// <summary>A fresh browser context and page on the console, watching for console errors and CSP violations.</summary>
    public async Task<ConsolePage> OpenAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Guard.ConsoleUri.ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            Locale = "en-GB",
            TimezoneId = "UTC",
        });
        context.SetDefaultTimeout(ExpectTimeoutMs);
        context.SetDefaultNavigationTimeout(30_000);
        var page = await context.NewPageAsync();
        var console = new ConsolePage(Guard, context, page);
        await console.WatchAsync();
        return console;
    }
}

/// <summary>
/// A page of the console with what went wrong in it: console errors, uncaught exceptions and CSP violations (reported
/// by a <c>securitypolicyviolation</c> listener that Playwright installs before any script of the page runs).
/// </summary>
public sealed class ConsolePage(AdminGuard guard, IBrowserContext context, IPage page) : IAsyncDisposable
{
    private readonly List<string> _problems = [];
    private readonly List<string> _expected = [];
    private readonly Lock _lock = new();

    public IPage Page { get; } = page;

    public AdminGuard Guard { get; } = guard;

    /// <summary>Problems seen so far (console errors, page errors, CSP violations), expected ones left out.</summary>
    public IReadOnlyList<string> Problems
    {
        get
        {
            lock (_lock)
            {
                return [.. _problems];
            }
        }
    }

    /// <summary>Console errors that were expected and filtered out (the signed-out session probe's 401).</summary>
    public IReadOnlyList<string> Expected
    {
        get
        {
            lock (_lock)
            {
                return [.. _expected];
            }
        }
    }

    public ILocator this[string selector] => Page.Locator(selector);

    internal async Task WatchAsync()
    {
        Page.Console += (_, message) =>
        {
            if (message.Type is not ("error" or "assert"))
            {
                return;
            }

            var text = $"console.{message.Type}: {message.Text} @ {message.Location}";
            lock (_lock)
            {
                (IsSignedOutProbe(message) ? _expected : _problems).Add(text);
            }
        };
        Page.PageError += (_, error) =>
        {
            lock (_lock)
            {
                _problems.Add($"page error: {error}");
            }
        };
        Page.Crash += (_, _) =>
        {
            lock (_lock)
            {
                _problems.Add("page crashed");
            }
        };
        await Page.ExposeFunctionAsync<string>("__guardCspViolation", violation =>
        {
            lock (_lock)
            {
                _problems.Add($"CSP violation: {violation}");
            }
        });
        await Page.AddInitScriptAsync("""
            document.addEventListener('securitypolicyviolation', (e) => {
              window.__guardCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} in ${e.sourceFile || e.documentURI}:${e.lineNumber}`);
            });
            """);
    }

    /// <summary>
    /// The one error a healthy console logs: on a fresh load it asks <c>GET /api/session</c> whether it is signed in,
    /// and when it is not, Chromium logs the 401 as a failed resource load. Matched by its text and
    /// the URL it names, nothing looser.
    /// </summary>
    private bool IsSignedOutProbe(IConsoleMessage message)
    {
        // Chromium reports it as "Failed to load resource: ... 401 (Unauthorized)" at "<url>:0:0".
        var probe = new Uri(Guard.ConsoleUri, "/api/session").ToString();
        return message.Type == "error"
            && message.Text == "Failed to load resource: the server responded with a status of 401 (Unauthorized)"
            && (message.Location == probe || message.Location.StartsWith(probe + ":", StringComparison.Ordinal));
    }

    /// <summary>Opens the console and waits for the login form.</summary>
    public async Task OpenLoginAsync()
    {
        await Page.GotoAsync("/");
        await Expect(this["#login-view"]).ToBeVisibleAsync();
        await Expect(this["#loading"]).ToBeHiddenAsync();
    }

    /// <summary>Signs in with <paramref name="token"/> through the login form and checks the role shown.</summary>
    public async Task LoginAsync(string token, string user, string role)
    {
        await OpenLoginAsync();
        await this["#token"].FillAsync(token);
        await this["#login-button"].ClickAsync();
        await Expect(this["#app-view"]).ToBeVisibleAsync();
        await Expect(this["#login-view"]).ToBeHiddenAsync();
        await Expect(this["#user-role"]).ToHaveTextAsync(role);
        await Expect(this["#user-name"]).ToHaveTextAsync(user);
        await Expect(this["body"]).ToHaveAttributeAsync("data-role", role);
        // The token never stays in the form.
        await Expect(this["#token"]).ToHaveValueAsync(string.Empty);
    }

    /// <summary>Follows a navigation link and waits for the page's title and for it to be the current one.</summary>
    public async Task NavigateAsync(string route, string title)
    {
        await this[$"#nav-{route}"].ClickAsync();
        await Expect(this[$"#nav-{route}"]).ToHaveAttributeAsync("aria-current", "page");
        await Expect(Page).ToHaveURLAsync(new Regex($"#/{route}$"));
        await Expect(this["#page-title"]).ToHaveTextAsync(title);
    }

    /// <summary>
    /// Fails when <paramref name="element"/> sticks out sideways from the card it is in (wider than its column, or
    /// pushed out of a horizontally scrolled table), as text or a button an operator cannot see whole.
    /// </summary>
    public static async Task AssertWithinItsCardAsync(ILocator element, string what)
    {
        await Expect(element).ToBeVisibleAsync();
        var overflow = await element.EvaluateAsync<double>("""
            (e) => {
              const card = e.closest('.card').getBoundingClientRect();
              const r = e.getBoundingClientRect();
              return Math.max(0, r.right - card.right, card.left - r.left);
            }
            """);
        Assert.True(overflow < 1, $"{what} sticks out of its card by {overflow:0.#} px");
    }

    /// <summary>Saves a full-page PNG under artifacts/test-results/screenshots/.</summary>
    public async Task<string> ScreenshotAsync(string name)
    {
        var path = Path.Combine(Screenshots.Directory, $"console-{name}.png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true, Animations = ScreenshotAnimations.Disabled });
        Assert.True(new FileInfo(path).Length > 1000, $"{path} is (nearly) empty");
        return path;
    }

    /// <summary>
    /// Fails when the page logged an error, threw, or violated the content security policy; what was filtered out as
    /// expected goes to the test's output.
    /// </summary>
    public void AssertNoProblems(ITestOutputHelper output)
    {
        foreach (var expected in Expected)
        {
            output.WriteLine($"expected, ignored: {expected}");
        }

        var problems = Problems;
        Assert.True(problems.Count == 0, "the console page reported problems:\n" + string.Join("\n", problems));
    }

    public async ValueTask DisposeAsync() => await context.CloseAsync();
}

/// <summary>Where the console screenshots go: artifacts/test-results/screenshots/ of the repository.</summary>
public static class Screenshots
{
    public static string Directory { get; } = Create();

    private static string Create()
    {
        var directory = Path.Combine(RepoPaths.Root, "artifacts", "test-results", "screenshots");
        System.IO.Directory.CreateDirectory(directory);
        return directory;
    }
}
