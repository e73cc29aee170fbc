using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Guard.Gateway.Configuration;
using Guard.Gateway.Hosting;
using Guard.Integration.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace Guard.Integration.Tests.Hosting;

/// <summary>Start-up failures (bad files, bad values, ports in use) in-process and through the real <c>guard</c> CLI.</summary>
public sealed class StartupTests : IDisposable
{
    private const string ValidYaml = """
        listeners:
          grpc: { address: "127.0.0.1:0" }
          http: { address: "127.0.0.1:0" }
        upstreams:
          py:
            endpoints: [ "http://127.0.0.1:1" ]
            healthCheck: { enabled: false }
        models:
          simple: { upstream: py, policy: default }
        policies:
          default:
            validation: { enabled: true }
        logging:
          logLevel: { default: Warning }
        """;

    private static readonly TimeSpan CliTimeout = TimeSpan.FromSeconds(90);

    private readonly string _directory = Directory.CreateTempSubdirectory("guard-startup-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string WriteFile(string contents, string name = "guard.yaml")
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, contents);
        return path;
    }

    private static async Task BuildAndDisposeAsync(GuardHostSettings settings)
    {
        var app = GuardHost.Build(settings);
        await app.DisposeAsync();
    }

    // ---- In-process: GuardHost.Build ----------------------------------------------------------------------------

    [Fact]
    public async Task Valid_file_builds()
    {
        await BuildAndDisposeAsync(new GuardHostSettings(WriteFile(ValidYaml)));
    }

    [Fact]
    public void YAML_syntax_error_names_the_file_and_line()
    {
        var path = WriteFile("""
            upstreams:
              py:
                endpoints: [ "http://127.0.0.1:1"
            models:
              simple: { upstream: py }
            """, "broken.yaml");
        var ex = Assert.ThrowsAny<Exception>(() => GuardHost.Build(new GuardHostSettings(path)));
        Assert.Contains("broken.yaml", ex.Message, StringComparison.Ordinal);
        Assert.Matches(@"line \d+", ex.Message);
    }

    [Fact]
    public void Bad_indentation_names_the_line_it_is_on()
    {
        var path = WriteFile("""
            upstreams:
              py:
                endpoints: [ "http://127.0.0.1:1" ]
               retries: 1
            models:
              simple: { upstream: py }
            """, "indent.yaml");
        var ex = Assert.ThrowsAny<Exception>(() => GuardHost.Build(new GuardHostSettings(path)));
        Assert.Contains("indent.yaml", ex.Message, StringComparison.Ordinal);
        Assert.Contains("line 4", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_upstream_is_an_InvalidConfigurationException_listing_the_path()
    {
        var path = WriteFile(ValidYaml.Replace("simple: { upstream: py, policy: default }", "simple: { upstream: nope, policy: default }", StringComparison.Ordinal));
        var ex = Assert.Throws<InvalidConfigurationException>(() => GuardHost.Build(new GuardHostSettings(path)));
        var problem = Assert.Single(ex.Problems);
        Assert.StartsWith("models.simple.upstream:", problem, StringComparison.Ordinal);
        Assert.Contains("'nope'", problem, StringComparison.Ordinal);
        Assert.Contains("models.simple.upstream", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_is_a_clear_error()
    {
        var path = Path.Combine(_directory, "absent.yaml");
        var ex = Assert.Throws<InvalidConfigurationException>(() => GuardHost.Build(new GuardHostSettings(path)));
        Assert.Contains("absent.yaml", ex.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unsupported_file_extension_is_a_clear_error()
    {
        var path = WriteFile(ValidYaml, "guard.toml");
        var ex = Assert.Throws<InvalidConfigurationException>(() => GuardHost.Build(new GuardHostSettings(path)));
        Assert.Contains(".yaml", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_word_where_a_number_belongs_names_the_key()
    {
        var path = WriteFile(ValidYaml.Replace("healthCheck: { enabled: false }", "healthCheck: { enabled: false }\n    retries: many", StringComparison.Ordinal));
        var ex = Assert.Throws<InvalidConfigurationException>(() => GuardHost.Build(new GuardHostSettings(path)));
        Assert.True(ex.Message.Contains("retries", StringComparison.OrdinalIgnoreCase), ex.Message);
    }

    [Fact]
    public void A_bad_value_inside_a_policy_is_an_error_not_a_silently_dropped_policy()
    {
        // The model names no policy, so it gets "default" when that exists and no guards at all otherwise. A typo in
        // one of default's values must therefore fail the start instead of quietly leaving every model unguarded.
        var path = WriteFile("""
            upstreams:
              py:
                endpoints: [ "http://127.0.0.1:1" ]
            models:
              simple: { upstream: py }
            policies:
              default:
                validation: { enabled: true, maxRank: eight }
            """);
        var settings = new GuardHostSettings(path);
        var ex = Record.Exception(() => GuardHost.LoadAndValidate(settings));
        Assert.True(
            ex is InvalidConfigurationException && ex.Message.Contains("maxRank", StringComparison.OrdinalIgnoreCase),
            ex?.Message ?? "LoadAndValidate accepted the file: "
                + $"{GuardHost.LoadAndValidate(settings).Policies.Count} policies bound, so model 'simple' would run without guards");
    }

    [Fact]
    public void Overrides_win_over_the_file_and_are_validated()
    {
        var path = WriteFile(ValidYaml);
        var bad = new GuardHostSettings(path) { Overrides = new Dictionary<string, string?> { ["upstreams:py:retries"] = "9" } };
        var ex = Assert.Throws<InvalidConfigurationException>(() => GuardHost.Build(bad));
        Assert.StartsWith("upstreams.py.retries:", Assert.Single(ex.Problems), StringComparison.Ordinal);

        // An override can also repair a file.
        var broken = WriteFile(ValidYaml.Replace("upstream: py,", "upstream: nope,", StringComparison.Ordinal), "broken-upstream.yaml");
        var repaired = GuardHost.LoadAndValidate(new GuardHostSettings(broken) { Overrides = new Dictionary<string, string?> { ["models:simple:upstream"] = "py" } });
        Assert.Equal("py", repaired.Models["simple"].Upstream);

        var options = GuardHost.LoadAndValidate(new GuardHostSettings(path) { Overrides = new Dictionary<string, string?> { ["upstreams:py:retries"] = "4" } });
        Assert.Equal(4, options.Upstreams["py"].Retries);
    }

    [Fact]
    public void Environment_variables_with_the_GUARD_prefix_override_the_file_and_lose_to_overrides()
    {
        // Environment variables are process-wide and other tests build hosts concurrently: use a key no option
        // binds to, unique to this run.
        var section = "envtest" + Guid.NewGuid().ToString("N");
        var path = WriteFile($$"""
            {{section}}:
              fromFile: file
              fromEnv: file
              fromOverride: file
            """);
        var fromEnv = $"{GuardHost.EnvironmentPrefix}{section}__fromEnv";
        var fromOverride = $"{GuardHost.EnvironmentPrefix}{section}__fromOverride";
        Environment.SetEnvironmentVariable(fromEnv, "env");
        Environment.SetEnvironmentVariable(fromOverride, "env");
        try
        {
            var settings = new GuardHostSettings(path)
            {
                Overrides = new Dictionary<string, string?> { [$"{section}:fromOverride"] = "override" },
            };
            var configuration = new ConfigurationBuilder().AddGuardConfiguration(settings).Build();
            try
            {
                Assert.Equal("file", configuration[$"{section}:fromFile"]);
                Assert.Equal("env", configuration[$"{section}:fromEnv"]);
                Assert.Equal("override", configuration[$"{section}:fromOverride"]);
            }
            finally
            {
                (configuration as IDisposable)?.Dispose();
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable(fromEnv, null);
            Environment.SetEnvironmentVariable(fromOverride, null);
        }
    }

    [Fact]
    public async Task Json_configuration_files_work_too()
    {
        var path = WriteFile("""
            {
              "listeners": { "grpc": { "address": "127.0.0.1:0" }, "http": { "address": "127.0.0.1:0" } },
              "upstreams": { "py": { "endpoints": [ "http://127.0.0.1:1" ], "healthCheck": { "enabled": false } } },
              "models": { "simple": { "upstream": "py" } }
            }
            """, "guard.json");
        await BuildAndDisposeAsync(new GuardHostSettings(path));
    }

    [Fact]
    public async Task Port_in_use_fails_the_start_with_an_IOException_instead_of_hanging()
    {
        using var blocker = new TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        var port = ((IPEndPoint)blocker.LocalEndpoint).Port;

        foreach (var listener in new[] { "grpc", "http" })
        {
            var app = GuardHost.Build(new GuardHostSettings(WriteFile(ValidYaml))
            {
                Overrides = new Dictionary<string, string?> { [$"listeners:{listener}:address"] = $"127.0.0.1:{port}" },
            });
            try
            {
                var ex = await Assert.ThrowsAnyAsync<IOException>(() => app.StartAsync().WaitAsync(TimeSpan.FromSeconds(60)));
                Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
            }
            finally
            {
                await app.DisposeAsync();
            }
        }
    }

    // ---- The real CLI (guard.dll, copied next to this test assembly) --------------------------------------------

    private static Task<GuardCli.Result> RunCliAsync(params string[] args) => GuardCli.RunAsync(Path.GetTempPath(), CliTimeout, args);

    private static Task<GuardCli.Result> RunCliInAsync(string workingDirectory, params string[] args) => GuardCli.RunAsync(workingDirectory, CliTimeout, args);

    [Fact]
    public async Task Cli_config_validate_accepts_a_good_file()
    {
        var result = await RunCliAsync("config", "validate", "--config", WriteFile(ValidYaml));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Configuration is valid: 1 models, 1 upstreams, 1 policies.", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_config_validate_accepts_the_shipped_configuration()
    {
        // From the repository root, as ./guard runs it: the shipped file names the model repository relative to it.
        // ./guard supplies the deployment secret the detecting stages need; without one the file is refused, saying so.
        var config = Path.Combine(RepoPaths.Root, "config", "guard.yaml");
        var withSecret = await GuardCli.RunAsync(RepoPaths.Root, CliTimeout, new Dictionary<string, string> { ["GUARD_queryPatterns__secret"] = "0123456789abcdef0123456789abcdef" }, "config", "validate", "--config", config);
        Assert.True(withSecret.ExitCode == 0, withSecret.ToString());

        var without = await RunCliInAsync(RepoPaths.Root, "config", "validate", "--config", config);
        Assert.Equal(2, without.ExitCode);
        Assert.Contains("GUARD_queryPatterns__secret", without.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_config_validate_exits_2_and_lists_every_problem()
    {
        var bad = ValidYaml
            .Replace("simple: { upstream: py, policy: default }", "simple: { upstream: nope, policy: strict }", StringComparison.Ordinal)
            .Replace("healthCheck: { enabled: false }", "healthCheck: { enabled: false }\n    retries: 10", StringComparison.Ordinal);
        var result = await RunCliAsync("config", "validate", "--config", WriteFile(bad));
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("Invalid configuration", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("models.simple.upstream", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("models.simple.policy", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("upstreams.py.retries", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal); // no stack trace
    }

    [Fact]
    public async Task Cli_config_validate_reports_a_YAML_syntax_error_with_file_and_line()
    {
        var path = WriteFile("models:\n  simple: { upstream: py\n", "syntax.yaml");
        var result = await RunCliAsync("config", "validate", "--config", path);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("syntax.yaml", result.Stderr, StringComparison.Ordinal);
        Assert.Matches(@"line \d+", result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_config_validate_reports_a_missing_file()
    {
        var result = await RunCliAsync("config", "validate", "--config", Path.Combine(_directory, "absent.yaml"));
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("absent.yaml", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("does not exist", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_config_validate_reports_a_JSON_syntax_error_without_a_stack_trace()
    {
        var path = WriteFile("{ \"models\": { \"simple\": { \"upstream\": \"py\" }\n", "broken.json");
        var result = await RunCliAsync("config", "validate", "--config", path);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("broken.json", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_serve_exits_2_on_an_invalid_configuration()
    {
        var path = WriteFile(ValidYaml.Replace("upstream: py,", "upstream: nope,", StringComparison.Ordinal));
        var result = await RunCliAsync("serve", "--config", path);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("models.simple.upstream", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_serve_exits_2_on_a_YAML_syntax_error_without_a_stack_trace()
    {
        var path = WriteFile("models:\n  simple: { upstream: py\n", "serve-syntax.yaml");
        var result = await RunCliAsync("serve", "--config", path);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("serve-syntax.yaml", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_serve_with_an_unreadable_listener_certificate_exits_2_without_a_stack_trace()
    {
        // The files exist (so the validator is satisfied) but hold no certificate.
        var certificate = WriteFile("not a certificate\n", "garbage.pem");
        var key = WriteFile("not a key\n", "garbage.key");
        var path = WriteFile(ValidYaml.Replace(
            "grpc: { address: \"127.0.0.1:0\" }",
            $"grpc: {{ address: \"127.0.0.1:0\", tls: {{ certificate: \"{certificate}\", key: \"{key}\" }} }}",
            StringComparison.Ordinal));
        var result = await RunCliAsync("serve", "--config", path);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("garbage.pem", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_serve_on_a_port_in_use_prints_the_reason_and_exits_3()
    {
        using var blocker = new TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        var port = ((IPEndPoint)blocker.LocalEndpoint).Port;
        var path = WriteFile(ValidYaml.Replace("grpc: { address: \"127.0.0.1:0\" }", $"grpc: {{ address: \"127.0.0.1:{port}\" }}", StringComparison.Ordinal));

        var result = await RunCliAsync("serve", "--config", path);
        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("Could not start the listeners", result.Stderr, StringComparison.Ordinal);
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), result.Stderr, StringComparison.Ordinal);
    }
}
