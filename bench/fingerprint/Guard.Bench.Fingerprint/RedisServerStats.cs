using System.Globalization;
using Guard.Redis;

namespace Guard.Bench.Fingerprint;

/// <summary>
/// What the Redis server itself spent: CPU seconds (<c>INFO cpu</c>, unaffected by the server being descheduled on a
/// busy machine) and EVALSHA calls and wall time inside them (<c>INFO commandstats</c>, reset with CONFIG RESETSTAT).
/// </summary>
internal sealed record RedisServerStats(double CpuSeconds, long EvalCalls, double EvalMicroseconds)
{
    public static async Task ResetAsync(RedisClient redis) => await redis.ExecuteAsync(["CONFIG", "RESETSTAT"]);

    public static async Task<RedisServerStats> ReadAsync(RedisClient redis)
    {
        var info = Fields((await redis.ExecuteAsync(["INFO", "cpu"])).AsString());
        var commands = Fields((await redis.ExecuteAsync(["INFO", "commandstats"])).AsString());
        var evalsha = (commands.GetValueOrDefault("cmdstat_evalsha") ?? "").Split(',')
            .Select(f => f.Split('=')).Where(kv => kv.Length == 2).ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);
        return new RedisServerStats(
            Number(info.GetValueOrDefault("used_cpu_user")) + Number(info.GetValueOrDefault("used_cpu_sys")),
            (long)Number(evalsha.GetValueOrDefault("calls")),
            Number(evalsha.GetValueOrDefault("usec")));
    }

    public static async Task<string> VersionAsync(RedisClient redis) =>
        Fields((await redis.ExecuteAsync(["INFO", "server"])).AsString()).GetValueOrDefault("redis_version") ?? "?";

    private static Dictionary<string, string> Fields(string? info) => (info ?? "")
        .Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
        .Where(l => !l.StartsWith('#') && l.Contains(':', StringComparison.Ordinal))
        .ToDictionary(l => l[..l.IndexOf(':', StringComparison.Ordinal)], l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..], StringComparer.Ordinal);

    private static double Number(string? s) => s is null ? 0 : double.Parse(s, CultureInfo.InvariantCulture);
}
