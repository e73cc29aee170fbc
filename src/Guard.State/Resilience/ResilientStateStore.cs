using Microsoft.Extensions.Logging;

namespace Guard.State.Resilience;

/// <summary>
/// Puts a circuit breaker and a local fallback in front of a shared store (Redis). While the shared store answers,
/// every call goes to it. When it is unavailable (<see cref="StateUnavailableException"/>), or the breaker is open
/// after repeated failures, a call either answers from <c>fallback</c>, this process's own
/// state, marking admissions <see cref="AdmissionResult.Degraded"/> (<see cref="StateFailureMode.FailOpen"/>), or
/// throws <see cref="StateUnavailableException"/> (<see cref="StateFailureMode.FailClosed"/>). Admissions carry their
/// mode (<see cref="AdmissionRequest.FailureMode"/>); values follow <see cref="BreakerOptions.ValueFailureMode"/>;
/// bans and lists always fail closed, since an operator must know that a ban did not land, and so does
/// compare-and-set, since a version written only locally would diverge from every other replica's. The breaker probes the
/// backend again after its cooldown and closes on success: recovery needs no restart.
/// </summary>
/// <remarks>
/// So that known-bad clients stay out during an outage, bans and list changes made through this store, and bans seen
/// in admissions, are also written to the fallback (bans and lists made by other processes are not known locally).
/// Degraded limits start from full buckets and count for this process alone.
/// </remarks>
public sealed partial class ResilientStateStore : IStateStore
{
    private readonly IStateStore _inner;
    private readonly IStateStore _fallback;
    private readonly CircuitBreaker _breaker;
    private readonly StateFailureMode _valueFailureMode;
    private readonly IStateObserver? _observer;
    private readonly ILogger _logger;

    /// <param name="inner">The shared store; not disposed by this one.</param>
    /// <param name="fallback">Local state for <see cref="StateFailureMode.FailOpen"/>, usually an
    /// <see cref="Embedded.EmbeddedStateStore"/>.</param>
    public ResilientStateStore(IStateStore inner, IStateStore fallback, BreakerOptions options, TimeProvider timeProvider, ILogger<ResilientStateStore> logger, IStateObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(fallback);
        ArgumentNullException.ThrowIfNull(logger);
        _breaker = new CircuitBreaker(options, timeProvider);
        _inner = inner;
        _fallback = fallback;
        _valueFailureMode = options.ValueFailureMode;
        _observer = observer;
        _logger = logger;
    }

    public BreakerState BreakerState => _breaker.State;

    /// <summary>Whether calls are being answered without the shared store (breaker open or probing).</summary>
    public bool IsDegraded => _breaker.State != BreakerState.Closed;

    public async ValueTask<AdmissionResult> AdmitAsync(AdmissionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (result, degraded) = await RunAsync(request, static (store, r, ct) => store.AdmitAsync(r, ct), request.FailureMode, cancellationToken);
        if (degraded)
        {
            return result with { Degraded = true };
        }
        if (result.Outcome == AdmissionOutcome.Banned && result.RetryAfter is { } remaining && remaining > TimeSpan.Zero)
        {
            await _fallback.BanAsync(request.Client, remaining, result.Reason ?? "", cancellationToken);
        }
        return result;
    }

    public async ValueTask BanAsync(string client, TimeSpan ttl, string reason, CancellationToken cancellationToken = default)
    {
        await RunAsync((client, ttl, reason), static async (store, a, ct) =>
        {
            await store.BanAsync(a.client, a.ttl, a.reason, ct);
            return true;
        }, StateFailureMode.FailClosed, cancellationToken);
        await _fallback.BanAsync(client, ttl, reason, cancellationToken);
    }

    public async ValueTask<bool> UnbanAsync(string client, CancellationToken cancellationToken = default)
    {
        var (removed, _) = await RunAsync(client, static (store, c, ct) => store.UnbanAsync(c, ct), StateFailureMode.FailClosed, cancellationToken);
        await _fallback.UnbanAsync(client, cancellationToken);
        return removed;
    }

    public async ValueTask<BanInfo?> GetBanAsync(string client, CancellationToken cancellationToken = default) =>
        (await RunAsync(client, static (store, c, ct) => store.GetBanAsync(c, ct), StateFailureMode.FailClosed, cancellationToken)).Value;

    public async ValueTask<IReadOnlyList<BanInfo>> ListBansAsync(int limit = 100, CancellationToken cancellationToken = default) =>
        (await RunAsync(limit, static (store, l, ct) => store.ListBansAsync(l, ct), StateFailureMode.FailClosed, cancellationToken)).Value;

    public async ValueTask AddToListAsync(ClientList list, string client, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        await RunAsync((list, client, ttl), static async (store, a, ct) =>
        {
            await store.AddToListAsync(a.list, a.client, a.ttl, ct);
            return true;
        }, StateFailureMode.FailClosed, cancellationToken);
        await _fallback.AddToListAsync(list, client, ttl, cancellationToken);
    }

    public async ValueTask<bool> RemoveFromListAsync(ClientList list, string client, CancellationToken cancellationToken = default)
    {
        var (removed, _) = await RunAsync((list, client), static (store, a, ct) => store.RemoveFromListAsync(a.list, a.client, ct), StateFailureMode.FailClosed, cancellationToken);
        await _fallback.RemoveFromListAsync(list, client, cancellationToken);
        return removed;
    }

    public async ValueTask<bool> IsListedAsync(ClientList list, string client, CancellationToken cancellationToken = default) =>
        (await RunAsync((list, client), static (store, a, ct) => store.IsListedAsync(a.list, a.client, ct), StateFailureMode.FailClosed, cancellationToken)).Value;

    public async ValueTask<long> IncrementAsync(string key, long delta = 1, TimeSpan? ttl = null, CancellationToken cancellationToken = default) =>
        (await RunAsync((key, delta, ttl), static (store, a, ct) => store.IncrementAsync(a.key, a.delta, a.ttl, ct), _valueFailureMode, cancellationToken)).Value;

    public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        (await RunAsync(key, static (store, k, ct) => store.GetAsync(k, ct), _valueFailureMode, cancellationToken)).Value;

    public async ValueTask SetAsync(string key, byte[] value, TimeSpan? ttl = null, CancellationToken cancellationToken = default) =>
        await RunAsync((key, value, ttl), static async (store, a, ct) =>
        {
            await store.SetAsync(a.key, a.value, a.ttl, ct);
            return true;
        }, _valueFailureMode, cancellationToken);

    public async ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        (await RunAsync(key, static (store, k, ct) => store.DeleteAsync(k, ct), _valueFailureMode, cancellationToken)).Value;

    /// <summary>Compare-and-set on the shared store only: fails closed whatever <see cref="BreakerOptions.ValueFailureMode"/>
    /// says, and never touches the fallback.</summary>
    /// <remarks>
    /// Answered from this process's local state, a compare-and-set would succeed against a value no other replica has
    /// seen, and the version it wrote (a policy, say) would exist here alone: replicas would silently diverge. The
    /// caller must learn instead that the write did not land, and retry or report it.
    /// </remarks>
    public async ValueTask<bool> CompareAndSetAsync(string key, byte[]? expected, byte[] value, CancellationToken cancellationToken = default) =>
        (await RunAsync((key, expected, value), static (store, a, ct) => store.CompareAndSetAsync(a.key, a.expected, a.value, ct), StateFailureMode.FailClosed, cancellationToken)).Value;

    /// <summary>Calls the shared store if the breaker lets it, else (or when that fails) falls back per
    /// <paramref name="mode"/>. Degraded: the answer came from the fallback.</summary>
    private async ValueTask<(T Value, bool Degraded)> RunAsync<TArg, T>(TArg arg, Func<IStateStore, TArg, CancellationToken, ValueTask<T>> call, StateFailureMode mode, CancellationToken cancellationToken)
    {
        var ticket = _breaker.Enter();
        StateUnavailableException? failure = null;
        if (ticket != BreakerTicket.Refused)
        {
            var outcome = CallOutcome.Abandoned;
            try
            {
                var value = await call(_inner, arg, cancellationToken);
                outcome = CallOutcome.Answered;
                return (value, false);
            }
            catch (StateUnavailableException e) when (!cancellationToken.IsCancellationRequested)
            {
                outcome = CallOutcome.Unavailable;
                failure = e;
                _observer?.BackendFailed(e);
                LogBackendFailed(_logger, e.Message);
            }
            catch (ArgumentException)
            {
                throw; // refused before reaching the backend: says nothing about it
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                outcome = CallOutcome.Answered; // an error reply: the backend is there
                throw;
            }
            finally
            {
                Report(_breaker.Exit(ticket, outcome), failure);
            }
        }

        _observer?.FellBack(mode);
        if (mode == StateFailureMode.FailClosed)
        {
            throw failure is null
                ? new StateUnavailableException("The state backend is unavailable (circuit breaker open).")
                : new StateUnavailableException("The state backend is unavailable: " + failure.Message, failure);
        }
        return (await call(_fallback, arg, cancellationToken), true);
    }

    private void Report(BreakerState? changed, Exception? cause)
    {
        if (changed is not { } state)
        {
            return;
        }
        if (state == BreakerState.Open)
        {
            LogBreakerOpened(_logger, cause?.Message ?? "probe failed");
        }
        else
        {
            LogBreakerClosed(_logger);
        }
        _observer?.BreakerChanged(state);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "State backend unavailable: {Reason}")]
    private static partial void LogBackendFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "State backend circuit breaker opened ({Reason}); answering from local state or refusing, per policy, until a probe succeeds")]
    private static partial void LogBreakerOpened(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "State backend circuit breaker closed: the backend answers again")]
    private static partial void LogBreakerClosed(ILogger logger);
}
