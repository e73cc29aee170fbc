namespace Guard.RedTeam.Running;

/// <summary>Order statistics of query counts, interpolated between ranks (numpy's default); null for no values.</summary>
public static class Percentiles
{
    public static double? Median(IEnumerable<int> values) => Of(values, 0.5);

    public static double? Of(IEnumerable<int> values, double fraction)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return null;
        }

        var position = fraction * (sorted.Length - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + ((position - below) * (sorted[above] - sorted[below]));
    }
}
