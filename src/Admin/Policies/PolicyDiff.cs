using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Guard.Admin.Policies;

/// <summary>What changed between two versions of a policy, key by key (<c>smoothing.minRadius</c>, <c>squeezing.squeezers.1</c>).</summary>
public static class PolicyDiff
{
    public static IReadOnlyList<PolicyChange> Compare(JsonNode? before, JsonNode? after)
    {
        var old = Flatten(before);
        var @new = Flatten(after);
        var changes = new List<PolicyChange>();
        foreach (var path in old.Keys.Union(@new.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var from = old.GetValueOrDefault(path, "");
            var to = @new.GetValueOrDefault(path, "");
            if (from != to)
            {
                changes.Add(new PolicyChange(path, from, to));
            }
        }

        return changes;
    }

    /// <summary>Leaf values by dotted path, as text: numbers in invariant form, so 0.25 and 0.250 are the same.</summary>
    public static Dictionary<string, string> Flatten(JsonNode? node)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        Walk(node, "", values);
        return values;
    }

    private static void Walk(JsonNode? node, string path, Dictionary<string, string> values)
    {
        switch (node)
        {
            case null:
                return;
            case JsonObject obj:
                foreach (var (key, child) in obj)
                {
                    Walk(child, path.Length == 0 ? key : $"{path}.{key}", values);
                }
                return;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    Walk(array[i], $"{path}.{i}", values);
                }
                return;
            case JsonValue value:
                values[path] = value.GetValueKind() switch
                {
                    JsonValueKind.Number => value.GetValue<double>().ToString("R", CultureInfo.InvariantCulture),
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    JsonValueKind.String => value.GetValue<string>(),
                    _ => value.ToJsonString(),
                };
                return;
        }
    }
}
