using Guard.RedTeam.Attacks;
using Guard.TestSupport;

namespace Guard.RedTeam.Tests.Support;

/// <summary>Attack inputs from the committed evaluation set.</summary>
public static class Inputs
{
    public static AttackInput Eval(int index) => new(DemoSet.Image(index), DemoSet.Labels[index], ImageShape.FashionMnist);
}
