namespace Guard.Rpc.Internal;

/// <summary>
/// A token cancelled when either of two tokens is. Allocates a linked source only when both can actually be
/// cancelled: on the hot path the caller's token is usually <c>default</c>.
/// </summary>
internal readonly struct LinkedToken : IDisposable
{
    private readonly CancellationTokenSource? _source;

    private LinkedToken(CancellationTokenSource? source, CancellationToken token)
    {
        _source = source;
        Token = token;
    }

    public CancellationToken Token { get; }

    public static LinkedToken Create(CancellationToken first, CancellationToken second)
    {
        if (!first.CanBeCanceled || first == second)
        {
            return new LinkedToken(null, second);
        }

        if (!second.CanBeCanceled)
        {
            return new LinkedToken(null, first);
        }

        var source = CancellationTokenSource.CreateLinkedTokenSource(first, second);
        return new LinkedToken(source, source.Token);
    }

    public void Dispose() => _source?.Dispose();
}
