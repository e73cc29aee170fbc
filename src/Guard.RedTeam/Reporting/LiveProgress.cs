using System.Collections.Concurrent;
using Guard.RedTeam.Running;
using Spectre.Console;

namespace Guard.RedTeam.Reporting;

/// <summary>Progress on a terminal: one live Spectre.Console progress bar per phase (attack × endpoint, benign replay).</summary>
public sealed class LiveProgress(ProgressContext context) : IRunProgress
{
    private readonly ConcurrentDictionary<string, ProgressTask> _tasks = new(StringComparer.Ordinal);

    public void Start(string phase, int total) =>
        _tasks[phase] = context.AddTask(Markup.Escape(phase), maxValue: Math.Max(total, 1));

    public void Advance(string phase, string? detail)
    {
        if (_tasks.TryGetValue(phase, out var task))
        {
            task.Increment(1);
        }
    }

    public void Finish(string phase, string summary)
    {
        if (_tasks.TryGetValue(phase, out var task))
        {
            task.Description = Markup.Escape($"{phase}: {summary}");
            task.Value = task.MaxValue;
            task.StopTask();
        }
    }

    /// <summary>Runs <paramref name="work"/> under a live display on <paramref name="console"/>.</summary>
    public static Task<T> RunAsync<T>(IAnsiConsole console, Func<IRunProgress, Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(work);
        return console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(context => work(new LiveProgress(context)));
    }
}
