using System.Globalization;
using Guard.AuditLog.Tests.Support;

namespace Guard.AuditLog.Tests;

/// <summary>
/// The durability test's child process: this test assembly re-invoked with <c>append-until-killed PATH</c>. It appends
/// from eight concurrent loops forever and prints "ack ID" after each append returns, until the test SIGKILLs it.
/// </summary>
public static class Program
{
    public const string AppendUntilKilled = "append-until-killed";

    public static async Task<int> Main(string[] args)
    {
        if (args is not [AppendUntilKilled, var path])
        {
            await Console.Error.WriteLineAsync($"usage: {AppendUntilKilled} PATH (this assembly is otherwise run by the test host)");
            return 2;
        }

        await using var log = new SqliteBlockedQueryLog(path);
        await log.InitializeAsync();
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var id = await log.AppendAsync(Entries.Sample(Interlocked.Increment(ref next)));
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ack {id}"));
            }
        })));
        return 0;
    }
}
