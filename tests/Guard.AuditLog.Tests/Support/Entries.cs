using System.Text;

namespace Guard.AuditLog.Tests.Support;

/// <summary>Sample rows whose fields vary with the index, so filters select predictable subsets.</summary>
public static class Entries
{
    /// <summary>Microsecond-aligned, as stored.</summary>
    public static readonly DateTimeOffset BaseTime = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static readonly BlockAction[] Actions = [BlockAction.Reject, BlockAction.SilentReject, BlockAction.Delay, BlockAction.Ban, BlockAction.Flag];

    public static BlockedQuery Sample(int i, DateTimeOffset? time = null) => new()
    {
        TimeUtc = time ?? BaseTime.AddSeconds(i),
        RequestId = $"req-{i}",
        ClientId = $"client-{i % 7}",
        Model = $"model-{i % 3}",
        ModelVersion = (i % 2).ToString(System.Globalization.CultureInfo.InvariantCulture),
        Guard = $"guard-{i % 4}",
        Score = 0.5 + i / 10000.0,
        Threshold = 0.5,
        Action = Actions[i % Actions.Length],
        MatchedQueryIds = i % 2 == 0 ? [$"req-{i - 1}", $"req-{i - 2}"] : [],
        InputHash = InputHash.Compute(Encoding.UTF8.GetBytes($"input-{i}")),
    };
}
