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

        ulong[] hashes;
        try
        {
            hashes = Fingerprint(context);
        }
        catch (ArgumentException ex)
        {
            // Too small for one window, or not finite: nothing a fingerprint can say; validation reports bad values.
            context.Items[MatchItem] = ex.Message;
            return GuardVerdict.Allow;
        }

        // The request id, not the client's: the index is shared by all clients, and a match must name a query the
        // blocked-query log can find.
        var queryId = context.RequestId;
        FingerprintLookup lookup;
        try
        {
            lookup = await index.MatchAndAddAsync(context.Model, queryId, hashes, options.IdsPerHash, options.IndexLifetime, cancellationToken);
        }
        catch (StateUnavailableException)
        {
            // Without the shared index this stage has nothing to compare with; the limits stage decides fail-open or closed.
            return GuardVerdict.Allow;
        }

        context.Items[MatchItem] = lookup;
        if (lookup.SharedHashes < options.Fingerprint.Threshold)
        {
            return GuardVerdict.Allow;
        }

        return GuardVerdict.Detect(new Detection
        {
            Guard = Name,
            Score = lookup.SharedHashes,
            Threshold = options.Fingerprint.Threshold,
            Action = options.Action,
            MatchedQueryIds = lookup.BestQuery is { } best ? [best] : [],
            QueryId = queryId,
        });
    }

    private ulong[] Fingerprint(GuardContext context)
    {
        var input = context.Request.Inputs[0];
        var raw = context.Request.RawInputContents;
        if (raw.Count > 0)
        {
            var bytes = raw[0].Span;
            return input.Datatype switch
            {
                "FP32" => _fingerprinter.Compute(MemoryMarshal.Cast<byte, float>(bytes)),
                "FP16" => _fingerprinter.Compute(MemoryMarshal.Cast<byte, Half>(bytes)),
                "UINT8" => _fingerprinter.Compute(bytes),
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
            return _fingerprinter.Compute(values.AsSpan(0, contents.Fp32Contents.Count));
        }
        finally
        {
            ArrayPool<float>.Shared.Return(values);
        }
    }
}
