namespace Guard.Gateway.Metrics;

/// <summary>Checks metric and label names against the Prometheus data model, once, when a metric is created.</summary>
internal static class MetricNames
{
    /// <summary>Metric names: <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>.</summary>
    public static void ValidateMetricName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!IsValid(name, allowColon: true))
        {
            throw new ArgumentException($"'{name}' is not a valid Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*).", nameof(name));
        }
    }

    /// <summary>
    /// Label names: <c>[a-zA-Z_][a-zA-Z0-9_]*</c>, not starting with <c>__</c> (reserved for Prometheus itself),
    /// no duplicates, and none of <paramref name="reserved"/> (a histogram owns <c>le</c>). Returns a private copy.
    /// </summary>
    public static string[] ValidateLabelNames(string[] labelNames, string? reserved = null)
    {
        ArgumentNullException.ThrowIfNull(labelNames);
        var copy = (string[])labelNames.Clone();
        for (int i = 0; i < copy.Length; i++)
        {
            string label = copy[i] ?? throw new ArgumentException("Label names must not be null.", nameof(labelNames));
            if (!IsValid(label, allowColon: false))
            {
                throw new ArgumentException($"'{label}' is not a valid Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*).", nameof(labelNames));
            }

            if (label.StartsWith("__", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Label name '{label}' is reserved: names starting with '__' belong to Prometheus.", nameof(labelNames));
            }

            if (string.Equals(label, reserved, StringComparison.Ordinal))
            {
                throw new ArgumentException($"Label name '{label}' is reserved for this metric type.", nameof(labelNames));
            }

            for (int j = 0; j < i; j++)
            {
                if (string.Equals(copy[j], label, StringComparison.Ordinal))
                {
                    throw new ArgumentException($"Label name '{label}' appears twice.", nameof(labelNames));
                }
            }
        }

        return copy;
    }

    private static bool IsValid(string name, bool allowColon)
    {
        if (name.Length == 0)
        {
            return false;
        }

        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            bool ok = char.IsAsciiLetter(c) || c == '_' || (allowColon && c == ':') || (i > 0 && char.IsAsciiDigit(c));
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
