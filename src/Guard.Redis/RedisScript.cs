using System.Security.Cryptography;
using System.Text;

namespace Guard.Redis;

/// <summary>A Lua script, run with EVALSHA by its SHA-1 and loaded again on NOSCRIPT (a restarted or failed-over server).</summary>
public sealed class RedisScript(string source)
{
    public string Source { get; } = source;

#pragma warning disable CA5350 // SHA-1 is what Redis names scripts by (EVALSHA), not a security measure.
    public string Sha1 { get; } = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(source)));
#pragma warning restore CA5350
}
