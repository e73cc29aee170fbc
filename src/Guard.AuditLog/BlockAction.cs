namespace Guard.AuditLog;

/// <summary>What the guard did with the query. Stored as a stable lower-camel text name (see
/// <see cref="BlockActionNames"/>) rather than the numeric value, so that the table reads on its own in a SQL console
/// and reordering this enum can never relabel history.</summary>
public enum BlockAction
{
    /// <summary>Refused with an error the client sees.</summary>
    Reject,

    /// <summary>Answered with a plausible but useless reply, so the client cannot tell it was caught.</summary>
    SilentReject,

    /// <summary>Answered, but slowed down.</summary>
    Delay,

    /// <summary>Refused, and the client banned.</summary>
    Ban,

    /// <summary>Answered normally, but recorded for review.</summary>
    Flag,
}

/// <summary>The text names of <see cref="BlockAction"/> as stored and exported.</summary>
public static class BlockActionNames
{
    /// <summary>The stored name of <paramref name="action"/>.</summary>
    public static string ToName(BlockAction action) => action switch
    {
        BlockAction.Reject => "reject",
        BlockAction.SilentReject => "silentReject",
        BlockAction.Delay => "delay",
        BlockAction.Ban => "ban",
        BlockAction.Flag => "flag",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "Unknown block action."),
    };

    /// <summary>Parses a stored name; throws <see cref="FormatException"/> on anything else, since an unknown name
    /// in the table means a newer writer or a damaged row, not something to silently map.</summary>
    public static BlockAction Parse(string name) => name switch
    {
        "reject" => BlockAction.Reject,
        "silentReject" => BlockAction.SilentReject,
        "delay" => BlockAction.Delay,
        "ban" => BlockAction.Ban,
        "flag" => BlockAction.Flag,
        _ => throw new FormatException($"Unknown block action '{name}'."),
    };
}
