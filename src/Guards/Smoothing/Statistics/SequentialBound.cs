namespace Guard.Guards.Smoothing.Statistics;

/// <summary>
/// Confidence bounds on p_A that stay valid when the certifier looks at the counts after every batch and may stop
/// early. Samples arrive in batches; after look t = 1..T (T = ⌈n_max / batch⌉, known in advance) the certifier
/// asks for a bound, and the bound must hold at every look at once with probability at least 1 − α.
/// </summary>
/// <remarks>
/// Why the union bound is valid: let E_t be the event "the bound at look t is wrong" (lower bound above p_A).
/// Each look's Clopper–Pearson bound at level α_t is exact for the n_t samples seen so far, so P(E_t) ≤ α_t.
/// The event that any look's bound is wrong is ∪E_t, and by Bonferroni P(∪E_t) ≤ Σ α_t = α when α_t = α/T.
/// No independence between looks is needed (they share samples), and any stopping rule only looks at a subset
/// of the E_t, so stopping early cannot break the guarantee. Re-using level α at every look would: the chance
/// that some look errs grows with T (the classic "optional stopping" inflation).
/// </remarks>
public static class SequentialBound
{
    /// <summary>ClopperPearson.Lower at level α / maxLooks: a lower bound on p_A valid over all looks at overall level α.</summary>
    /// <exception cref="ArgumentOutOfRangeException">maxLooks &lt; 1, or an argument ClopperPearson rejects.</exception>
    public static double LowerAtLook(long successes, long trials, double alpha, int maxLooks)
    {
        ValidateLook(alpha, 1, maxLooks);
        return ClopperPearson.Lower(successes, trials, alpha / maxLooks);
    }

    /// <summary>ClopperPearson.Upper at level α / maxLooks: the matching upper bound, for stopping once p_A provably falls short.</summary>
    /// <exception cref="ArgumentOutOfRangeException">maxLooks &lt; 1, or an argument ClopperPearson rejects.</exception>
    public static double UpperAtLook(long successes, long trials, double alpha, int maxLooks)
    {
        ValidateLook(alpha, 1, maxLooks);
        return ClopperPearson.Upper(successes, trials, alpha / maxLooks);
    }

    /// <summary>The lower bound at <paramref name="look"/> under a given <paramref name="spending"/> schedule.</summary>
    /// <exception cref="ArgumentOutOfRangeException">look outside [1, maxLooks], or an argument ClopperPearson rejects.</exception>
    public static double LowerAtLook(long successes, long trials, double alpha, int look, int maxLooks, IAlphaSpending spending)
    {
        ArgumentNullException.ThrowIfNull(spending);
        return ClopperPearson.Lower(successes, trials, spending.AlphaAtLook(alpha, look, maxLooks));
    }

    /// <summary>The upper bound at <paramref name="look"/> under a given <paramref name="spending"/> schedule.</summary>
    /// <exception cref="ArgumentOutOfRangeException">look outside [1, maxLooks], or an argument ClopperPearson rejects.</exception>
    public static double UpperAtLook(long successes, long trials, double alpha, int look, int maxLooks, IAlphaSpending spending)
    {
        ArgumentNullException.ThrowIfNull(spending);
        return ClopperPearson.Upper(successes, trials, spending.AlphaAtLook(alpha, look, maxLooks));
    }

    /// <summary>T = ⌈maxSamples / batchSize⌉, the number of looks a certifier with these settings can take.</summary>
    /// <exception cref="ArgumentOutOfRangeException">maxSamples or batchSize below 1, or more than int.MaxValue looks.</exception>
    public static int LookCount(long maxSamples, long batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSamples, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        long looks = ((maxSamples - 1) / batchSize) + 1;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(looks, int.MaxValue, nameof(maxSamples));
        return (int)looks;
    }

    internal static void ValidateLook(double alpha, int look, int maxLooks)
    {
        if (maxLooks < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxLooks), maxLooks, "At least one look is needed.");
        }

        if (look < 1 || look > maxLooks)
        {
            throw new ArgumentOutOfRangeException(nameof(look), look, "The look must lie in [1, maxLooks].");
        }

        if (!(alpha > 0 && alpha < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "The error level must lie in (0, 1).");
        }
    }
}
