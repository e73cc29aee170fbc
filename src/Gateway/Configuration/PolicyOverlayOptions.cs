namespace Guard.Gateway.Configuration;

/// <summary>Admin policy changes as options: these policies replace the file's of the same name.</summary>
public sealed record PolicyOverlayOptions(long Version, IReadOnlyDictionary<string, PolicyOptions> Policies)
{
    public static PolicyOverlayOptions None { get; } = new(0, new Dictionary<string, PolicyOptions>(StringComparer.Ordinal));
}
