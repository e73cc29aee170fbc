namespace Guard.Admin;

/// <summary>
/// The admin surface: the web console and JSON API on <see cref="Address"/>, the gRPC admin service on
/// <see cref="GrpcAddress"/>. Both are loopback by default and exist only when <see cref="Users"/> names someone:
/// without credentials there is nothing to reach.
/// </summary>
public sealed class AdminOptions
{
    /// <summary>host:port of the console and JSON API (HTTP/1.1, or HTTPS with <see cref="Tls"/>).</summary>
    public string Address { get; set; } = "127.0.0.1:8003";

    /// <summary>host:port of the gRPC admin service (HTTP/2; TLS with <see cref="Tls"/>); empty disables it.</summary>
    public string GrpcAddress { get; set; } = "127.0.0.1:8004";

    public AdminTlsOptions? Tls { get; set; }

    /// <summary>Who may administer; their tokens are stored only as SHA-256 hashes.</summary>
    public List<AdminUserOptions> Users { get; set; } = new();

    /// <summary>A console session ends after this long without a request.</summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>A console session ends this long after log-in, however active.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Failed log-ins allowed per client address per minute before it must wait.</summary>
    public int MaxFailedLoginsPerMinute { get; set; } = 10;

    /// <summary>Where the console finds <c>guard certify</c> and <c>guard calibrate</c> reports, in order: the first
    /// directory holding a report wins (latest runs first, then the ones shipped with the models).</summary>
    /// <remarks>Null rather than a filled default: the binder appends to a list it finds, it does not replace it.</remarks>
    public List<string>? ReportsDirectories { get; set; }

    public IReadOnlyList<string> EffectiveReportsDirectories => ReportsDirectories ?? ["bench/results", "reports"];

    /// <summary>How often replicas re-read the policy version in case a change notification was lost.</summary>
    public TimeSpan PolicyPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    public bool Enabled => Users.Count > 0;

    public override string ToString() => $"address={Address}, grpcAddress={GrpcAddress}, users={Users.Count}";
}

public sealed class AdminTlsOptions
{
    public string Certificate { get; set; } = "";

    public string Key { get; set; } = "";
}

public sealed class AdminUserOptions
{
    public string Name { get; set; } = "";

    /// <summary>admin or reviewer.</summary>
    public string Role { get; set; } = "";

    /// <summary>Lower-case hex SHA-256 of the token (<c>printf %s "$TOKEN" | sha256sum</c>).</summary>
    public string TokenSha256 { get; set; } = "";

    public override string ToString() => $"{Name} ({Role})";
}
