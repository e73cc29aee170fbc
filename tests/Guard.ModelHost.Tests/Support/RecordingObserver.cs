using System.Collections.Concurrent;

namespace Guard.ModelHost.Tests.Support;

/// <summary>One Run as the host reported it.</summary>
public sealed record RunRecord(string Model, string Version, int Requests, int Rows, bool Succeeded);

/// <summary>Records every <see cref="IInferenceObserver.BatchCompleted"/> call.</summary>
public sealed class RecordingObserver : IInferenceObserver
{
    private readonly ConcurrentQueue<RunRecord> _runs = new();

    public IReadOnlyList<RunRecord> Runs => _runs.ToArray();

    /// <summary>
    /// The Runs once they carried <paramref name="rows"/> rows in all: a Run answers its requests before it reports,
    /// so the last report may come just after the last response.
    /// </summary>
    public async Task<IReadOnlyList<RunRecord>> RunsOnceAsync(int rows)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (Runs.Sum(r => r.Rows) < rows && waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(5);
        }

        return Runs;
    }

    public void BatchCompleted(string model, string version, int requests, int rows, TimeSpan oldestWait, TimeSpan run, bool succeeded) =>
        _runs.Enqueue(new RunRecord(model, version, requests, rows, succeeded));
}
