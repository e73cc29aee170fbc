using Guard.RedTeam.Running;

namespace Guard.RedTeam.Reporting;

/// <summary>Progress as plain lines (CI logs, redirected output): one per run, every tenth of a benign replay.</summary>
public sealed class PlainProgress(Action<string> writeLine) : IRunProgress
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (int Done, int Total)> _phases = new(StringComparer.Ordinal);

    public void Start(string phase, int total)
    {
        lock (_lock)
        {
            _phases[phase] = (0, total);
            writeLine($"{phase}: {total} {(total == 1 ? "step" : "steps")}");
        }
    }

    public void Advance(string phase, string? detail)
    {
        lock (_lock)
        {
            var (done, total) = _phases.GetValueOrDefault(phase);
            done++;
            _phases[phase] = (done, total);
            if (detail is not null)
            {
                writeLine($"  {phase} {detail}");
            }
            else if (total > 0 && (done * 10 / total) != ((done - 1) * 10 / total))
            {
                writeLine($"  {phase} {done}/{total}");
            }
        }
    }

    public void Finish(string phase, string summary)
    {
        lock (_lock)
        {
            writeLine($"{phase}: {summary}");
        }
    }
}
