using Guard.RedTeam.Reporting;

namespace Guard.RedTeam.Running;

/// <summary>
/// What a reader of the results should know: runs that shared a client, refusals that look like misconfiguration
/// (Guard refuses a detected query with PERMISSION_DENIED, so that code is not one of them).
/// </summary>
internal static class RunWarnings
{
    private static readonly string[] ConfigurationCodes = ["Unauthenticated", "NotFound", "Unimplemented", "InvalidArgument"];

    public static IReadOnlyList<string> For(RedTeamSettings settings, IReadOnlyList<AttackReport> attacks, BenignReport? benign)
    {
        var warnings = new List<string>();
        var runs = settings.Run.Attacks.Count * settings.Run.Runs;
        if (settings.ApiKeys.Count == 0)
        {
            warnings.Add("No --api-keys-file: every attack run was the same client, so a stateful per-client detector saw one long history.");
        }
        else if (settings.ApiKeys.Count < runs)
        {
            warnings.Add($"{runs} runs shared {settings.ApiKeys.Count} API keys: some runs were the same client as earlier ones.");
        }

        if (settings.BenignLimit > 0 && (settings.BenignApiKey is null || settings.ApiKeys.Contains(settings.BenignApiKey)))
        {
            warnings.Add("The benign client was not given its own --benign-key: its history may be mixed with an attacker's.");
        }

        var codes = attacks.SelectMany(a => a.Guarded.RefusalCodes.Keys.Concat(a.Baseline?.RefusalCodes.Keys ?? []))
            .Concat(benign?.RefusalCodes.Keys ?? [])
            .Where(c => ConfigurationCodes.Contains(c))
            .Distinct()
            .ToArray();
        if (codes.Length > 0)
        {
            warnings.Add($"Some queries were refused with {string.Join(", ", codes)}: that looks like configuration (keys, model name, input), not detection.");
        }

        return warnings;
    }
}
