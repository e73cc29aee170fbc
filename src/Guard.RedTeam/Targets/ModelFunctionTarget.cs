namespace Guard.RedTeam.Targets;

/// <summary>A target backed by a function (an in-process model, a fake in tests).</summary>
public sealed class ModelFunctionTarget : IBlackBoxTarget
{
    private readonly Func<ReadOnlyMemory<float>, CancellationToken, ValueTask<QueryResult>> _query;

    public ModelFunctionTarget(Func<ReadOnlyMemory<float>, CancellationToken, ValueTask<QueryResult>> query)
    {
        ArgumentNullException.ThrowIfNull(query);
        _query = query;
    }

    /// <summary>Wraps a synchronous model that maps one image to its scores (logits or probabilities).</summary>
    public static ModelFunctionTarget FromScores(Func<ReadOnlyMemory<float>, float[]> model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new ModelFunctionTarget((image, _) => ValueTask.FromResult(QueryResult.FromOutput(model(image))));
    }

    public ValueTask<QueryResult> QueryAsync(ReadOnlyMemory<float> image, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return _query(image, cancellationToken);
    }
}
