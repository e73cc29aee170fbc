using Guard.RedTeam.Running;
using Guard.TestSupport;
using Spectre.Console;

namespace Guard.RedTeam.Tests.Running;

/// <summary>The command's outcomes before any attack: bad settings exit 2, an endpoint nobody serves exits 3, each with a clear line.</summary>
public sealed class RedTeamSessionTests : IDisposable
{
    private readonly StringWriter _output = new();
    private readonly StringWriter _errors = new();

    public void Dispose()
    {
        _output.Dispose();
        _errors.Dispose();
    }

    [Fact]
    public async Task Bad_settings_exit_2_and_list_every_problem()
    {
        var settings = new RedTeamSettings
        {
            Endpoint = new Uri("ftp://127.0.0.1:1"),
            Model = "",
            EvalSet = "/no/such/file.bin",
            BenignLimit = -1,
            Run = new RedTeamOptions { Runs = 0 },
        };
        Assert.Equal(RedTeamSession.BadArguments, await Session().RunAsync(settings, CancellationToken.None));
        var errors = _errors.ToString();
        Assert.Contains("--endpoint", errors, StringComparison.Ordinal);
        Assert.Contains("--model", errors, StringComparison.Ordinal);
        Assert.Contains("--runs", errors, StringComparison.Ordinal);
        Assert.Contains("--benign-limit", errors, StringComparison.Ordinal);
        Assert.Contains("/no/such/file.bin", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_endpoint_exits_3_with_a_clear_message()
    {
        var address = $"http://127.0.0.1:{FreePort.Next()}";
        var settings = new RedTeamSettings
        {
            Endpoint = new Uri(address),
            Model = "fashion_cnn",
            EvalSet = Path.Combine(RepositoryRoot.Path, RedTeamSettings.DefaultEvalSet),
        };
        Assert.Equal(RedTeamSession.EndpointUnusable, await Session().RunAsync(settings, CancellationToken.None));
        var error = _errors.ToString().Trim();
        Assert.StartsWith($"error: Cannot reach {address}/", error, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_key_files_skip_blank_lines_and_comments()
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllLinesAsync(path, ["# attackers", "alpha", "", "  beta  ", "#gamma"]);
            Assert.Equal(["alpha", "beta"], await ApiKeyFile.ReadAsync(path, CancellationToken.None));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private RedTeamSession Session() => new(
        AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, Interactive = InteractionSupport.No, Out = new AnsiConsoleOutput(_output) }),
        _errors,
        live: false);
}
