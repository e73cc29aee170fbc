using System.Globalization;
using System.Text;
using System.Text.Json;
using Guard.State;
using Guard.State.Notifications;

namespace Guard.Admin.Policies;

/// <summary>
/// Versions of the admin's policy changes in the shared state store, so every replica reads the same history:
/// <c>admin:policies:v:N</c> holds version N (its overlay and audit record) and <c>admin:policies:head</c> the newest
/// N. A writer first claims <c>v:N+1</c> (create-only), then moves the head, then announces the version on
/// <see cref="Channel"/>. Create-only claims make concurrent writers take distinct versions; a writer that died
/// between claim and head move is repaired by the next writer.
/// </summary>
public sealed class PolicyStore
{
    public const string Channel = "admin:policies";
    private const string HeadKey = "admin:policies:head";
    private const int MaxAttempts = 8;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly IStateStore _store;
    private readonly IStateNotifications _notifications;
    private readonly TimeProvider _time;

    public PolicyStore(IStateStore store, IStateNotifications notifications, TimeProvider? time = null)
    {
        _store = store;
        _notifications = notifications;
        _time = time ?? TimeProvider.System;
    }

    public IStateNotifications Notifications => _notifications;

    /// <summary>The newest version number (0 when no change was ever made).</summary>
    public async ValueTask<long> HeadAsync(CancellationToken cancellationToken)
    {
        var head = await _store.GetAsync(HeadKey, cancellationToken);
        return head is null ? 0 : long.Parse(Encoding.ASCII.GetString(head), CultureInfo.InvariantCulture);
    }

    /// <summary>The overlay of the newest version.</summary>
    public async ValueTask<PolicyOverlay> ReadCurrentAsync(CancellationToken cancellationToken)
    {
        var head = await HeadAsync(cancellationToken);
        if (head == 0)
        {
            return PolicyOverlay.Empty;
        }

        var version = await GetAsync(head, cancellationToken) ?? throw new InvalidDataException($"Policy version {head} is the head but is missing from the state store.");
        return new PolicyOverlay(version.Version, version.Policies);
    }

    public async ValueTask<PolicyVersion?> GetAsync(long version, CancellationToken cancellationToken)
    {
        var bytes = await _store.GetAsync(VersionKey(version), cancellationToken);
        return bytes is null ? null : JsonSerializer.Deserialize<PolicyVersion>(bytes, Json);
    }

    /// <summary>Up to <paramref name="limit"/> versions before <paramref name="before"/> (0: from the newest), newest first.</summary>
    public async ValueTask<IReadOnlyList<PolicyVersion>> HistoryAsync(int limit, long before, CancellationToken cancellationToken)
    {
        var start = before > 0 ? before - 1 : await HeadAsync(cancellationToken);
        var versions = new List<PolicyVersion>();
        for (var v = start; v >= 1 && versions.Count < limit; v--)
        {
            if (await GetAsync(v, cancellationToken) is { } version)
            {
                versions.Add(version);
            }
        }

        return versions;
    }

    /// <summary>
    /// Makes a new version from the newest one. <paramref name="build"/> gets the overlay in force and returns the
    /// new version (its number and time are filled in here); it may throw <see cref="PolicyValidationException"/>.
    /// With <paramref name="expectedHead"/>, the change is refused when another version came first.
    /// </summary>
    /// <exception cref="PolicyConflictException">The head is not <paramref name="expectedHead"/>, or writers kept racing.</exception>
    public async ValueTask<PolicyVersion> CommitAsync(long? expectedHead, Func<PolicyOverlay, PolicyVersion> build, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var headBytes = await _store.GetAsync(HeadKey, cancellationToken);
            var head = headBytes is null ? 0 : long.Parse(Encoding.ASCII.GetString(headBytes), CultureInfo.InvariantCulture);
            if (expectedHead is { } expected && expected != head)
            {
                throw new PolicyConflictException(expected, head);
            }

            var current = head == 0 ? PolicyOverlay.Empty : await ReadVersionOverlayAsync(head, cancellationToken);
            var next = build(current) with { Version = head + 1, TimeUtc = _time.GetUtcNow() };
            var nextBytes = Encoding.ASCII.GetBytes(next.Version.ToString(CultureInfo.InvariantCulture));
            if (!await _store.CompareAndSetAsync(VersionKey(next.Version), null, JsonSerializer.SerializeToUtf8Bytes(next, Json), cancellationToken))
            {
                // Another writer claimed this number; make sure the head reaches it (it may have died), then start over.
                await _store.CompareAndSetAsync(HeadKey, headBytes, nextBytes, cancellationToken);
                if (expectedHead is not null)
                {
                    throw new PolicyConflictException(expectedHead.Value, head + 1);
                }

                continue;
            }

            // Only a repairing writer can have moved the head to our number already; either way it is ours now.
            await _store.CompareAndSetAsync(HeadKey, headBytes, nextBytes, cancellationToken);
            await _notifications.PublishAsync(Channel, nextBytes, cancellationToken);
            return next;
        }

        throw new PolicyConflictException(expectedHead ?? 0, await HeadAsync(cancellationToken));
    }

    /// <summary>Puts <paramref name="version"/> back as the head of a store that has no versions; false when it has some.</summary>
    public async ValueTask<bool> RestoreAsync(PolicyVersion version, CancellationToken cancellationToken)
    {
        var bytes = Encoding.ASCII.GetBytes(version.Version.ToString(CultureInfo.InvariantCulture));
        await _store.CompareAndSetAsync(VersionKey(version.Version), null, JsonSerializer.SerializeToUtf8Bytes(version, Json), cancellationToken);
        return await _store.CompareAndSetAsync(HeadKey, null, bytes, cancellationToken);
    }

    private async ValueTask<PolicyOverlay> ReadVersionOverlayAsync(long version, CancellationToken cancellationToken)
    {
        var stored = await GetAsync(version, cancellationToken) ?? throw new InvalidDataException($"Policy version {version} is missing from the state store.");
        return new PolicyOverlay(stored.Version, stored.Policies);
    }

    private static string VersionKey(long version) => string.Create(CultureInfo.InvariantCulture, $"admin:policies:v:{version}");
}
