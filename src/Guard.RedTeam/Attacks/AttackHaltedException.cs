namespace Guard.RedTeam.Attacks;

/// <summary>
/// Unwinds an attack from wherever its search is (a binary search inside a gradient estimate, say) when the
/// harness ends the run: budget spent, success, or a refusal with stop-at-first-detection.
/// </summary>
internal sealed class AttackHaltedException : Exception
{
    public AttackHaltedException()
    {
    }

    public AttackHaltedException(string message)
        : base(message)
    {
    }

    public AttackHaltedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
