using System.Security.Cryptography;
using System.Text;
using Guard.Gateway.Configuration;

namespace Guard.Gateway.Identity;

/// <summary>
/// The configured API keys, by SHA-256. A presented key is hashed and looked up, so neither the configuration nor
/// memory holds a key, and lookup time does not depend on how much of a guess matches.
/// </summary>
public sealed class ApiKeyRegistry
{
    private readonly Dictionary<string, string> _clientsByHash;

    public ApiKeyRegistry(IEnumerable<ApiKeyOptions> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _clientsByHash = keys.ToDictionary(k => k.Sha256, k => k.Id, StringComparer.Ordinal);
    }

    public int Count => _clientsByHash.Count;

    /// <summary>The client id of <paramref name="key"/>, or null for an unknown key.</summary>
    public string? Find(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        return _clientsByHash.GetValueOrDefault(Convert.ToHexStringLower(hash));
    }
}
