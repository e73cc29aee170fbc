using System.Globalization;
using Xunit.Abstractions;

namespace Guard.Guards.Tests.Smoothing.Statistics;

/// <summary>Collects the error of every reference comparison, reports the worst, and fails listing every row over the tolerance.</summary>
internal sealed class AccuracyReport(string name, double tolerance)
{
    private readonly List<string> _failures = [];
    private double _worst;
    private string _worstRow = "none";

    public void Check(double actual, double expected, double error, string row)
    {
        if (!(error <= tolerance))
        {
            _failures.Add(string.Create(CultureInfo.InvariantCulture, $"{row}: got {actual:R}, want {expected:R}, error {error:E3}"));
        }

        if (!(error <= _worst))
        {
            _worst = error;
            _worstRow = row;
        }
    }

    public void Complete(ITestOutputHelper output)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: worst error {_worst:E3} at {_worstRow} (tolerance {tolerance:E0})"));
        Assert.True(_failures.Count == 0, string.Join(Environment.NewLine, _failures));
    }

    /// <summary>|a − b| / |b|, and plain |a − b| where b is 0 or subnormal.</summary>
    public static double Relative(double actual, double expected) =>
        Math.Abs(expected) < double.Epsilon * 4503599627370496.0 ? Math.Abs(actual - expected) : Math.Abs(actual - expected) / Math.Abs(expected);
}
