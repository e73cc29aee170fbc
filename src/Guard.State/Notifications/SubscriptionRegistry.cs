namespace Guard.State.Notifications;

/// <summary>Who listens on which channel. Lookups return a snapshot, so handlers may subscribe and unsubscribe while
/// a delivery is running.</summary>
internal sealed class SubscriptionRegistry
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Subscription[]> _byChannel = new(StringComparer.Ordinal);

    public void Add(Subscription subscription)
    {
        lock (_gate)
        {
            _byChannel[subscription.Channel] = [.. Of(subscription.Channel), subscription];
        }
    }

    /// <returns>Whether the channel has no subscription left.</returns>
    public bool Remove(Subscription subscription)
    {
        lock (_gate)
        {
            var left = Of(subscription.Channel).Where(s => s != subscription).ToArray();
            if (left.Length == 0)
            {
                _byChannel.Remove(subscription.Channel);
                return true;
            }

            _byChannel[subscription.Channel] = left;
            return false;
        }
    }

    public Subscription[] Of(string channel)
    {
        lock (_gate)
        {
            return _byChannel.GetValueOrDefault(channel) ?? [];
        }
    }
}
