using System.CommandLine;
using Guard.Gateway.Cli;

var config = new Option<string>("--config", "-c")
{
    Description = "Configuration file (.yaml, .yml or .json); GUARD_* environment variables override it.",
    DefaultValueFactory = _ => Environment.GetEnvironmentVariable("GUARD_CONFIG") ?? "config/guard.yaml",
};

var root = new RootCommand("Guard: a gRPC proxy that protects KServe v2 / Triton model servers from adversarial inputs.")
{
    ServeCommand.Create(config),
    ConfigCommand.Create(config),
    RedTeamCommand.Create(),
    LogCommand.Create(config),
    CertifyCommand.Create(),
    CalibrateCommand.Create(config),
    PolicyCommand.Create(),
    LogsCommand.CreateLogs(),
    LogsCommand.CreateBans(),
};

return await root.Parse(args).InvokeAsync();
