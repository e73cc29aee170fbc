namespace Guard.Integration.Tests.Infrastructure;

/// <summary>Finds files of the repository from the test's output folder.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public const string Python = "/usr/bin/python3";

    public static string Interop(string file) => Path.Combine(Root, "tests", "interop", file);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Guard.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Guard.sln not found above " + AppContext.BaseDirectory);
    }
}
