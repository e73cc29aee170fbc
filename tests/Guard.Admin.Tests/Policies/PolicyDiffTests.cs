using System.Text.Json.Nodes;
using Guard.Admin.Policies;

namespace Guard.Admin.Tests.Policies;

public sealed class PolicyDiffTests
{
    [Fact]
    public void Changes_are_listed_key_by_key_with_numbers_compared_by_value()
    {
        var before = JsonNode.Parse("""{"smoothing":{"minRadius":0,"sigma":0.25},"squeezing":{"squeezers":["a","b"]},"knn":{"action":"reject"}}""");
        var after = JsonNode.Parse("""{"smoothing":{"minRadius":0.5,"sigma":0.250},"squeezing":{"squeezers":["a"]},"knn":{},"limits":{"enabled":true}}""");
        var changes = PolicyDiff.Compare(before, after);
        Assert.Equal(
            [
                new PolicyChange("knn.action", "reject", ""),
                new PolicyChange("limits.enabled", "", "true"),
                new PolicyChange("smoothing.minRadius", "0", "0.5"),
                new PolicyChange("squeezing.squeezers.1", "b", ""),
            ],
            changes);
        Assert.Empty(PolicyDiff.Compare(before, before!.DeepClone()));
    }
}
