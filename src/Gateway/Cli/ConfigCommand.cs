using System.CommandLine;
using Guard.Gateway.Configuration;
using Guard.Gateway.Hosting;

namespace Guard.Gateway.Cli;

/// <summary><c>guard config validate</c>: reads a configuration the way <c>serve</c> does and lists its problems.</summary>
internal static class ConfigCommand
{
    public static Command Create(Option<string> config)
    {
        var validate = new Command("validate", "Check a configuration file (with GUARD_* overrides) and list every problem.") { config };
        validate.SetAction(parse =>
        {
            try
            {
                var options = GuardHost.LoadAndValidate(new GuardHostSettings(parse.GetValue(config)!));
                Console.WriteLine($"Configuration is valid: {options.Models.Count} models, {options.Upstreams.Count} upstreams, {options.Policies.Count} policies.");
                return 0;
            }
            catch (InvalidConfigurationException ex)
            {
                Console.Error.WriteLine(ex.Message);
                return 2;
            }
        });
        return new Command("config", "Configuration tools.") { validate };
    }
}
