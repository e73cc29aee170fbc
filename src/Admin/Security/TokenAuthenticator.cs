using System.Security.Cryptography;
using System.Text;

namespace Guard.Admin.Security;

/// <summary>
/// Checks a token against the configured SHA-256 hashes. Tokens are long random secrets, so one unsalted hash is
/// enough to keep them out of the configuration (as with API keys); comparison is constant-time over every user.
/// </summary>
public sealed class TokenAuthenticator : IAdminAuthenticator
{
    private readonly (byte[] Hash, AdminPrincipal Principal)[] _users;

    public TokenAuthenticator(IEnumerable<AdminUserOptions> users)
    {
        _users = users.Select(u => (Convert.FromHexString(u.TokenSha256),
            new AdminPrincipal(u.Name, AdminRoles.TryParse(u.Role, out var role) ? role : throw new ArgumentException($"unknown role '{u.Role}'"), "token"))).ToArray();
    }

    public AdminPrincipal? Authenticate(string credential)
    {
        if (string.IsNullOrEmpty(credential) || credential.Length > 4096)
        {
            return null;
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(credential), hash);
        AdminPrincipal? found = null;
        foreach (var (expected, principal) in _users)
        {
            // Every hash is compared, so timing does not tell which user (or whether any) matched.
            if (CryptographicOperations.FixedTimeEquals(expected, hash))
            {
                found ??= principal;
            }
        }

        return found;
    }
}
