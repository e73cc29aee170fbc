using System.Buffers;
using System.Text;

namespace Guard.State;

/// <summary>
/// The key layout both backends use. Every key about one client carries the Redis Cluster hash tag
/// <c>{c:client}</c>, so that one script can touch all of them; model-wide limits carry <c>{m:model}</c> and free
/// values <c>{k:key}</c>. Names are escaped (<c>%</c>, braces, colons, control characters as <c>%XX</c>) so that no
/// client, model or limit name can end a hash tag early or collide with another key.
/// </summary>
internal sealed class StateKeys(string prefix)
{
    public string Prefix { get; } = ValidatePrefix(prefix);

    public string Ban(string client) => $"{Prefix}{{c:{Escape(client)}}}:ban";

    public string List(ClientList list, string client) =>
        $"{Prefix}{{c:{Escape(client)}}}:{(list == ClientList.Allow ? "allow" : "deny")}";

    /// <summary>The index of banned clients (a sorted set scored by expiry), so bans can be listed without scanning
    /// every node.</summary>
    public string BanIndex => $"{Prefix}bans";

    public string Bucket(TokenBucketLimit limit, string client, string model) => Limit("tb", limit.Name, limit.Scope, client, model);

    public string Quota(QuotaLimit limit, string client, string model) => Limit("q", limit.Name, limit.Scope, client, model);

    public string Value(string key) => $"{Prefix}{{k:{Escape(key)}}}";

    /// <summary>A notification channel (not a key: pub/sub has its own namespace), under the prefix so that
    /// deployments sharing one Redis hear only their own.</summary>
    public string Channel(string name) => $"{Prefix}{{n:{Escape(name)}}}";

    private string Limit(string kind, string name, LimitScope scope, string client, string model) => scope switch
    {
        LimitScope.Client => $"{Prefix}{{c:{Escape(client)}}}:{kind}:{Escape(name)}",
        LimitScope.ClientModel => $"{Prefix}{{c:{Escape(client)}}}:{kind}:{Escape(name)}:{Escape(model)}",
        LimitScope.Model => $"{Prefix}{{m:{Escape(model)}}}:{kind}:{Escape(name)}",
        _ => throw new ArgumentOutOfRangeException(nameof(scope), scope, null),
    };

    internal static string Escape(string name)
    {
        if (!name.AsSpan().ContainsAny(Special) && !name.Any(char.IsControl))
        {
            return name;
        }
        var escaped = new StringBuilder(name.Length + 8);
        foreach (var c in name)
        {
            if (Special.Contains(c) || char.IsControl(c))
            {
                escaped.Append('%').Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                escaped.Append(c);
            }
        }
        return escaped.ToString();
    }

    private static readonly SearchValues<char> Special = SearchValues.Create("%{}:");

    private static string ValidatePrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (prefix.AsSpan().ContainsAny('{', '}'))
        {
            throw new ArgumentException("The key prefix must not contain braces: they would become the hash tag.", nameof(prefix));
        }
        return prefix;
    }
}
