namespace Guard.ModelHost;

/// <summary>The provider a model asked for, the one it runs on, and why they differ (when they do).</summary>
public sealed record ExecutionProviderChoice(string Requested, string Actual, string? FallbackReason)
{
    public bool FellBack => FallbackReason is not null;
}

/// <summary>
/// A model asked for an execution provider that cannot load here and did not allow falling back to CPU.
/// Fatal at start-up: serving a GPU model on CPU unannounced would be an outage in disguise.
/// </summary>
public sealed class ExecutionProviderUnavailableException : Exception
{
    public ExecutionProviderUnavailableException()
    {
    }

    public ExecutionProviderUnavailableException(string message)
        : base(message)
    {
    }

    public ExecutionProviderUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
