namespace Guard.AuditLog;

/// <summary>The action names the admin surface records. The trail accepts others, so a new admin operation needs no
/// change here, but these are the ones reviewers filter by.</summary>
public static class AdminAuditActions
{
    public const string PolicySet = "policy.set";
    public const string PolicyRollback = "policy.rollback";
    public const string Ban = "ban";
    public const string Unban = "unban";
    public const string Login = "login";
    public const string LoginFailed = "login.failed";
    public const string Logout = "logout";
    public const string Export = "export";
}
