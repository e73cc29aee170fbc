using System.Buffers;
using System.Runtime.InteropServices;
using Guard.Guards.Pipeline;
using Guard.State;
using Guard.State.Fingerprints;

namespace Guard.Guards.QueryPatterns;

/// <summary>Settings of the fingerprint stage for one policy.</summary>
public sealed record FingerprintGuardOptions
{
    public required FingerprintOptions Fingerprint { get; init; }

    /// <summary>How long the index remembers a hash after it was last seen (the epoch an attack must fit in).</summary>
    public TimeSpan IndexLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Recent queries remembered per hash.</summary>
    public int IdsPerHash { get; init; } = 8;

    /// <summary>What happens to a query that matches: see <see cref="DetectionAction"/>.</summary>
    public DetectionAction Action { get; init; } = DetectionAction.Reject;
}

/// <summary>
/// Stage "fingerprint" (after Blacklight): the first input's fingerprint is matched against every earlier query of the
/// model, from every client, in the shared index (one round trip), and recorded. A query sharing at least the
/// threshold of its hashes with one earlier query is part of a query-based attack's near-duplicate stream.
/// </summary>
public sealed class FingerprintGuard(IFingerprintIndex index, FingerprintGuardOptions options) : IGuard
{
    /// <summary>Where the match is left for the stages and logs that follow.</summary>
    public const string MatchItem = "fingerprint.match";

    private readonly QueryFingerprinter _fingerprinter = new(options.Fingerprint);

    public string Name => "fingerprint";

    public async ValueTask<GuardVerdict> InspectAsync(GuardContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Request.Inputs.Count == 0)
        {
            return GuardVerdict.Allow;
        }

        ulong[][] rows;
        try
        {
            rows = Fingerprint(context);
        }
        catch (ArgumentException ex)
        {
            // Too small for one window, or not finite: nothing a fingerprint can say; validation reports bad values.
            context.Items[MatchItem] = ex.Message;
            return GuardVerdict.Allow;
        }

        // Each row of a batch is a query of its own: an attacker must not hide a probe among filler rows. Ids are the
        // request id (with the row), not the client's: the index is shared by all clients, and a match must name a
        // query the blocked-query log can find.
        string QueryId(int row) => rows.Length == 1 ? context.RequestId : $"{context.RequestId}#{row}";
        FingerprintLookup best = new(null, 0);
        var bestRow = 0;
        for (var row = 0; row < rows.Length; row++)
        {
            var queryId = QueryId(row);
            FingerprintLookup lookup;
            try
            {
                lookup = await index.MatchAndAddAsync(context.Model, queryId, rows[row], options.IdsPerHash, options.IndexLifetime, cancellationToken);
            }
            catch (StateUnavailableException)
            {
                // Without the shared index this stage has nothing to compare with; the limits stage decides fail-open or closed.
                return GuardVerdict.Allow;
            }

            if (lookup.SharedHashes > best.SharedHashes)
            {
                (best, bestRow) = (lookup, row);
            }
        }

        context.Items[MatchItem] = best;
        if (best.SharedHashes < options.Fingerprint.Threshold)
        {
            return GuardVerdict.Allow;
        }

        return GuardVerdict.Detect(new Detection
        {
            Guard = Name,
            Score = best.SharedHashes,
            Threshold = options.Fingerprint.Threshold,
            Action = options.Action,
            MatchedQueryIds = best.BestQuery is { } match ? [match] : [],
            QueryId = QueryId(bestRow),
        });
    }

    /// <summary>One fingerprint per row of the first input: its first dimension is the batch when it has two or more.</summary>
    private ulong[][] Fingerprint(GuardContext context)
    {
        var input = context.Request.Inputs[0];
        var rows = input.Shape.Length >= 2 && input.Shape[0] > 0 ? (int)Math.Min(input.Shape[0], int.MaxValue) : 1;
        var raw = context.Request.RawInputContents;
        if (raw.Count > 0)
        {
            var bytes = raw[0].Span;
            return input.Datatype switch
            {
                "FP32" => PerRow(MemoryMarshal.Cast<byte, float>(bytes), rows, static (f, row) => f.Compute(row)),
                "FP16" => PerRow(MemoryMarshal.Cast<byte, Half>(bytes), rows, static (f, row) => f.Compute(row)),
                "UINT8" => PerRow(bytes, rows, static (f, row) => f.Compute(row)),
                _ => throw new ArgumentException($"Inputs of {input.Datatype} are not fingerprinted."),
            };
        }

        var contents = context.Message.Inputs[0].Contents;
        if (contents is null || contents.Fp32Contents.Count == 0)
        {
            throw new ArgumentException("Only FP32 typed contents are fingerprinted.");
        }

        var values = ArrayPool<float>.Shared.Rent(contents.Fp32Contents.Count);
        try
        {
            contents.Fp32Contents.CopyTo(values, 0);
            return PerRow<float>(values.AsSpan(0, contents.Fp32Contents.Count), rows, static (f, row) => f.Compute(row));
        }
        finally
        {
            ArrayPool<float>.Shared.Return(values);
        }
    }

    private delegate ulong[] RowFingerprint<T>(QueryFingerprinter fingerprinter, ReadOnlySpan<T> row);

    private ulong[][] PerRow<T>(ReadOnlySpan<T> values, int rows, RowFingerprint<T> compute)
    {
        if (rows <= 1 || values.Length % rows != 0)
        {
            return [compute(_fingerprinter, values)];
        }

        var length = values.Length / rows;
        var result = new ulong[rows][];
        for (var row = 0; row < rows; row++)
        {
            result[row] = compute(_fingerprinter, values.Slice(row * length, length));
        }

        return result;
    }
}
