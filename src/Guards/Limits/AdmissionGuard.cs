using System.Globalization;
using Guard.Guards.Pipeline;
using Guard.Rpc;
using Guard.State;

namespace Guard.Guards.Limits;

/// <summary>
/// Stage "limits": the deny list, bans, the allow list, token buckets and quotas for the calling client, decided in
/// one atomic store call. Refusals carry a clear message and, where waiting helps, a <c>retry-after-ms</c> trailer.
/// </summary>
public sealed class AdmissionGuard(IStateStore store, AdmissionGuardOptions options) : IGuard
{
    public const string RetryAfterTrailer = "retry-after-ms";

    public string Name => "limits";

    public async ValueTask<GuardVerdict> InspectAsync(GuardContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var client = context.ClientId;
        if (options.Deny.Contains(client))
        {
            return GuardVerdict.Block(StatusCode.PermissionDenied, $"Client '{client}' is on the deny list.");
        }

        var skipLimits = options.Allow.Contains(client);
        var request = new AdmissionRequest(client, context.Model)
        {
            Cost = skipLimits ? 0 : Cost(context),
            Buckets = skipLimits ? [] : options.Buckets,
            Quotas = skipLimits ? [] : options.Quotas,
            FailureMode = options.OnStateUnavailable,
        };

        AdmissionResult result;
        try
        {
            result = await store.AdmitAsync(request, cancellationToken);
        }
        catch (StateUnavailableException)
        {
            return GuardVerdict.Block(StatusCode.Unavailable, "Client state is unavailable and this model's policy fails closed; try again shortly.");
        }

        return result.Outcome switch
        {
            AdmissionOutcome.Admitted => GuardVerdict.Allow,
            AdmissionOutcome.Denied => GuardVerdict.Block(StatusCode.PermissionDenied, $"Client '{client}' is on the deny list."),
            AdmissionOutcome.Banned => GuardVerdict.Block(
                StatusCode.PermissionDenied,
                // The reason is for operators (it may name the detecting stage); the client learns only how long.
                $"Client '{client}' is banned for another {Seconds(result.RetryAfter)}.",
                RetryAfter(result.RetryAfter)),
            AdmissionOutcome.RateLimited => GuardVerdict.Block(
                StatusCode.ResourceExhausted,
                result.RetryAfter is { } wait
                    ? $"Rate limit '{result.Limit}' exceeded for client '{client}'; retry in {Seconds(wait)}."
                    : $"Rate limit '{result.Limit}' exceeded for client '{client}'; waiting will not help (the request costs more than the limit holds, or the limit does not refill).",
                RetryAfter(result.RetryAfter)),
            _ => GuardVerdict.Block(
                StatusCode.ResourceExhausted,
                result.RetryAfter is { } end
                    ? $"Quota '{result.Limit}' used up for client '{client}'; it renews in {Seconds(end)}."
                    : $"The request costs more than quota '{result.Limit}' allows in a whole window (client '{client}').",
                RetryAfter(result.RetryAfter)),
        };
    }

    private long Cost(GuardContext context)
    {
        if (!options.CostPerRow)
        {
            return 1;
        }

        // The first input's first dimension: the batch size for batching models (the validation guard checks shapes).
        var inputs = context.Request.Inputs;
        return inputs.Count > 0 && inputs[0].Shape.Length > 0 && inputs[0].Shape[0] > 0 ? inputs[0].Shape[0] : 1;
    }

    private static KeyValuePair<string, string>[]? RetryAfter(TimeSpan? wait) => wait is { } w
        ? [new(RetryAfterTrailer, Math.Ceiling(w.TotalMilliseconds).ToString(CultureInfo.InvariantCulture))]
        : null;

    private static string Seconds(TimeSpan? span) => span is { } s ? $"{Math.Max(s.TotalSeconds, 0.001):0.###} s" : "an unknown time";
}
