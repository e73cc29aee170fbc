namespace Guard.RedTeam.Targets;

/// <summary>
/// A model seen the way a black-box attacker sees it: one image in, class scores or a refusal out. Implementations
/// must not keep the image after the call returns (attacks reuse their buffers) and must be safe to call
/// concurrently. Queries are counted by the harness, not here.
/// </summary>
public interface IBlackBoxTarget
{
    ValueTask<QueryResult> QueryAsync(ReadOnlyMemory<float> image, CancellationToken cancellationToken);
}
