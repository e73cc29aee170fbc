using System.Diagnostics;
using Guard.Integration.Tests.Infrastructure;

namespace Guard.Integration.Tests.Hosting;

/// <summary>
/// The README's start command, <c>./guard serve</c>, as a user runs it: set-up, build, the shipped configuration, the
/// demo models on the embedded host. Only the ports are moved (by environment variables) so the test can run beside
/// other Guards; a real grpcio client then classifies the evaluation set through it.
/// </summary>
public sealed class StartCommandTests
{
    private static readonly TimeSpan StartPatience = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Guard_serve_serves_the_demo_models_to_a_grpcio_client()
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = RepoPaths.Root };
        info.ArgumentList.Add(Path.Combine(RepoPaths.Root, "guard"));
        info.ArgumentList.Add("serve");
        info.Environment.Remove("GUARD_CONFIG");
        info.Environment["GUARD_listeners__grpc__address"] = "127.0.0.1:0";
        info.Environment["GUARD_listeners__http__address"] = "127.0.0.1:0";
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start ./guard serve");
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            var grpc = await GuardProcess.ListeningAddressAsync(process, StartPatience);
            Assert.True(grpc is not null, $"./guard serve never said where it listens; stderr: {(process.HasExited ? await stderr : "(running)")}");
            foreach (var model in new[] { "fashion_cnn", "fashion_cnn_s025", "fashion_cnn_s050" })
            {
                var result = await PythonClient.ClassifyAsync(grpc, "--model", model, "--count", "200");
                Assert.True(result.Ok, result.ToString());
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                // SIGTERM, as systemd or Ctrl-C would; the launcher passes it on to Guard.
                using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                await kill.WaitForExitAsync();
                using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                try
                {
                    await process.WaitForExitAsync(exited.Token);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
        }

        Assert.Equal(0, process.ExitCode);
    }
}
