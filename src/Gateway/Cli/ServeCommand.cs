using System.CommandLine;
using Guard.Gateway.Configuration;
using Guard.Gateway.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Guard.Gateway.Cli;

/// <summary><c>guard serve</c>: runs the proxy until SIGINT/SIGTERM.</summary>
internal static class ServeCommand
{
    public static Command Create(Option<string> config)
    {
        var logFormat = new Option<string>("--log-format") { Description = "text or json", DefaultValueFactory = _ => "text" };
        logFormat.AcceptOnlyFromAmong("text", "json");
        var command = new Command("serve", "Run Guard: the gRPC front door plus the HTTP listener for health and metrics.") { config, logFormat };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new GuardHostSettings(parse.GetValue(config)!) { LogFormat = parse.GetValue(logFormat)! };
            WebApplication app;
            try
            {
                app = GuardHost.Build(settings);
            }
            catch (InvalidConfigurationException ex)
            {
                await Console.Error.WriteLineAsync(ex.Message);
                return 2;
            }

            await using (app)
            {
                try
                {
                    await app.StartAsync(cancellationToken);
                }
                catch (IOException ex)
                {
                    // Typically a port already in use.
                    await Console.Error.WriteLineAsync($"Could not start the listeners: {ex.Message}");
                    return 3;
                }

                var addresses = app.Services.GetRequiredService<ListenerAddresses>();
                var admin = addresses.Admin is { } console ? $", console http://{console}, admin gRPC h2c://{addresses.AdminGrpc}" : "";
                await Console.Out.WriteLineAsync($"Guard listening: gRPC {(addresses.GrpcUsesTls ? "https" : "h2c")}://{addresses.Grpc}, HTTP http://{addresses.Http}{admin}");
                await app.WaitForShutdownAsync(CancellationToken.None);
            }

            return 0;
        });
        return command;
    }
}
