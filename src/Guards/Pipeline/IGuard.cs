namespace Guard.Guards.Pipeline;

/// <summary>One stage of a model's policy pipeline: inspects a request and allows, blocks or rewrites it.</summary>
public interface IGuard
{
    /// <summary>Stage name used in metrics and logs, e.g. "validation".</summary>
    string Name { get; }

    ValueTask<GuardVerdict> InspectAsync(GuardContext context, CancellationToken cancellationToken);
}
