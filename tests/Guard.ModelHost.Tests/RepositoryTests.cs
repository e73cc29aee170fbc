using Guard.ModelHost.Repository;
using Guard.ModelHost.Tests.Support;

namespace Guard.ModelHost.Tests;

/// <summary>The repository layout: <c>&lt;model&gt;/&lt;version&gt;/model.onnx</c>, versions positive integers.</summary>
[Collection(OrtTests.Name)]
public sealed class RepositoryTests(OrtFixture ort)
{
    [Fact]
    public void Versions_are_sorted_numerically_and_non_numeric_folders_are_ignored()
    {
        using var repo = new TestRepository()
            .Folder("m/10").Folder("m/9").Folder("m/2").Folder("m/100")
            .Folder("m/latest").Folder("m/0").Folder("m/-1").Folder("m/1.5").Folder("m/.git");

        var source = Assert.Single(ModelRepository.Scan(repo.Root, []));

        Assert.Equal("m", source.Name);
        Assert.Equal(["2", "9", "10", "100"], source.Versions.Select(v => v.Version));
        Assert.Equal(Path.Combine(repo.Root, "m", "10", "model.onnx"), source.Versions[2].ModelPath);
        Assert.Equal(Path.Combine(repo.Root, "m", "config.yaml"), source.ConfigPath);
    }

    [Fact]
    public void Dot_folders_and_folders_without_versions_are_skipped()
    {
        using var repo = new TestRepository()
            .Folder(".cache/1").Folder(".hidden_model/1")
            .Folder("empty").Folder("words_only/latest")
            .Folder("b/1").Folder("a/3");

        var sources = ModelRepository.Scan(repo.Root, []);

        Assert.Equal(["a", "b"], sources.Select(s => s.Name));
    }

    [Fact]
    public void Only_limits_the_scan_to_the_named_models()
    {
        using var repo = new TestRepository().Folder("a/1").Folder("b/1").Folder("c/1");

        var sources = ModelRepository.Scan(repo.Root, ["c", "a"]);

        Assert.Equal(["a", "c"], sources.Select(s => s.Name));
    }

    [Fact]
    public async Task A_named_folder_without_versions_is_kept_and_its_load_failure_recorded()
    {
        using var repo = new TestRepository().AddDemo("good").Folder("empty/latest");

        var source = Assert.Single(ModelRepository.Scan(repo.Root, ["empty"]));
        Assert.Empty(source.Versions);

        await using var skipped = ort.Load(repo);
        Assert.Equal(["good"], skipped.ModelNames);
        Assert.Empty(skipped.Failures);

        await using var named = ort.Load(repo, null, "empty", "good");
        var failure = Assert.Single(named.Failures);
        Assert.Equal("empty", failure.Model);
        Assert.Contains("no numeric version folder", failure.Reason, StringComparison.Ordinal);
        Assert.False(named.IsReady("empty", ""));
        Assert.True(named.IsReady("good", ""));
        var error = Assert.Throws<InferenceException>(() => named.Resolve("empty", ""));
        Assert.Equal(InferenceErrorKind.Unavailable, error.Kind);
        Assert.Contains(failure.Reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_named_missing_model_throws_naming_it()
    {
        using var repo = new TestRepository().Folder("a/1");

        var error = Assert.Throws<DirectoryNotFoundException>(() => ModelRepository.Scan(repo.Root, ["a", "ghost"]));

        Assert.Contains("'ghost'", error.Message, StringComparison.Ordinal);
        var fromLoad = Assert.Throws<DirectoryNotFoundException>(() => ort.Load(repo, null, "ghost"));
        Assert.Contains("'ghost'", fromLoad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dot_folder_cannot_be_named_either()
    {
        using var repo = new TestRepository().Folder(".hidden/1");

        Assert.Throws<DirectoryNotFoundException>(() => ModelRepository.Scan(repo.Root, [".hidden"]));
    }

    [Fact]
    public void A_missing_repository_throws_naming_it()
    {
        var root = Path.Combine(Path.GetTempPath(), "guard-modelhost-tests", "no-such-repository-" + Guid.NewGuid().ToString("N"));

        var error = Assert.Throws<DirectoryNotFoundException>(() => ModelRepository.Scan(root, []));

        Assert.Contains(root, error.Message, StringComparison.Ordinal);
    }
}
