#!/usr/bin/python3
"""Reference values for the randomized-smoothing statistics tests, computed with mpmath at 50 digits.

Writes ReferenceValues.cs next to this script (committed; the tests read it, nothing runs Python at test time).

Regenerate with Debian's interpreter and its python3-mpmath package (1.2.1 was used):

    /usr/bin/python3 tests/Guard.Guards.Tests/Smoothing/Statistics/make_reference.py

Every input is a double, and the exact binary value of that double is what mpmath evaluates at (mpf(float) is
exact), so a reference differs from the true answer only by its own final rounding to a double.

Independence from the C# code: nothing here uses a continued fraction. The regularized incomplete beta I_x(a, b)
for integer a, b is the binomial tail P(Bin(a + b - 1, x) >= a) summed term by term; for (1/2, 1/2) it is the
closed form (2/pi) asin(sqrt x); for small non-integer shapes it is mpmath.betainc. Quantiles are found by
bisection on the logit of x followed by Newton's method, both at 50 digits. Binomial p-values follow
scipy.stats.binomtest's algorithm (relative tolerance 1 + 1e-7) with exact pmf values and summed tails.
"""

import math
import os

import mpmath
from mpmath import mp, mpf

mp.dps = 50

TAIL_CUTOFF = mpf(10) ** -70


def log_pmf(j, n, x, y):
    return mp.loggamma(n + 1) - mp.loggamma(j + 1) - mp.loggamma(n - j + 1) + j * mp.log(x) + (n - j) * mp.log(y)


def pmf(j, n, x, y):
    if j < 0 or j > n:
        return mpf(0)
    if x == 0:
        return mpf(1) if j == 0 else mpf(0)
    if y == 0:
        return mpf(1) if j == n else mpf(0)
    return mp.exp(log_pmf(j, n, x, y))


def sum_away_from_mode(start, step, n, x, y):
    """Sum of pmf(j) for j = start, start + step, ... while inside [0, n]; pmf falls monotonically that way."""
    total = mpf(0)
    j = start
    term = pmf(j, n, x, y)
    while 0 <= j <= n:
        total += term
        if term < TAIL_CUTOFF * total:
            break
        # ratio recurrence, exact at this precision
        if step > 0:
            term = term * (n - j) / (j + 1) * x / y if j < n else mpf(0)
        else:
            term = term * j / (n - j + 1) * y / x if j > 0 else mpf(0)
        j += step
    return total


def binom_cdf(k, n, x):
    """P(X <= k) for X ~ Bin(n, x)."""
    x = mpf(x)
    y = 1 - x
    if k < 0:
        return mpf(0)
    if k >= n:
        return mpf(1)
    if x == 0:
        return mpf(1)
    if y == 0:
        return mpf(0)
    mode = int(mp.floor((n + 1) * x))
    if k < mode:
        return sum_away_from_mode(k, -1, n, x, y)
    return 1 - sum_away_from_mode(k + 1, +1, n, x, y)


def binom_sf(k, n, x):
    """P(X > k)."""
    x = mpf(x)
    y = 1 - x
    if k < 0:
        return mpf(1)
    if k >= n:
        return mpf(0)
    mode = int(mp.floor((n + 1) * x))
    if k + 1 > mode:
        return sum_away_from_mode(k + 1, +1, n, x, y)
    return 1 - sum_away_from_mode(k, -1, n, x, y)


def reg_inc_beta(x, a, b):
    """I_x(a, b) at the exact value of x."""
    x = mpf(x)
    if x == 0 or x == 1:
        return x
    if a == 0.5 and b == 0.5:
        return 2 / mp.pi * mp.asin(mp.sqrt(x))
    if float(a).is_integer() and float(b).is_integer():
        a, b = int(a), int(b)
        return binom_sf(a - 1, a + b - 1, x)
    return mp.betainc(a, b, 0, x, regularized=True)


def beta_log_pdf(x, a, b):
    a, b = mpf(a), mpf(b)
    return (a - 1) * mp.log(x) + (b - 1) * mp.log(1 - x) - (mp.loggamma(a) + mp.loggamma(b) - mp.loggamma(a + b))


def beta_quantile(p, a, b, upper=False):
    """x with I_x(a, b) = p (or, with upper, with 1 - I_x(a, b) = p)."""
    p = mpf(p)
    target = 1 - p if upper else p

    def f(x):
        return reg_inc_beta(x, a, b) - target

    lo, hi = mpf(-750), mpf(750)  # logit bracket
    for _ in range(400):
        mid = (lo + hi) / 2
        x = 1 / (1 + mp.exp(-mid))
        if f(x) < 0:
            lo = mid
        else:
            hi = mid
        if hi - lo < mpf(10) ** -12:
            break
    x = 1 / (1 + mp.exp(-(lo + hi) / 2))
    for _ in range(50):
        step = f(x) / mp.exp(beta_log_pdf(x, a, b))
        x -= step
        if abs(step) < mpf(10) ** -45 * x:
            break
    assert abs(f(x)) < mpf(10) ** -40 * max(target, mpf(10) ** -300) + mpf(10) ** -48, (p, a, b)
    return x


def normal_quantile(p):
    p = mpf(p)
    # solve on the smaller tail in log space: Phi(-|z|) = min(p, 1 - p)
    tail = p if p < 0.5 else 1 - p
    if p == 0.5:
        return mpf(0)
    z = -mp.sqrt(-2 * mp.log(tail))
    for _ in range(200):
        g = mp.log(mp.ncdf(z)) - mp.log(tail)
        step = g / (mp.npdf(z) / mp.ncdf(z))
        z -= step
        if abs(step) < mpf(10) ** -45:
            break
    return z if p < 0.5 else -z


def binomtest_pvalue(k, n, p):
    """scipy.stats.binomtest(k, n, p).pvalue, two-sided, with exact arithmetic for pmf and tails."""
    pf = float(p)
    x = mpf(pf)
    y = 1 - x
    d = pmf(k, n, x, y)
    rerr = mpf(1 + 1e-7)  # scipy's rerr, the double nearest 1 + 1e-7
    if k == pf * n:
        return mpf(1)

    def search(a, dval, lo, hi):
        while lo < hi:
            mid = lo + (hi - lo) // 2
            midval = a(mid)
            if midval < dval:
                lo = mid + 1
            elif midval > dval:
                hi = mid - 1
            else:
                return mid
        return lo if a(lo) <= dval else lo - 1

    if k < pf * n:
        ix = search(lambda j: -pmf(j, n, x, y), -d * rerr, int(math.ceil(pf * n)), n)
        yy = n - ix + (1 if d * rerr == pmf(ix, n, x, y) else 0)
        pval = binom_cdf(k, n, x) + binom_sf(n - yy, n, x)
    else:
        ix = search(lambda j: pmf(j, n, x, y), d * rerr, 0, int(math.floor(pf * n)))
        yy = ix + 1
        pval = binom_cdf(yy - 1, n, x) + binom_sf(k - 1, n, x)
    return min(mpf(1), pval)


def miss_threshold(trials, alpha, failure=mpf(10) ** -6):
    """Smallest c with P(Bin(trials, alpha) > c) < failure: a valid bound misses more than c times with probability < failure."""
    c = int(trials * alpha)
    while binom_sf(c, trials, mpf(alpha)) >= failure:
        c += 1
    return c


def lit(v):
    """A C# double literal that round-trips to the double nearest v."""
    f = float(v)
    if f == 0:
        return "0.0"
    r = repr(f)
    if "e" not in r and "." not in r and "inf" not in r:
        r += ".0"
    return r


def main():
    lines = []
    emit = lines.append

    quantile_ps = [5e-324, 1e-310, 1e-300, 1e-100, 1e-20, 1e-10, 1e-5, 0.001, 0.025, 0.05, 0.3, 0.5, 0.7, 0.9,
                   0.975, 0.999, 1 - 1e-5, 1 - 1e-10, 1 - 2.0 ** -53, 0.075, 0.925, math.exp(-25)]
    emit("    public static readonly (double P, double Z)[] NormalQuantile =")
    emit("    [")
    for p in quantile_ps:
        emit(f"        ({lit(p)}, {lit(normal_quantile(p))}),")
    emit("    ];")
    emit("")

    cdf_xs = [-38.0, -37.0, -30.0, -20.0, -10.0, -6.0, -5.65, -5.0, -2.0, -1.0, -0.6744, -0.5, -1e-10, 0.0, 0.3,
              0.6745, 1.0, 2.0, 5.0, 8.0, 10.0]
    emit("    public static readonly (double X, double Phi)[] NormalCdf =")
    emit("    [")
    for x in cdf_xs:
        emit(f"        ({lit(x)}, {lit(mp.ncdf(mpf(x)))}),")
    emit("    ];")
    emit("")

    shapes = [(1, 1), (0.5, 0.5), (3, 7), (99, 2), (9990, 11), (100000, 1), (1, 100000), (50000, 50001),
              (2.5, 7.25), (0.1, 3.0), (20, 20), (10, 400)]
    levels = [1e-9, 0.001, 0.05, 0.5, 0.95, 0.999]
    emit("    public static readonly (double P, double A, double B, double X)[] BetaQuantile =")
    emit("    [")
    quantiles = []
    for a, b in shapes:
        for p in levels:
            x = beta_quantile(p, a, b)
            quantiles.append((a, b, float(x)))
            emit(f"        ({lit(p)}, {lit(a)}, {lit(b)}, {lit(x)}),")
    emit("    ];")
    emit("")

    # I_x(a, b) at the (rounded) reference quantiles and a few hand-picked points, each at the exact double x.
    points = quantiles + [(50000, 50001, 0.5), (50000, 50001, 0.49), (3, 7, 0.25), (1, 100000, 2.3e-5),
                          (1, 100000, 5e-5), (100000, 1, 0.99999), (9990, 11, 0.999), (20, 20, 0.5)]
    emit("    public static readonly (double X, double A, double B, double I)[] BetaIncomplete =")
    emit("    [")
    for a, b, x in points:
        if 0 < x < 1:
            emit(f"        ({lit(x)}, {lit(a)}, {lit(b)}, {lit(reg_inc_beta(x, a, b))}),")
    emit("    ];")
    emit("")

    bounds = [(9990, 10000, 0.001), (10000, 10000, 0.001), (0, 100, 0.001), (55, 100, 0.05), (999999, 1000000, 1e-6),
              (1, 1, 0.05), (0, 1, 0.05), (500, 1000, 0.01), (990, 1000, 0.001 / 10), (99, 100, 1e-12),
              (70, 100000, 0.05), (1, 100000, 0.001)]
    emit("    public static readonly (long K, long N, double Alpha, double Lower, double Upper)[] ClopperPearson =")
    emit("    [")
    for k, n, alpha in bounds:
        lower = mpf(0) if k == 0 else beta_quantile(alpha, k, n - k + 1)
        upper = mpf(1) if k == n else beta_quantile(alpha, k + 1, n - k, upper=True)
        emit(f"        ({k}, {n}, {lit(alpha)}, {lit(lower)}, {lit(upper)}),")
    emit("    ];")
    emit("")

    tests = [(55, 100, 0.5), (45, 100, 0.5), (60, 100, 0.5), (0, 10, 0.5), (10, 10, 0.5), (5, 10, 0.5), (3, 10, 0.3),
             (7, 20, 0.2), (520, 1000, 0.5), (5100, 10000, 0.5), (50500, 100000, 0.5), (501000, 1000000, 0.5),
             (499000, 1000000, 0.5), (1, 1, 0.5), (30, 100, 0.25), (990, 1000, 0.99), (3, 100, 0.1),
             (600, 1000, 0.5), (2, 3, 0.5)]
    emit("    public static readonly (long K, long N, double P, double PValue)[] BinomialPValue =")
    emit("    [")
    for k, n, p in tests:
        emit(f"        ({k}, {n}, {lit(p)}, {lit(binomtest_pvalue(k, n, p))}),")
    emit("    ];")
    emit("")

    emit("    /// <summary>Coverage runs: a correct bound misses more than MaxMisses of Trials times with probability below 1e-6.</summary>")
    emit("    public static readonly (int Trials, double Alpha, int MaxMisses)[] CoverageThresholds =")
    emit("    [")
    for trials, alpha in [(20000, 0.05), (20000, 0.01)]:
        emit(f"        ({trials}, {lit(alpha)}, {miss_threshold(trials, alpha)}),")
    emit("    ];")

    text = "\n".join([
        "// <auto-generated>",
        f"// Written by make_reference.py with mpmath {mpmath.__version__} at {mp.dps} digits; do not edit by hand.",
        "// </auto-generated>",
        "namespace Guard.Guards.Tests.Smoothing.Statistics;",
        "",
        "internal static class ReferenceValues",
        "{",
        *lines,
        "}",
        "",
    ])
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ReferenceValues.cs")
    with open(out, "w", encoding="utf-8") as handle:
        handle.write(text)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
