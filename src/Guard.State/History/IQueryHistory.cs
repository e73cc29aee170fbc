namespace Guard.State.History;

/// <summary>
/// Per-client bounded history of recent queries behind stateful k-NN detection (Chen, Carlini and Wagner 2020): each
/// client's last few hundred query embeddings, per scope (a model). One call per query both reads the history and
/// records the query, in one round trip. Entries are opaque bytes to the store; the guard owns their encoding.
/// </summary>
public interface IQueryHistory
{
    /// <summary>
    /// Returns the entries <paramref name="client"/> recorded earlier under <paramref name="scope"/>, most recent
    /// first and at most <paramref name="capacity"/>, then records <paramref name="entry"/>. The history keeps only the
    /// <paramref name="capacity"/> most recent entries and is forgotten as a whole <paramref name="lifetime"/> after its
    /// last use. The store copies <paramref name="entry"/>; the returned memory must not be written to.
    /// </summary>
    /// <exception cref="ArgumentException">Empty scope, client or entry; capacity below 1; lifetime not positive.</exception>
    /// <exception cref="StateUnavailableException">The backend could not be reached or refused the call.</exception>
    ValueTask<IReadOnlyList<ReadOnlyMemory<byte>>> AppendAndReadAsync(
        string scope, string client, ReadOnlyMemory<byte> entry, int capacity, TimeSpan lifetime, CancellationToken cancellationToken = default);
}
