namespace Guard.TestSupport;

/// <summary>The repository root: the first directory above the test binaries that holds Guard.sln.</summary>
public static class RepositoryRoot
{
    private static readonly Lazy<string> Root = new(Find);

    public static string Path => Root.Value;

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Guard.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Guard.sln not found above " + AppContext.BaseDirectory);
    }
}
