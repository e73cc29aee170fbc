using System.Buffers;
using Guard.Guards.Pipeline;
using Guard.State;
using Guard.State.History;

namespace Guard.Guards.QueryPatterns;

/// <summary>What the k-NN stage left in <see cref="GuardContext.Items"/> about a query it embedded.</summary>
public sealed record KnnQueryRecord(string QueryId, KnnScore Score);

/// <summary>
/// Stage "knn", stateful detection after Chen, Carlini and Wagner ("Stateful Detection of Black-Box Adversarial
/// Attacks", 2020): the first input is embedded, the client's recent embeddings for this model are fetched and this one
/// appended (one round trip), and a query whose mean distance to its K nearest earlier queries is below the threshold is
/// detected. Query-based attacks (HopSkipJump, Square, SimBA, Boundary, NES) cannot avoid it from one account: they
/// must send many near-duplicates of the input they attack.
/// </summary>
/// <remarks>
/// Complements the fingerprint stage: that one is global (catches Sybil accounts) but matches only near-exact
/// duplicates; this one is per client but measures closeness, so it also sees the larger steps of an attack's search.
/// </remarks>
public sealed class StatefulKnnGuard : IGuard
{
    /// <summary>Where the query's id and score (a <see cref="KnnQueryRecord"/>), or why it was not embedded, are left.</summary>
    public const string ScoreItem = "knn.score";

    private readonly IQueryHistory _history;
    private readonly IQueryEmbedder _embedder;
    private readonly KnnScorer _scorer;
    private readonly StatefulKnnOptions _options;

    /// <summary>The stage with the built-in <see cref="DownsampleEmbedder"/> of <see cref="StatefulKnnOptions.EmbeddingGrid"/>.</summary>
    public StatefulKnnGuard(IQueryHistory history, StatefulKnnOptions options)
        : this(history, new DownsampleEmbedder((options ?? throw new ArgumentNullException(nameof(options))).EmbeddingGrid), options)
    {
    }

    /// <exception cref="ArgumentException">The options are invalid (the message names the parameter).</exception>
    public StatefulKnnGuard(IQueryHistory history, IQueryEmbedder embedder, StatefulKnnOptions options)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(embedder);
        _scorer = new KnnScorer(options);
        _history = history;
        _embedder = embedder;
        _options = options;
    }

    public string Name => "knn";

    public async ValueTask<GuardVerdict> InspectAsync(GuardContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Request.Inputs.Count == 0)
        {
            return GuardVerdict.Allow;
        }

        // The request id when it is the gateway's 64-bit hex form, so a match names a query the blocked-query log can
        // find; row r of a batch is recorded as that id plus r.
        var queryId = ulong.TryParse(context.RequestId, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : (ulong)Random.Shared.NextInt64(long.MinValue, long.MaxValue);
        byte[][] entries;
        try
        {
            entries = Encode(context, queryId);
        }
        catch (ArgumentException ex)
        {
            // Unsupported type, empty, non-finite, unembeddable shape: nothing to compare; validation reports bad values.
            context.Items[ScoreItem] = ex.Message;
            return GuardVerdict.Allow;
        }

        // Each row of a batch is a query of its own (an attacker must not hide probes among filler rows), recorded
        // in order, so near-duplicate rows within one request also find each other.
        GuardVerdict? first = null;
        for (var row = 0; row < entries.Length; row++)
        {
            IReadOnlyList<ReadOnlyMemory<byte>> history;
            try
            {
                history = await _history.AppendAndReadAsync(
                    context.Model, context.ClientId, entries[row], _options.HistoryCapacity, _options.HistoryLifetime, cancellationToken);
            }
            catch (StateUnavailableException)
            {
                // Without the history this stage has nothing to compare with; the limits stage decides fail-open or closed.
                return first ?? GuardVerdict.Allow;
            }

            var verdict = Judge(context, entries[row], queryId + (ulong)row, history);
            if (verdict.Kind == VerdictKind.Detect && first is null)
            {
                first = verdict;
            }
        }

        return first ?? GuardVerdict.Allow;
    }

    private GuardVerdict Judge(GuardContext context, byte[] entry, ulong queryId, IReadOnlyList<ReadOnlyMemory<byte>> history)
    {
        var rented = ArrayPool<KnnNeighbour>.Shared.Rent(_options.K);
        try
        {
            var nearest = rented.AsSpan(0, _options.K);
            var score = _scorer.Score(entry.AsSpan(KnnEntry.HeaderSize), history, nearest);
            var id = KnnEntry.FormatId(queryId);
            context.Items[ScoreItem] = new KnnQueryRecord(id, score);
            if (!score.IsJudged || score.MeanDistance >= _options.Threshold)
            {
                return GuardVerdict.Allow;
            }

            var matched = new string[score.Neighbours];
            for (var i = 0; i < matched.Length; i++)
            {
                matched[i] = KnnEntry.FormatId(KnnEntry.QueryId(history[nearest[i].Index].Span));
            }

            return GuardVerdict.Detect(new Detection
            {
                Guard = Name,
                Score = score.MeanDistance,
                Threshold = _options.Threshold,
                Action = _options.Action,
                MatchedQueryIds = matched,
                QueryId = id,
            });
        }
        finally
        {
            ArrayPool<KnnNeighbour>.Shared.Return(rented);
        }
    }

    /// <summary>One history entry per row of the first input (its first dimension is the batch when it has two or more).</summary>
    /// <exception cref="ArgumentException">The input cannot be read or embedded.</exception>
    private byte[][] Encode(GuardContext context, ulong queryId)
    {
        if (!KnnInputReader.TryRead(context, out var values, out var count, out var reason))
        {
            throw new ArgumentException(reason);
        }

        try
        {
            var shape = context.Request.Inputs[0].Shape;
            var rows = shape.Length >= 2 && shape[0] > 1 && count % shape[0] == 0 ? (int)shape[0] : 1;
            var rowShape = rows == 1 ? shape : [1, .. shape.AsSpan(1)];
            var rowLength = count / rows;
            var size = _embedder.GetEmbeddingSize(rowShape, rowLength);
            if (size is <= 0 or > StatefulKnnOptions.MaxEmbeddingSize)
            {
                throw new ArgumentException($"An input of {rowLength} values cannot be embedded (embedding size {size}).");
            }

            var entries = new byte[rows][];
            var embedding = ArrayPool<float>.Shared.Rent(size);
            try
            {
                for (var row = 0; row < rows; row++)
                {
                    _embedder.Embed(values.AsSpan(row * rowLength, rowLength), rowShape, embedding.AsSpan(0, size));
                    entries[row] = _scorer.Entries.Encode(queryId + (ulong)row, embedding.AsSpan(0, size));
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(embedding);
            }

            return entries;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(values);
        }
    }
}
