using Guard.RedTeam.Attacks;

namespace Guard.RedTeam.Tests.Attacks;

/// <summary>Hyper-parameters are validated when an attack is built, with the option's name in the message.</summary>
public sealed class OptionValidationTests
{
    [Fact]
    public void HopSkipJump_rejects_bad_options()
    {
        AssertRejected(nameof(HopSkipJumpOptions.Epsilon), () => new HopSkipJumpAttack(new HopSkipJumpOptions { Epsilon = 0 }));
        AssertRejected(nameof(HopSkipJumpOptions.Gamma), () => new HopSkipJumpAttack(new HopSkipJumpOptions { Gamma = -1 }));
        AssertRejected(nameof(HopSkipJumpOptions.InitialEvaluations), () => new HopSkipJumpAttack(new HopSkipJumpOptions { InitialEvaluations = 0 }));
        AssertRejected(nameof(HopSkipJumpOptions.MaxEvaluations), () => new HopSkipJumpAttack(new HopSkipJumpOptions { InitialEvaluations = 100, MaxEvaluations = 50 }));
    }

    [Fact]
    public void Square_rejects_bad_options()
    {
        AssertRejected(nameof(SquareAttackOptions.Epsilon), () => new SquareAttack(new SquareAttackOptions { Epsilon = 1.5 }));
        AssertRejected(nameof(SquareAttackOptions.PInit), () => new SquareAttack(new SquareAttackOptions { PInit = 0 }));
        AssertRejected(nameof(SquareAttackOptions.ScheduleIterations), () => new SquareAttack(new SquareAttackOptions { ScheduleIterations = 0 }));
    }

    [Fact]
    public void SimBA_rejects_bad_options()
    {
        AssertRejected(nameof(SimbaOptions.Epsilon), () => new SimbaAttack(new SimbaOptions { Epsilon = double.NaN }));
        AssertRejected(nameof(SimbaOptions.Basis), () => new SimbaAttack(new SimbaOptions { Basis = (SimbaBasis)7 }));
        AssertRejected(nameof(SimbaOptions.DctFrequencyRatio), () => new SimbaAttack(new SimbaOptions { DctFrequencyRatio = 2 }));
    }

    [Fact]
    public void Boundary_rejects_bad_options()
    {
        AssertRejected(nameof(BoundaryAttackOptions.SphericalStep), () => new BoundaryAttack(new BoundaryAttackOptions { SphericalStep = 0 }));
        AssertRejected(nameof(BoundaryAttackOptions.SourceStep), () => new BoundaryAttack(new BoundaryAttackOptions { SourceStep = -0.1 }));
        AssertRejected(nameof(BoundaryAttackOptions.StepAdaptation), () => new BoundaryAttack(new BoundaryAttackOptions { StepAdaptation = 1 }));
        AssertRejected(nameof(BoundaryAttackOptions.AdaptationWindow), () => new BoundaryAttack(new BoundaryAttackOptions { AdaptationWindow = 0 }));
    }

    [Fact]
    public void NES_rejects_bad_options()
    {
        AssertRejected(nameof(NesOptions.Samples), () => new NesAttack(new NesOptions { Samples = 7 }));
        AssertRejected(nameof(NesOptions.Sigma), () => new NesAttack(new NesOptions { Sigma = 0 }));
        AssertRejected(nameof(NesOptions.LearningRate), () => new NesAttack(new NesOptions { LearningRate = 3 }));
        AssertRejected(nameof(NesOptions.Momentum), () => new NesAttack(new NesOptions { Momentum = 1 }));
    }

    [Fact]
    public void The_catalogue_knows_the_five_attacks_and_rejects_others()
    {
        Assert.Equal(["hsj", "square", "simba", "boundary", "nes"], AttackCatalog.Names);
        Assert.All(AttackCatalog.Names, n => Assert.Equal(n, AttackCatalog.Create(n, new ThreatModel()).Name));
        Assert.Throws<ArgumentException>(() => AttackCatalog.Create("fgsm", new ThreatModel()));
        Assert.Throws<ArgumentException>(() => AttackCatalog.Create("square", new ThreatModel(LInfEpsilon: 0)));
    }

    [Fact]
    public async Task Run_options_and_inputs_are_checked_before_any_query()
    {
        var attack = AttackCatalog.Create("square", new ThreatModel());
        var target = Guard.RedTeam.Targets.ModelFunctionTarget.FromScores(_ => throw new InvalidOperationException("queried"));
        var image = new float[784];
        await Assert.ThrowsAnyAsync<ArgumentOutOfRangeException>(() => attack.RunAsync(target, new AttackInput(image, 0, ImageShape.FashionMnist), new AttackRunOptions(0, 0), default));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => attack.RunAsync(target, new AttackInput(new float[10], 0, ImageShape.FashionMnist), new AttackRunOptions(10, 0), default));
        image[3] = 1.5f;
        await Assert.ThrowsAnyAsync<ArgumentException>(() => attack.RunAsync(target, new AttackInput(image, 0, ImageShape.FashionMnist), new AttackRunOptions(10, 0), default));
    }

    [Fact]
    public void The_square_schedule_halves_p_at_the_papers_breakpoints()
    {
        Assert.Equal(0.1, SquareAttack.PSchedule(0.1, 0, 10_000));
        Assert.Equal(0.1, SquareAttack.PSchedule(0.1, 10, 10_000));
        Assert.Equal(0.05, SquareAttack.PSchedule(0.1, 11, 10_000));
        Assert.Equal(0.025, SquareAttack.PSchedule(0.1, 51, 10_000));
        Assert.Equal(0.1 / 512, SquareAttack.PSchedule(0.1, 9_999, 10_000));

        // Rescaled to the budget: 1,000 iterations reach the first halving after iteration 1.
        Assert.Equal(0.05, SquareAttack.PSchedule(0.1, 2, 1_000));
    }

    private static void AssertRejected(string option, Func<object> create)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(create);
        Assert.Contains(option, ex.Message, StringComparison.Ordinal);
    }
}
