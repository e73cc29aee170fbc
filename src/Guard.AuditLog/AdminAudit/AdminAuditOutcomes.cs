namespace Guard.AuditLog;

/// <summary>How an administrative action ended. A closed set, so that "show me everything denied" is one filter.</summary>
public static class AdminAuditOutcomes
{
    /// <summary>Done.</summary>
    public const string Ok = "ok";

    /// <summary>Refused: the caller's role or CSRF token did not allow it.</summary>
    public const string Denied = "denied";

    /// <summary>Refused: the request failed validation (e.g. a policy with problems, a stale base version).</summary>
    public const string Invalid = "invalid";

    /// <summary>Failed on our side (e.g. the state store was unreachable).</summary>
    public const string Error = "error";

    /// <summary>Whether <paramref name="outcome"/> is one of the four.</summary>
    public static bool IsKnown(string? outcome) => outcome is Ok or Denied or Invalid or Error;
}
