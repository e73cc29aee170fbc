namespace Guard.RedTeam.Attacks;

/// <summary>The one way attack options report a bad value: an <see cref="ArgumentException"/> naming attack, option and rule.</summary>
internal static class OptionRules
{
    public static void Require(bool ok, string attack, string option, string rule)
    {
        if (!ok)
        {
            throw new ArgumentException($"{attack} {option} {rule}.", option);
        }
    }

    public static bool IsPositive(double value) => value > 0 && double.IsFinite(value);

    public static bool IsFraction(double value) => value > 0 && value <= 1;
}
