namespace Guard.State;

/// <summary>
/// The state backend could not answer: unreachable, timed out, or unavailable (loading, failing over, out of memory).
/// Whether a write took effect is unknown.
/// </summary>
public sealed class StateUnavailableException : Exception
{
    public StateUnavailableException() { }

    public StateUnavailableException(string message) : base(message) { }

    public StateUnavailableException(string message, Exception innerException) : base(message, innerException) { }
}
