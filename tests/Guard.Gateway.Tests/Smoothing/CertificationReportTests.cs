using System.Text.Json;
using System.Xml.Linq;
using Guard.Gateway.Smoothing;

namespace Guard.Gateway.Tests.Smoothing;

public sealed class CertificationReportTests
{
    private static readonly CertifiedExample[] Examples =
    [
        new(0, 3, 3, 0.62, true, 10100, 250),
        new(1, 1, 1, 0.20, true, 10100, 240),
        new(2, 7, 5, 0.90, false, 10100, 260), // certified, but wrong: never counts
        new(3, 2, -1, 0, false, 10100, 255),   // abstained
    ];

    [Fact]
    public void Certified_accuracy_counts_correct_predictions_certified_at_least_at_the_radius()
    {
        Assert.Equal(0.5, CertificationReport.AccuracyAt(Examples, 0));
        Assert.Equal(0.5, CertificationReport.AccuracyAt(Examples, 0.2));
        Assert.Equal(0.25, CertificationReport.AccuracyAt(Examples, 0.25));
        Assert.Equal(0.25, CertificationReport.AccuracyAt(Examples, 0.62));
        Assert.Equal(0, CertificationReport.AccuracyAt(Examples, 0.63));

        var curve = CertificationReport.Curve(Examples, step: 0.1);
        Assert.Equal((0d, 0.5), curve[0]);
        Assert.Equal((0.6, 0.25), curve[6]);
        Assert.Equal((0.7, 0d), curve[^1]);
        Assert.True(curve.Zip(curve.Skip(1)).All(p => p.First.Accuracy >= p.Second.Accuracy), "the curve never rises");
    }

    [Fact]
    public void Csv_json_and_svg_are_well_formed()
    {
        var csv = CertificationReport.Csv(Examples).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("index,label,prediction,radius,correct,samples,time_ms", csv[0]);
        Assert.Equal("2,7,5,0.9,0,10100,260", csv[3]);

        var options = new Guard.Guards.Smoothing.SmoothingOptions { Sigma = 0.25, N = 10_000, N0 = 100, Alpha = 0.001, Adaptive = false };
        using var json = JsonDocument.Parse(CertificationReport.Json("m", options, Examples, CertificationReport.Curve(Examples)));
        Assert.Equal(0.25, json.RootElement.GetProperty("sigma").GetDouble());
        var run = json.RootElement.GetProperty("run");
        Assert.Equal(10_000, run.GetProperty("n").GetInt32());
        Assert.Equal(0.001, run.GetProperty("alpha").GetDouble());
        Assert.False(run.GetProperty("adaptive").GetBoolean());
        Assert.Equal(Examples.Length, run.GetProperty("images").GetInt32());
        Assert.Equal(0.5, json.RootElement.GetProperty("curve")[0].GetProperty("certifiedAccuracy").GetDouble());

        var svg = XDocument.Parse(CertificationReport.Svg("m <σ = 0.25>", CertificationReport.Curve(Examples)));
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Single(svg.Descendants(ns + "polyline"));
        Assert.Contains(svg.Descendants(ns + "text"), t => t.Value == "m <σ = 0.25>");
    }
}
