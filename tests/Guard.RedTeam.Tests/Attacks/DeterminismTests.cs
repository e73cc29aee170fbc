using Guard.RedTeam.Attacks;
using Guard.RedTeam.Tests.Support;

namespace Guard.RedTeam.Tests.Attacks;

/// <summary>The same seed gives the same queries and the same result; another seed gives another run.</summary>
[Collection(DemoModelTests.Name)]
public sealed class DeterminismTests(DemoModel model)
{
    public static TheoryData<string> Names() => new(AttackCatalog.Names);

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Same_seed_same_run(string name)
    {
        var input = Inputs.Eval(model.CorrectlyClassified(1, start: 7)[0]);
        var attack = AttackCatalog.Create(name, new ThreatModel(LInfEpsilon: 0.05, L2Epsilon: 1.0));
        var (first, firstQueries) = await RecordAsync(attack, input, seed: 11);
        var (second, secondQueries) = await RecordAsync(attack, input, seed: 11);
        var (_, otherQueries) = await RecordAsync(attack, input, seed: 12);

        Assert.Equal(first.Queries, second.Queries);
        Assert.Equal(first.SuccessQuery, second.SuccessQuery);
        Assert.Equal(first.L2, second.L2);
        Assert.Equal(firstQueries, secondQueries);
        Assert.NotEqual(firstQueries, otherQueries);
    }

    /// <summary>The run, and a fingerprint of every image it sent.</summary>
    private async Task<(AttackResult Result, List<double> Queries)> RecordAsync(BlackBoxAttack attack, AttackInput input, int seed)
    {
        var sent = new List<double>();
        var inner = model.Target();
        var target = new Guard.RedTeam.Targets.ModelFunctionTarget((image, token) =>
        {
            var sum = 0.0;
            foreach (var v in image.Span)
            {
                sum = (sum * 1.000001) + v;
            }

            sent.Add(sum);
            return inner.QueryAsync(image, token);
        });
        var result = await attack.RunAsync(target, input, new AttackRunOptions(300, seed), CancellationToken.None);
        return (result, sent);
    }
}
