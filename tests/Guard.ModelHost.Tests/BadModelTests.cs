using Guard.TestSupport;
using Guard.ModelHost.Tests.Support;

namespace Guard.ModelHost.Tests;

/// <summary>A version ONNX Runtime cannot load is recorded with ORT's reason and answered as unavailable; the rest serve.</summary>
[Collection(OrtTests.Name)]
public sealed class BadModelTests(OrtFixture ort)
{
    public static TheoryData<string> BadModels => ["garbage", "truncated", "unsupported_operator"];

    [Theory]
    [MemberData(nameof(BadModels))]
    public async Task Model_ORT_cannot_load_is_unavailable_with_ORT_message_while_others_serve(string kind)
    {
        var bytes = kind switch
        {
            "garbage" => TestModels.Garbage(),
            "truncated" => TestModels.TruncatedDemo(),
            _ => TestModels.UnsupportedOperator(),
        };
        using var repo = new TestRepository().Add("bad", bytes).AddDemo("good");
        var ortMessage = ort.OrtLoadError(repo.ModelPath("bad"));

        await using var host = ort.Load(repo);

        var failure = Assert.Single(host.Failures);
        Assert.Equal(("bad", "1"), (failure.Model, failure.Version));
        Assert.Contains(ortMessage, failure.Reason, StringComparison.Ordinal);
        Assert.Contains(repo.ModelPath("bad"), failure.Reason, StringComparison.Ordinal);
        if (kind == "unsupported_operator")
        {
            Assert.Contains("NoSuchOperator", failure.Reason, StringComparison.Ordinal);
        }
        Assert.False(host.IsReady("bad", ""));
        Assert.Empty(host.VersionsOf("bad"));
        foreach (var version in new[] { "", "1" })
        {
            var error = Assert.Throws<InferenceException>(() => host.Resolve("bad", version));
            Assert.Equal(InferenceErrorKind.Unavailable, error.Kind);
            Assert.Contains(ortMessage, error.Message, StringComparison.Ordinal);
        }
        await AssertServes(host, "good");
    }

    [Fact]
    public async Task Version_folder_without_model_file_is_a_recorded_failure()
    {
        using var repo = new TestRepository().AddDemo("m", "1").Folder("m/2");

        await using var host = ort.Load(repo);

        var failure = Assert.Single(host.Failures);
        Assert.Equal(("m", "2"), (failure.Model, failure.Version));
        Assert.Contains(repo.ModelPath("m", "2"), failure.Reason, StringComparison.Ordinal);
        Assert.Contains("does not exist", failure.Reason, StringComparison.Ordinal);
        var error = Assert.Throws<InferenceException>(() => host.Resolve("m", "2"));
        Assert.Equal(InferenceErrorKind.Unavailable, error.Kind);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
        Assert.Equal("1", host.Resolve("m", "").Version);
        await AssertServes(host, "m");
    }

    [Fact]
    public async Task Bad_newest_version_leaves_the_older_one_serving()
    {
        using var repo = new TestRepository().AddDemo("m", "1").Add("m", TestModels.Garbage(), "2", config: null);

        await using var host = ort.Load(repo);

        Assert.Equal("1", host.Resolve("m", "").Version);
        Assert.Equal(InferenceErrorKind.Unavailable, Assert.Throws<InferenceException>(() => host.Resolve("m", "2")).Kind);
        Assert.Equal(("m", "2"), (Assert.Single(host.Failures).Model, Assert.Single(host.Failures).Version));
    }

    private static async Task AssertServes(ModelHost host, string model)
    {
        Assert.True(host.IsReady(model, ""));
        var response = await host.Resolve(model, "").InferAsync(DemoData.Request(0, 2), CancellationToken.None);
        var logits = TestModels.ToFloats(response.Outputs[0].Data);
        for (var k = 0; k < logits.Length; k++)
        {
            Assert.True(Math.Abs(logits[k] - DemoSet.ReferenceLogits(DemoData.Model)[k]) <= 1e-4f, $"logit {k}: {logits[k]}, reference {DemoSet.ReferenceLogits(DemoData.Model)[k]}");
        }
    }
}
