using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;

namespace Guard.Gateway.Configuration;

/// <summary>
/// A policy as JSON in the configuration file's own keys (camelCase), for the admin API and the versions it stores.
/// JSON is read back through the same strict configuration binder as the file, so an admin change is held to exactly
/// the rules and messages of a file change.
/// </summary>
public static class PolicyJson
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        IgnoreReadOnlyProperties = true,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static JsonObject ToJson(PolicyOptions policy) => JsonSerializer.SerializeToNode(policy, Json)!.AsObject();

    /// <summary>Binds <paramref name="policy"/> as the file's <c>policies.NAME</c> would be; problems name their keys.</summary>
    public static PolicyOptions? Bind(string name, JsonObject policy, List<string> problems)
    {
        var document = new JsonObject { ["policies"] = new JsonObject { [name] = policy.DeepClone() } };
        IConfiguration configuration;
        try
        {
            configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(document.ToJsonString()))).Build();
        }
        catch (FormatException ex)
        {
            problems.Add($"policies.{name}: {ex.Message}");
            return null;
        }

        var options = new PolicyOptions();
        try
        {
            configuration.GetSection($"policies:{name}").Bind(options, o => o.ErrorOnUnknownConfiguration = true);
            return options;
        }
        catch (InvalidOperationException ex)
        {
            problems.Add(ex.InnerException is { } inner ? $"{ex.Message} {inner.Message}" : ex.Message);
            return null;
        }
    }
}
