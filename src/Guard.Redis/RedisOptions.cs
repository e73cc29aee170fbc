namespace Guard.Redis;

/// <summary>How to reach Redis. Bound from configuration; secrets (password) never appear in ToString or logs.</summary>
public sealed class RedisOptions
{
    /// <summary>host:port of each node: one for a standalone server, any number of seed nodes for a cluster.</summary>
    public List<string> Endpoints { get; set; } = new();

    /// <summary>ACL user; null authenticates as "default" (with a password) or not at all.</summary>
    public string? User { get; set; }

    public string? Password { get; set; }

    /// <summary>Database index (standalone only; a cluster has only database 0).</summary>
    public int Database { get; set; }

    /// <summary>Follow MOVED/ASK redirects and route by key slot.</summary>
    public bool Cluster { get; set; }

    /// <summary>2 or 3: the RESP version asked for with HELLO.</summary>
    public int Protocol { get; set; } = 2;

    public RedisTlsOptions? Tls { get; set; }

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectMinBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan ReconnectMaxBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Connections kept for blocking commands (BLPOP and the like), which must not stall the shared connection.</summary>
    public int BlockingPoolSize { get; set; } = 2;

    public override string ToString() =>
        $"endpoints={string.Join(",", Endpoints)} user={User ?? "(default)"} password={(Password is null ? "none" : "***")} db={Database} cluster={Cluster} resp={Protocol} tls={(Tls is null ? "off" : "on")}";
}

public sealed class RedisTlsOptions
{
    /// <summary>PEM CA bundle the server certificate must chain to; null uses the system store.</summary>
    public string? Ca { get; set; }

    /// <summary>Name to verify in the server certificate (and send as SNI); null uses the endpoint host.</summary>
    public string? ServerName { get; set; }

    /// <summary>PEM client certificate and key, for servers that require client authentication.</summary>
    public string? Certificate { get; set; }

    public string? Key { get; set; }
}
