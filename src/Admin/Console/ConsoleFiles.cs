using System.Collections.Frozen;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Guard.Admin.Console;

/// <summary>
/// Serves the web console from resources embedded in this assembly (no files on disk to tamper with, no second web
/// server): <c>/</c> is the page, <c>/console/*</c> its scripts and styles. The page itself needs no credentials;
/// everything it shows comes from the API, which does.
/// </summary>
public static class ConsoleFiles
{
    private const string Prefix = "console/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
        [".ico"] = "image/x-icon",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    public static void Map(IEndpointRouteBuilder routes)
    {
        var files = Load();
        routes.MapGet("/", () => Serve(files, "index.html"));
        routes.MapGet("/console/{**path}", (string path) => Serve(files, path));
    }

    private static IResult Serve(FrozenDictionary<string, byte[]> files, string path) =>
        files.TryGetValue(path, out var bytes) && ContentTypes.TryGetValue(Path.GetExtension(path), out var type)
            ? Results.Bytes(bytes, type)
            : Results.NotFound();

    private static FrozenDictionary<string, byte[]> Load()
    {
        var assembly = typeof(ConsoleFiles).Assembly;
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            // Resource names use the build machine's separator for the folder part.
            files[name[Prefix.Length..].Replace('\\', '/')] = copy.ToArray();
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
