using Guard.RedTeam.Targets;
using Guard.Rpc;

namespace Guard.RedTeam.Tests.Targets;

/// <summary>Scores become probabilities: kept when they already are a distribution, else softmax of logits.</summary>
public sealed class QueryResultTests
{
    [Fact]
    public void Logits_become_softmax_probabilities_with_exact_log_probabilities()
    {
        var result = QueryResult.FromOutput([2f, 0f, -1f]);
        var z = Math.Exp(2) + 1 + Math.Exp(-1);
        Assert.Equal(Math.Exp(2) / z, result.Probabilities[0], 6);
        Assert.Equal(1 / z, result.Probabilities[1], 6);
        Assert.Equal(2 - Math.Log(z), result.LogProbabilities[0], 5);
        Assert.Equal(0, result.TopLabel);
        Assert.Equal(2.0, result.Margin(0), 5);
        Assert.Equal(-2.0, result.Margin(1), 5);
    }

    [Fact]
    public void Probabilities_are_kept_as_they_are()
    {
        var result = QueryResult.FromOutput([0.1f, 0.7f, 0.2f]);
        Assert.Equal([0.1f, 0.7f, 0.2f], result.Probabilities);
        Assert.Equal(1, result.TopLabel);
        Assert.Equal(Math.Log(0.7 / 0.2), result.Margin(1), 5);
    }

    [Fact]
    public void Saturated_logits_still_separate_the_classes()
    {
        // float32 softmax rounds p to exactly 1 and 0; the margin must still see the logit gap.
        var result = QueryResult.FromOutput([120f, 20f, 10f]);
        Assert.Equal(1f, result.Probabilities[0]);
        Assert.Equal(100.0, result.Margin(0), 3);
        Assert.Equal(1, QueryResult.FromOutput([-200f, -100f, -300f]).TopLabel);
    }

    [Fact]
    public void A_refusal_has_no_scores()
    {
        var result = QueryResult.Refused(StatusCode.PermissionDenied, "detected");
        Assert.True(result.IsRefused);
        Assert.Equal(-1, result.TopLabel);
        Assert.Equal(StatusCode.PermissionDenied, result.Refusal!.Code);
        Assert.Throws<InvalidOperationException>(() => result.Margin(0));
    }
}
