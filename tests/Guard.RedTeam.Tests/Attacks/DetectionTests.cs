using Guard.RedTeam.Attacks;
using Guard.RedTeam.Tests.Support;
using Guard.Rpc;

namespace Guard.RedTeam.Tests.Attacks;

/// <summary>Stop at first detection: a target that refuses from query q on ends the run at q, recorded 1-based.</summary>
[Collection(DemoModelTests.Name)]
public sealed class DetectionTests(DemoModel model)
{
    public static TheoryData<string> Names() => new(AttackCatalog.Names);

    [Theory]
    [MemberData(nameof(Names))]
    public async Task The_first_refused_query_is_recorded_and_ends_the_run(string name)
    {
        // A robust-enough image and a tight threat model, so that no attack succeeds within 40 queries.
        var attack = AttackCatalog.Create(name, new ThreatModel(LInfEpsilon: 0.01, L2Epsilon: 0.05));
        var target = new ScriptedTarget(model.Target(), refuseFrom: 40);
        var result = await attack.RunAsync(target, Inputs.Eval(model.CorrectlyClassified(1)[0]), new AttackRunOptions(1000, Seed: 3), CancellationToken.None);

        Assert.Equal(AttackOutcome.StoppedAtDetection, result.Outcome);
        Assert.Equal(40, result.FirstRefusal);
        Assert.Equal(StatusCode.PermissionDenied, result.FirstRefusalCode);
        Assert.Equal(40, result.Queries);
        Assert.Equal(40, target.Received);
        Assert.Equal(1, result.RefusedQueries);
        Assert.False(result.Success);
    }

    [Fact]
    public async Task A_refused_clean_query_is_a_detection_at_query_one()
    {
        var target = new ScriptedTarget(model.Target(), refuseFrom: 1);
        var result = await AttackCatalog.Create(AttackCatalog.Square, new ThreatModel())
            .RunAsync(target, Inputs.Eval(model.CorrectlyClassified(1)[0]), new AttackRunOptions(100, Seed: 0), CancellationToken.None);
        Assert.Equal(1, result.FirstRefusal);
        Assert.Equal(1, result.Queries);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Without_stopping_the_run_goes_on_to_its_budget_and_counts_refusals(string name)
    {
        var attack = AttackCatalog.Create(name, new ThreatModel(LInfEpsilon: 0.01, L2Epsilon: 0.05));
        var target = new ScriptedTarget(model.Target(), refuseFrom: 30);
        var result = await attack.RunAsync(target, Inputs.Eval(model.CorrectlyClassified(1)[0]), new AttackRunOptions(120, Seed: 3, StopAtFirstDetection: false), CancellationToken.None);

        Assert.Equal(30, result.FirstRefusal);
        Assert.Equal(AttackOutcome.Failed, result.Outcome);
        Assert.Equal(target.Received, result.Queries);
        Assert.Equal(result.Queries - 29, result.RefusedQueries);

        // SimBA may run out of directions that change the image; everything else spends the whole budget.
        if (name != AttackCatalog.Simba)
        {
            Assert.Equal(120, result.Queries);
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public async Task A_guarded_run_goes_on_past_its_first_success_until_the_refusal_and_keeps_when_it_succeeded(string name)
    {
        // A loose threat model (easy success), refusals from query 400: the success comes first and does not end the run.
        var attack = AttackCatalog.Create(name, new ThreatModel(LInfEpsilon: 0.3, L2Epsilon: 8));
        var target = new ScriptedTarget(model.Target(), refuseFrom: 400);
        var result = await attack.RunAsync(target, Inputs.Eval(model.CorrectlyClassified(1)[0]), new AttackRunOptions(1000, Seed: 3, StopAtSuccess: false), CancellationToken.None);

        Assert.True(result.Success, $"{name}: {result.Outcome}");
        Assert.True(result.SuccessQuery < 400, $"{name}: first success at {result.SuccessQuery}");
        if (result.Outcome != AttackOutcome.Succeeded || result.FirstRefusal is not null)
        {
            // The attack had queries left when it succeeded: it went on to the refusal.
            Assert.Equal(400, result.FirstRefusal);
            Assert.Equal(400, result.Queries);
        }
    }

    [Theory]
    [InlineData(AttackCatalog.HopSkipJump)]
    [InlineData(AttackCatalog.Boundary)]
    public async Task A_decision_based_attack_without_a_starting_point_gives_up_and_says_so(string name)
    {
        // A classifier that answers the original's label for everything: no random image is adversarial.
        var input = Inputs.Eval(model.CorrectlyClassified(1)[0]);
        var scores = new float[10];
        scores[input.Label] = 1f;
        var target = new Guard.RedTeam.Targets.ModelFunctionTarget((_, _) => ValueTask.FromResult(Guard.RedTeam.Targets.QueryResult.FromOutput(scores)));

        var result = await AttackCatalog.Create(name, new ThreatModel()).RunAsync(target, input, new AttackRunOptions(2000, Seed: 1), CancellationToken.None);

        Assert.Equal(AttackOutcome.NoStartingPoint, result.Outcome);
        Assert.InRange(result.Queries, 2, 2000);
        Assert.False(result.Success);
    }
}
