using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Guard.Gateway.Smoothing;

/// <summary>One certified example, as <c>guard certify</c> writes it.</summary>
public sealed record CertifiedExample(int Index, int Label, int Prediction, double Radius, bool Correct, long Samples, double Milliseconds);

/// <summary>
/// What <c>guard certify</c> writes: a CSV row per example (index, label, prediction, radius, correct, samples,
/// time_ms), the certified-accuracy-vs-radius curve as JSON (for the admin console) and as an SVG picture. Certified
/// accuracy at r is the share of examples whose prediction is correct and certified at a radius of at least r (the
/// paper's definition: abstentions and wrong predictions count against it).
/// </summary>
public static class CertificationReport
{
    public static IReadOnlyList<(double Radius, double Accuracy)> Curve(IReadOnlyList<CertifiedExample> examples, double step = 0.05)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(step);
        var max = examples.Where(e => e.Correct).Select(e => e.Radius).DefaultIfEmpty(0).Max();
        var points = new List<(double, double)>();
        for (var i = 0; ; i++)
        {
            var radius = Math.Round(i * step, 10);
            var accuracy = examples.Count == 0 ? 0 : examples.Count(e => e.Correct && e.Radius >= radius) / (double)examples.Count;
            points.Add((radius, accuracy));
            if (radius > max)
            {
                break;
            }
        }

        return points;
    }

    /// <summary>Certified accuracy at <paramref name="radius"/>.</summary>
    public static double AccuracyAt(IReadOnlyList<CertifiedExample> examples, double radius) =>
        examples.Count == 0 ? 0 : examples.Count(e => e.Correct && e.Radius >= radius) / (double)examples.Count;

    public static string Csv(IEnumerable<CertifiedExample> examples)
    {
        var csv = new StringBuilder("index,label,prediction,radius,correct,samples,time_ms\n");
        foreach (var e in examples)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{e.Index},{e.Label},{e.Prediction},{e.Radius:0.######},{(e.Correct ? 1 : 0)},{e.Samples},{e.Milliseconds:0.###}\n");
        }

        return csv.ToString();
    }

    /// <summary>The curve with how it was made (the console estimates other settings from the run and the CSV).</summary>
    public static string Json(string model, Guard.Guards.Smoothing.SmoothingOptions options, IReadOnlyList<CertifiedExample> examples, IReadOnlyList<(double Radius, double Accuracy)> curve) =>
        JsonSerializer.Serialize(new
        {
            model,
            sigma = options.Sigma,
            run = new
            {
                n = options.N,
                n0 = options.N0,
                alpha = options.Alpha,
                adaptive = options.Adaptive,
                minRadius = options.MinRadius,
                images = examples.Count,
                meanMs = examples.Count == 0 ? 0 : Math.Round(examples.Average(e => e.Milliseconds), 3),
            },
            curve = curve.Select(p => new { radius = p.Radius, certifiedAccuracy = p.Accuracy }),
        });

    /// <summary>A self-contained SVG line chart of the curve: radius on x, certified accuracy (0–1) on y.</summary>
    public static string Svg(string title, IReadOnlyList<(double Radius, double Accuracy)> curve)
    {
        const double width = 640, height = 400, left = 60, right = 20, top = 40, bottom = 50;
        var maxRadius = Math.Max(0.25, curve.Count == 0 ? 0 : curve[^1].Radius);
        double X(double r) => left + (r / maxRadius * (width - left - right));
        double Y(double a) => top + ((1 - a) * (height - top - bottom));
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">{System.Security.SecurityElement.Escape(title)}</text>\n");
        for (var tick = 0; tick <= 10; tick += 2)
        {
            var a = tick / 10.0;
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{Y(a):0.#}\" x2=\"{width - right}\" y2=\"{Y(a):0.#}\" stroke=\"#ddd\"/><text x=\"{left - 8}\" y=\"{Y(a) + 4:0.#}\" text-anchor=\"end\">{a:0.0}</text>\n");
        }

        var xStep = maxRadius <= 1 ? 0.25 : 0.5;
        for (var r = 0.0; r <= maxRadius + 1e-9; r += xStep)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{X(r):0.#}\" y1=\"{top}\" x2=\"{X(r):0.#}\" y2=\"{height - bottom}\" stroke=\"#eee\"/><text x=\"{X(r):0.#}\" y=\"{height - bottom + 18}\" text-anchor=\"middle\">{r:0.##}</text>\n");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{width / 2}\" y=\"{height - 10}\" text-anchor=\"middle\">L2 radius</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"16\" y=\"{height / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {height / 2})\">certified accuracy</text>\n");
        var points = string.Join(' ', curve.Select(p => string.Create(CultureInfo.InvariantCulture, $"{X(p.Radius):0.##},{Y(p.Accuracy):0.##}")));
        svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"{points}\"/>\n</svg>\n");
        return svg.ToString();
    }
}
