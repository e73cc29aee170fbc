using Guard.RedTeam.Targets;

namespace Guard.RedTeam.Running;

/// <summary>
/// The client identities of one endpoint: run i gets API key i mod count, so that a guard's per-client history
/// sees independent runs as independent clients (with fewer keys than runs, runs share clients).
/// </summary>
public sealed class ClientPool
{
    private readonly IBlackBoxTarget[] _clients;

    /// <param name="clientFor">Makes the target of one API key (null: no key).</param>
    public ClientPool(Func<string?, IBlackBoxTarget> clientFor, IReadOnlyList<string> apiKeys)
    {
        ArgumentNullException.ThrowIfNull(clientFor);
        ArgumentNullException.ThrowIfNull(apiKeys);
        _clients = apiKeys.Count == 0 ? [clientFor(null)] : apiKeys.Select(k => clientFor(k)).ToArray();
    }

    public int Count => _clients.Length;

    /// <summary>The index of the client that run <paramref name="run"/> uses.</summary>
    public int ClientIndex(int run) => run % _clients.Length;

    public IBlackBoxTarget ForRun(int run) => _clients[ClientIndex(run)];
}
