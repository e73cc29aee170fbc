namespace Guard.Admin.Security;

/// <summary>What a principal may do: reviewers read, admins read and change.</summary>
public enum AdminRole
{
    Reviewer = 1,
    Admin = 2,
}

public static class AdminRoles
{
    public const string Admin = "admin";
    public const string Reviewer = "reviewer";

    public static bool TryParse(string? text, out AdminRole role)
    {
        role = text switch
        {
            Admin => AdminRole.Admin,
            Reviewer => AdminRole.Reviewer,
            _ => 0,
        };
        return role != 0;
    }

    public static string Name(AdminRole role) => role == AdminRole.Admin ? Admin : Reviewer;
}

/// <summary>An authenticated administrator. <paramref name="Method"/> says how ("token", "session", later "oidc").</summary>
public sealed record AdminPrincipal(string User, AdminRole Role, string Method)
{
    public string RoleName => AdminRoles.Name(Role);

    public bool Can(AdminRole required) => Role >= required;
}
