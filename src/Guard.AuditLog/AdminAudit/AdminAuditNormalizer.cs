namespace Guard.AuditLog;

/// <summary>
/// What the admin audit trail accepts. A missing action or an outcome outside <see cref="AdminAuditOutcomes"/> is a
/// caller bug and is rejected with <see cref="ArgumentException"/>; text is truncated rather than rejected, since an
/// audit record of an oversized request is worth more than no record.
/// </summary>
public static class AdminAuditNormalizer
{
    /// <summary>The longest user, role, action, target and outcome, in UTF-16 code units.</summary>
    public const int MaxTextLength = 256;

    /// <summary>The longest reason, in UTF-16 code units.</summary>
    public const int MaxReasonLength = 1024;

    /// <summary>The longest detail, in UTF-16 code units (64 Ki): room for a whole policy version as JSON, which the
    /// admin surface records so the trail alone can restore policies. A detail cut here is no longer valid JSON; it is
    /// kept as text all the same.</summary>
    public const int MaxDetailLength = 64 * 1024;

    /// <summary>The entry as it will be stored; throws <see cref="ArgumentException"/> when it cannot be.</summary>
    public static AdminAuditEntry Normalize(AdminAuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (string.IsNullOrEmpty(entry.Action))
        {
            throw new ArgumentException($"{nameof(AdminAuditEntry.Action)} is required.", nameof(entry));
        }

        if (!AdminAuditOutcomes.IsKnown(entry.Outcome))
        {
            throw new ArgumentException(
                $"{nameof(AdminAuditEntry.Outcome)} must be one of ok, denied, invalid or error.", nameof(entry));
        }

        return entry with
        {
            Id = 0,
            TimeUtc = entry.TimeUtc.ToUniversalTime(),
            User = BoundedText.Truncate(entry.User ?? "", MaxTextLength),
            Role = BoundedText.Truncate(entry.Role ?? "", MaxTextLength),
            Action = BoundedText.Truncate(entry.Action, MaxTextLength),
            Target = BoundedText.Truncate(entry.Target ?? "", MaxTextLength),
            Detail = BoundedText.Truncate(entry.Detail ?? "", MaxDetailLength),
            Reason = BoundedText.Truncate(entry.Reason ?? "", MaxReasonLength),
        };
    }
}
