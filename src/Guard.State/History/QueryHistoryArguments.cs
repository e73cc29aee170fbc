namespace Guard.State.History;

/// <summary>The argument checks both backends make, so they refuse the same calls with the same exceptions.</summary>
internal static class QueryHistoryArguments
{
    public static void Validate(string scope, string client, ReadOnlyMemory<byte> entry, int capacity, TimeSpan lifetime)
    {
        ArgumentException.ThrowIfNullOrEmpty(scope);
        ArgumentException.ThrowIfNullOrEmpty(client);
        if (entry.IsEmpty)
        {
            throw new ArgumentException("An empty entry records nothing.", nameof(entry));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero);
    }
}
