namespace Guard.Guards.Smoothing.Statistics;

/// <summary>
/// Exact one-sided confidence bounds on a binomial proportion, from the Beta quantiles of
/// C. J. Clopper and E. S. Pearson, "The use of confidence or fiducial limits illustrated in the case of the
/// binomial", Biometrika 26(4), 1934. Valid for every n, with no normal approximation.
/// </summary>
/// <remarks>
/// Cohen, Rosenfeld and Kolter ("Certified Adversarial Robustness via Randomized Smoothing", ICML 2019) call
/// LowerConfBound(k, n, 1 − α) = the lower end of the two-sided Clopper–Pearson interval at level 2α
/// (statsmodels' proportion_confint(k, n, alpha=2α, method="beta")[0]). That end is B(α; k, n − k + 1), the same
/// number as <see cref="Lower"/> at α: the two-sided interval at 2α splits α to each side.
/// </remarks>
public static class ClopperPearson
{
    /// <summary>The p̲ with P(p ≥ p̲) ≥ 1 − α: 0 when no trial succeeded, else the α quantile of Beta(k, n − k + 1).</summary>
    /// <exception cref="ArgumentOutOfRangeException">trials &lt; 1, successes outside [0, trials], or alpha outside (0, 1).</exception>
    public static double Lower(long successes, long trials, double alpha)
    {
        Validate(successes, trials, alpha);
        if (successes == 0)
        {
            return 0;
        }

        return BetaDistribution.Quantile(alpha, successes, trials - successes + 1);
    }

    /// <summary>The p̄ with P(p ≤ p̄) ≥ 1 − α: 1 when every trial succeeded, else the 1 − α quantile of Beta(k + 1, n − k).</summary>
    /// <exception cref="ArgumentOutOfRangeException">trials &lt; 1, successes outside [0, trials], or alpha outside (0, 1).</exception>
    public static double Upper(long successes, long trials, double alpha)
    {
        Validate(successes, trials, alpha);
        if (successes == trials)
        {
            return 1;
        }

        // Matched as an upper tail equal to α, so a tiny α is not rounded away in 1 − α.
        return BetaDistribution.UpperQuantile(alpha, successes + 1, trials - successes);
    }

    internal static void Validate(long successes, long trials, double alpha)
    {
        if (trials < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(trials), trials, "At least one trial is needed.");
        }

        if (successes < 0 || successes > trials)
        {
            throw new ArgumentOutOfRangeException(nameof(successes), successes, "Successes must lie in [0, trials].");
        }

        if (!(alpha > 0 && alpha < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "The error level must lie in (0, 1).");
        }
    }
}
