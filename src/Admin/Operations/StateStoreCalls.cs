using Guard.State;

namespace Guard.Admin.Operations;

/// <summary>State-store reads and writes of the admin operations: an unreachable store is the API's "unavailable".</summary>
internal static class StateStoreCalls
{
    public static async Task<T> OrUnavailable<T>(Func<ValueTask<T>> call)
    {
        try
        {
            return await call();
        }
        catch (StateUnavailableException ex)
        {
            throw new AdminException(AdminErrorKind.Unavailable, $"The state store is unreachable. ({ex.Message})");
        }
    }
}
