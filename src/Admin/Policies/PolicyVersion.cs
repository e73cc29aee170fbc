using System.Text.Json.Nodes;

namespace Guard.Admin.Policies;

/// <summary>One changed key of a policy: <c>smoothing.minRadius</c> from "0" to "0.25" ("" for absent).</summary>
public sealed record PolicyChange(string Path, string From, string To);

/// <summary>
/// One version of the admin changes: who made it, when, why, what changed, and the whole overlay in force from then
/// on (policy name → the policy as JSON, replacing the file's policy of that name). Version 0 is "no admin changes".
/// </summary>
public sealed record PolicyVersion
{
    public const string SetAction = "set";
    public const string RollbackAction = "rollback";

    public long Version { get; init; }

    public DateTimeOffset TimeUtc { get; init; }

    public required string User { get; init; }

    public required string Role { get; init; }

    public required string Action { get; init; }

    /// <summary>The policy the change was about ("" for a rollback across several).</summary>
    public required string Policy { get; init; }

    public required string Reason { get; init; }

    /// <summary>For a rollback: the version whose overlay was restored.</summary>
    public long? RolledBackTo { get; init; }

    public IReadOnlyList<PolicyChange> Changes { get; init; } = [];

    public required Dictionary<string, JsonObject> Policies { get; init; }
}

/// <summary>The admin changes in force: the overlay of <see cref="Version"/>.</summary>
public sealed record PolicyOverlay(long Version, IReadOnlyDictionary<string, JsonObject> Policies)
{
    public static PolicyOverlay Empty { get; } = new(0, new Dictionary<string, JsonObject>(StringComparer.Ordinal));
}
