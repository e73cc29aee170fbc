namespace Guard.RedTeam.Attacks;

/// <summary>The attacks by their command-line names, each with its paper's default hyper-parameters.</summary>
public static class AttackCatalog
{
    public const string HopSkipJump = "hsj";
    public const string Square = "square";
    public const string Simba = "simba";
    public const string Boundary = "boundary";
    public const string Nes = "nes";

    public static IReadOnlyList<string> Names { get; } = [HopSkipJump, Square, Simba, Boundary, Nes];

    public static bool IsKnown(string name) => Names.Contains(name, StringComparer.Ordinal);

    /// <exception cref="ArgumentException">An unknown name.</exception>
    public static BlackBoxAttack Create(string name, ThreatModel threat)
    {
        ArgumentNullException.ThrowIfNull(threat);
        threat.Validate();
        return name switch
        {
            HopSkipJump => new HopSkipJumpAttack(new HopSkipJumpOptions { Epsilon = threat.L2Epsilon }),
            Square => new SquareAttack(new SquareAttackOptions { Epsilon = threat.LInfEpsilon }),

            // SimBA-pixel moves each pixel once by ε: its step is the L∞ radius.
            Simba => new SimbaAttack(new SimbaOptions { Epsilon = threat.LInfEpsilon }),
            Boundary => new BoundaryAttack(new BoundaryAttackOptions { Epsilon = threat.L2Epsilon }),
            Nes => new NesAttack(new NesOptions { Epsilon = threat.LInfEpsilon }),
            _ => throw new ArgumentException($"Unknown attack '{name}'; known: {string.Join(", ", Names)}.", nameof(name)),
        };
    }
}
