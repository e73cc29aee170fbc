namespace Guard.AuditLog.Tests.Support;

/// <summary>Sample admin audit entries whose user, action and outcome vary with the index.</summary>
public static class AdminEntries
{
    public static readonly string[] Users = ["alice", "bob", "carol"];

    public static readonly string[] Actions =
    [
        AdminAuditActions.PolicySet, AdminAuditActions.Ban, AdminAuditActions.Login, AdminAuditActions.PolicyRollback,
    ];

    public static AdminAuditEntry Sample(int i) => new()
    {
        TimeUtc = Entries.BaseTime.AddSeconds(i),
        User = Users[i % Users.Length],
        Role = i % 2 == 0 ? "admin" : "reviewer",
        Action = Actions[i % Actions.Length],
        Target = $"target-{i}",
        Detail = $$"""{"changed":["knn.threshold"],"i":{{i}}}""",
        Reason = $"reason {i}",
        Outcome = i % 5 == 0 ? AdminAuditOutcomes.Denied : AdminAuditOutcomes.Ok,
    };
}
