namespace Guard.RedTeam.Targets;

/// <summary>The endpoint could not be used at all (unreachable, unknown model, unsupported tensor): the run cannot go on.</summary>
public sealed class TargetUnavailableException : Exception
{
    public TargetUnavailableException()
    {
    }

    public TargetUnavailableException(string message)
        : base(message)
    {
    }

    public TargetUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
