namespace Guard.AuditLog;

/// <summary>
/// One administrative action, as the audit trail records it: who did what to which target, why, and how it ended.
/// <see cref="Id"/> is assigned when the entry is appended (0 before). Times are stored in whole microseconds UTC, like
/// <see cref="BlockedQuery.TimeUtc"/>. Never put secrets (tokens, passwords, connection strings) in any field.
/// </summary>
public sealed record AdminAuditEntry
{
    /// <summary>The trail's id for the entry; 0 before it is appended. Ids grow with each append.</summary>
    public long Id { get; init; }

    /// <summary>When the action was taken (UTC).</summary>
    public required DateTimeOffset TimeUtc { get; init; }

    /// <summary>The administrator; empty when unknown (e.g. a failed login with an unrecognised token).</summary>
    public required string User { get; init; }

    /// <summary>The administrator's role (e.g. "admin", "reviewer"); empty when unknown.</summary>
    public required string Role { get; init; }

    /// <summary>What was done, one of <see cref="AdminAuditActions"/> or another dotted lower-case name.</summary>
    public required string Action { get; init; }

    /// <summary>What it was done to (a policy name, a client id, a version); empty when the action has none.</summary>
    public string Target { get; init; } = "";

    /// <summary>Free text or JSON, e.g. the changed keys; cut at <see cref="AdminAuditNormalizer.MaxDetailLength"/>.</summary>
    public string Detail { get; init; } = "";

    /// <summary>The reason the administrator gave; empty when none was asked for.</summary>
    public string Reason { get; init; } = "";

    /// <summary>How it ended, one of <see cref="AdminAuditOutcomes"/>.</summary>
    public required string Outcome { get; init; }
}
