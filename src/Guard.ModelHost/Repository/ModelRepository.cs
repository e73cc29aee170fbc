using System.Globalization;
using Guard.ModelHost.Configuration;

namespace Guard.ModelHost.Repository;

/// <summary>One model folder found in the repository: its versions' files and its config (if it has one).</summary>
public sealed record ModelSource(string Name, string Folder, string ConfigPath, IReadOnlyList<ModelVersionSource> Versions);

/// <summary>One numeric version folder and its <c>model.onnx</c>.</summary>
public sealed record ModelVersionSource(string Version, string ModelPath);

/// <summary>
/// Scans a Triton-like repository: <c>&lt;repo&gt;/&lt;model&gt;/&lt;version&gt;/model.onnx</c>, versions being positive
/// integers, plus an optional <c>&lt;repo&gt;/&lt;model&gt;/config.yaml</c>. Reads no model file; loading is the host's job.
/// </summary>
public static class ModelRepository
{
    public const string ModelFileName = "model.onnx";

    /// <summary>The models of <paramref name="root"/>, limited to <paramref name="only"/> when it names any.</summary>
    /// <exception cref="DirectoryNotFoundException">The repository, or a model named in <paramref name="only"/>, is missing.</exception>
    public static IReadOnlyList<ModelSource> Scan(string root, IReadOnlyCollection<string> only)
    {
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"The model repository '{Path.GetFullPath(root)}' does not exist.");
        }

        var folders = Directory.GetDirectories(root).Select(Path.GetFileName).OfType<string>()
            .Where(name => !name.StartsWith('.'))
            .ToHashSet(StringComparer.Ordinal);
        foreach (var name in only)
        {
            if (!folders.Contains(name))
            {
                throw new DirectoryNotFoundException($"The model repository '{Path.GetFullPath(root)}' has no model folder '{name}'.");
            }
        }

        var sources = new List<ModelSource>();
        foreach (var name in folders.Order(StringComparer.Ordinal))
        {
            if (only.Count > 0 && !only.Contains(name))
            {
                continue;
            }

            var folder = Path.Combine(root, name);
            var versions = Directory.GetDirectories(folder)
                .Select(d => (Folder: d, Name: Path.GetFileName(d)))
                .Where(v => long.TryParse(v.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
                .OrderBy(v => long.Parse(v.Name, CultureInfo.InvariantCulture))
                .Select(v => new ModelVersionSource(v.Name, Path.Combine(v.Folder, ModelFileName)))
                .ToList();
            if (versions.Count > 0 || only.Contains(name))
            {
                sources.Add(new ModelSource(name, folder, Path.Combine(folder, ModelConfig.FileName), versions));
            }
        }

        return sources;
    }
}
