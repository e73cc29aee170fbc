namespace Guard.RedTeam.Running;

/// <summary>Where the harness reports progress: a live display on a terminal, plain lines elsewhere. Thread-safe.</summary>
public interface IRunProgress
{
    /// <summary>A phase ("square guarded", "benign replay") of <paramref name="total"/> steps begins.</summary>
    void Start(string phase, int total);

    /// <summary>One step of <paramref name="phase"/> is done; <paramref name="detail"/> describes it, or is null for a minor step.</summary>
    void Advance(string phase, string? detail);

    void Finish(string phase, string summary);
}
