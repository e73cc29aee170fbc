namespace Guard.RedTeam.Running;

/// <summary>Reads API keys, one per line; blank lines and lines starting with '#' are skipped.</summary>
public static class ApiKeyFile
{
    public static async Task<IReadOnlyList<string>> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var lines = await File.ReadAllLinesAsync(path, cancellationToken);
        return lines.Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();
    }
}
