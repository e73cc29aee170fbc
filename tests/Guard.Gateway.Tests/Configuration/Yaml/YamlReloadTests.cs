using System.Collections.Concurrent;
using Guard.Gateway.Configuration.Yaml;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;

namespace Guard.Gateway.Tests.Configuration.Yaml;

public sealed class YamlReloadTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_changed_file_is_reloaded_and_raises_the_reload_token()
    {
        using var file = new TempYamlFile("server:\n  port: 8080\n");
        IConfigurationRoot config = new ConfigurationBuilder().AddYamlFile(file.Path, optional: false, reloadOnChange: true).Build();
        try
        {
            Assert.Equal("8080", config["server:port"]);
            var reloaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using IDisposable registration = config.GetReloadToken().RegisterChangeCallback(_ => reloaded.TrySetResult(), null);

            file.Write("server:\n  port: 9090\n");

            await reloaded.Task.WaitAsync(Timeout);
            await WaitUntilAsync(() => config["server:port"] == "9090");
            Assert.Equal("9090", config["server:port"]);
        }
        finally
        {
            (config as IDisposable)?.Dispose();
        }
    }

    [Fact]
    public async Task A_broken_reload_keeps_the_last_good_values_and_reports_the_error()
    {
        using var file = new TempYamlFile("a: good\n");
        var errors = new ConcurrentQueue<Exception>();
        using var provider = new PhysicalFileProvider(file.Directory);
        IConfigurationRoot config = new ConfigurationBuilder()
            .AddYamlFile(source =>
            {
                source.FileProvider = provider;
                source.Path = Path.GetFileName(file.Path);
                source.ReloadOnChange = true;
                source.OnLoadException = context => errors.Enqueue(context.Exception);
            })
            .Build();
        try
        {
            file.Write("a: [broken\n");
            await WaitUntilAsync(() => !errors.IsEmpty);

            Assert.Equal("good", config["a"]);
            // The watcher may report one save as several changes, so there may be more than one report.
            Exception error = errors.First();
            Assert.All(errors, e => Assert.IsType<FormatException>(e));
            Assert.Contains("guard.yaml", error.Message, StringComparison.Ordinal);
            Assert.Contains("line 2", error.Message, StringComparison.Ordinal);

            // Fixing the file brings the new values in.
            file.Write("a: fixed\n");
            await WaitUntilAsync(() => config["a"] == "fixed");
        }
        finally
        {
            (config as IDisposable)?.Dispose();
        }
    }

    [Fact]
    public void Reload_is_off_unless_asked_for()
    {
        using var file = new TempYamlFile("a: 1\n");
        IConfigurationRoot config = new ConfigurationBuilder().AddYamlFile(file.Path, optional: false, reloadOnChange: false).Build();

        IChangeToken token = config.GetReloadToken();

        Assert.False(token.HasChanged);
        Assert.Equal("1", config["a"]);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        while (!condition())
        {
            await Task.Delay(25, timeout.Token);
        }
    }
}
