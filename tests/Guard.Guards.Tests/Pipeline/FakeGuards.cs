using Guard.Guards.Pipeline;

namespace Guard.Guards.Tests.Pipeline;

/// <summary>A guard whose behaviour is a delegate; records that it ran in the context's Items.</summary>
internal sealed class DelegateGuard(string name, Func<GuardContext, CancellationToken, ValueTask<GuardVerdict>> inspect) : IGuard
{
    public const string RanKey = "ran";

    public string Name { get; } = name;

    public static DelegateGuard Allowing(string name) =>
        new(name, (_, _) => new ValueTask<GuardVerdict>(GuardVerdict.Allow));

    public static DelegateGuard Returning(string name, GuardVerdict verdict) =>
        new(name, (_, _) => new ValueTask<GuardVerdict>(verdict));

    public static List<string> Ran(GuardContext context) =>
        context.Items.TryGetValue(RanKey, out var ran) ? (List<string>)ran : [];

    public ValueTask<GuardVerdict> InspectAsync(GuardContext context, CancellationToken cancellationToken)
    {
        if (!context.Items.TryGetValue(RanKey, out var ran))
        {
            context.Items[RanKey] = ran = new List<string>();
        }

        ((List<string>)ran).Add(Name);
        return inspect(context, cancellationToken);
    }
}

internal sealed class RecordingObserver : IPipelineObserver
{
    public List<(string Model, StageTiming Timing)> Stages { get; } = [];

    public void OnStage(string model, StageTiming timing) => Stages.Add((model, timing));
}
