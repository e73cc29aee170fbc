using Guard.RedTeam.Attacks;
using Guard.RedTeam.Tests.Support;

namespace Guard.RedTeam.Tests.Attacks;

/// <summary>
/// Each attack against the real demo model (ONNX Runtime in-process): it fools the model on most of five correctly
/// classified images within its budget, and what it reports as adversarial really is misclassified, a valid image
/// in [0, 1], and within its threat model.
/// </summary>
[Collection(DemoModelTests.Name)]
public sealed class AttackSuccessTests(DemoModel model)
{
    public static TheoryData<string, int> Budgets() => new()
    {
        { AttackCatalog.HopSkipJump, 2000 },
        { AttackCatalog.Square, 1000 },
        { AttackCatalog.Simba, 1000 },
        { AttackCatalog.Boundary, 2000 },
        { AttackCatalog.Nes, 1500 },
    };

    [Theory]
    [MemberData(nameof(Budgets))]
    public async Task Fools_the_demo_model_on_most_images_within_budget(string name, int budget)
    {
        var attack = AttackCatalog.Create(name, new ThreatModel());
        var images = model.CorrectlyClassified(5, start: 100);
        var successes = 0;
        foreach (var index in images)
        {
            var input = Inputs.Eval(index);
            var result = await attack.RunAsync(model.Target(), input, new AttackRunOptions(budget, Seed: index), CancellationToken.None);
            Assert.InRange(result.Queries, 1, budget);
            Assert.Null(result.FirstRefusal);
            if (!result.Success)
            {
                Assert.Equal(AttackOutcome.Failed, result.Outcome);
                continue;
            }

            successes++;
            Assert.Equal(AttackOutcome.Succeeded, result.Outcome);
            Assert.InRange(result.SuccessQuery!.Value, 2, result.Queries);
            var adversarial = result.Adversarial!;
            Assert.All(adversarial, v => Assert.InRange(v, 0f, 1f));
            Assert.NotEqual(input.Label, model.Predict(adversarial));
            Assert.Equal(result.AdversarialLabel, model.Predict(adversarial));
            Assert.True(attack.Constraint.Allows(input.Image, adversarial), $"{name} image {index}: {attack.Constraint} broken (L2 {result.L2}, L∞ {result.LInf}).");
        }

        Assert.True(successes >= 3, $"{name} fooled the model on {successes} of 5 images.");
    }

    [Fact]
    public async Task The_L_inf_attacks_stay_within_epsilon_even_when_it_is_small()
    {
        var threat = new ThreatModel(LInfEpsilon: 0.03);
        var input = Inputs.Eval(model.CorrectlyClassified(1)[0]);
        foreach (var name in new[] { AttackCatalog.Square, AttackCatalog.Simba, AttackCatalog.Nes })
        {
            var result = await AttackCatalog.Create(name, threat).RunAsync(model.Target(), input, new AttackRunOptions(300, Seed: 1), CancellationToken.None);
            Assert.NotNull(result.LInf);
            Assert.True(result.LInf <= 0.03 + 1e-5, $"{name}: L∞ {result.LInf}");
        }
    }

    [Fact]
    public async Task SimBA_DCT_fools_the_model_too()
    {
        var attack = new SimbaAttack(new SimbaOptions { Basis = SimbaBasis.Dct, Epsilon = 0.2 });
        var successes = 0;
        foreach (var index in model.CorrectlyClassified(5, start: 100))
        {
            var result = await attack.RunAsync(model.Target(), Inputs.Eval(index), new AttackRunOptions(1500, Seed: index), CancellationToken.None);
            if (result.Success)
            {
                successes++;
                Assert.NotEqual(Inputs.Eval(index).Label, model.Predict(result.Adversarial!));
                Assert.All(result.Adversarial!, v => Assert.InRange(v, 0f, 1f));
            }
        }

        Assert.True(successes >= 3, $"SimBA-DCT fooled the model on {successes} of 5 images.");
    }

    [Fact]
    public async Task A_misclassified_clean_image_is_reported_as_such_after_one_query()
    {
        var index = Enumerable.Range(0, 1000).First(i => model.Predict(Inputs.Eval(i).Image) != Inputs.Eval(i).Label);
        var result = await AttackCatalog.Create(AttackCatalog.Square, new ThreatModel())
            .RunAsync(model.Target(), Inputs.Eval(index), new AttackRunOptions(100, Seed: 0), CancellationToken.None);
        Assert.Equal(AttackOutcome.OriginalMisclassified, result.Outcome);
        Assert.Equal(1, result.Queries);
        Assert.False(result.Success);
    }
}
