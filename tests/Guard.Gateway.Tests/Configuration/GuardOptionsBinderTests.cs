using Guard.Gateway.Configuration;
using Microsoft.Extensions.Configuration;

namespace Guard.Gateway.Tests.Configuration;

public sealed class GuardOptionsBinderTests
{
    private static IConfiguration From(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public void Binds_nested_sections_and_dictionaries()
    {
        var options = GuardOptionsBinder.Bind(From(
            ("upstreams:py:endpoints:0", "http://127.0.0.1:9000"),
            ("upstreams:py:retries", "2"),
            ("models:simple:upstream", "py"),
            ("policies:default:validation:maxRank", "4"),
            ("logging:logLevel:default", "Warning")));
        Assert.Equal(2, options.Upstreams["py"].Retries);
        Assert.Equal("py", options.Models["simple"].Upstream);
        Assert.Equal(4, options.Policies["default"].Validation.MaxRank);
    }

    [Fact]
    public void A_misspelt_key_is_an_error_naming_it()
    {
        var ex = Assert.Throws<InvalidConfigurationException>(() => GuardOptionsBinder.Bind(From(("models:simple:upstream", "py"), ("models:simple:polcy", "strict"))));
        Assert.Contains("polcy", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_that_does_not_convert_is_an_error_not_a_dropped_policy()
    {
        var ex = Assert.Throws<InvalidConfigurationException>(() => GuardOptionsBinder.Bind(From(("policies:default:validation:maxRank", "eight"))));
        Assert.Contains("maxRank", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void An_unknown_top_level_key_is_an_error_but_logging_is_not()
    {
        var ex = Assert.Throws<InvalidConfigurationException>(() => GuardOptionsBinder.Bind(From(("upstream", "x"))));
        Assert.Contains("upstream: unknown top-level key", ex.Message, StringComparison.Ordinal);
        GuardOptionsBinder.Bind(From(("logging:logLevel:default", "Debug")));
    }

    [Fact]
    public void Other_GUARD_environment_variables_are_not_configuration_keys()
    {
        var name = "GUARD_ORT_LIBRARY_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(name, "/opt/libonnxruntime.so.1");
        try
        {
            var configuration = new ConfigurationBuilder().AddEnvironmentVariables("GUARD_").Build();
            GuardOptionsBinder.Bind(configuration);
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }
}
