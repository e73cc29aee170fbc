namespace Guard.Gateway.Metrics;

/// <summary>Compares label value arrays element by element (ordinal), so a caller's fresh array finds the existing series.</summary>
internal sealed class LabelValuesComparer : IEqualityComparer<string[]>
{
    public static readonly LabelValuesComparer Instance = new();

    private LabelValuesComparer()
    {
    }

    public bool Equals(string[]? x, string[]? y)
    {
        if (ReferenceEquals(x, y))
        {
            return true;
        }

        if (x is null || y is null || x.Length != y.Length)
        {
            return false;
        }

        for (int i = 0; i < x.Length; i++)
        {
            if (!string.Equals(x[i], y[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    public int GetHashCode(string[] obj)
    {
        var hash = default(HashCode);
        foreach (string value in obj)
        {
            // Null is tolerated here so a bad lookup misses and is rejected by validation, not by a NullReferenceException.
            hash.Add(value is null ? 0 : StringComparer.Ordinal.GetHashCode(value));
        }

        return hash.ToHashCode();
    }
}
