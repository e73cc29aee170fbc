using System.Text.Json.Nodes;
using Guard.Admin.Calibration;
using Guard.Admin.Certification;
using Guard.Admin.Policies;

namespace Guard.Admin.Operations;

/// <summary>What the certification and guards pages show: a policy's settings beside the latest certify and calibrate results.</summary>
public sealed class TuningViews(IPolicyCatalog catalog, CertificationCatalog certification, CalibrationReports calibration)
{
    // The console's name for a stage → the policy key it is configured under.
    private static readonly (string Guard, string Key)[] DetectingStages =
        [("fingerprint", "fingerprint"), ("knn", "knn"), ("squeezing", "squeezing"), ("detector", "learnedDetector"), ("smoothing", "smoothing")];

    public CertificationView Certification(string model)
    {
        var view = catalog.Current;
        if (!view.Models.TryGetValue(model, out var binding))
        {
            throw new AdminException(AdminErrorKind.NotFound, $"There is no model named '{model}'.");
        }

        var smoothing = view.Policies.TryGetValue(binding.Policy, out var policy) ? policy["smoothing"] as JsonObject : null;
        return new CertificationView(model, binding.Policy, new SmoothingView(
            Bool(smoothing, "enabled"),
            smoothing?["baseModel"]?.GetValue<string>(),
            Number(smoothing, "sigma") ?? 0.25,
            (int)(Number(smoothing, "n") ?? 10_000),
            (int)(Number(smoothing, "n0") ?? 100),
            Number(smoothing, "alpha") ?? 0.001,
            Number(smoothing, "minRadius") ?? 0,
            smoothing?["action"]?.GetValue<string>() ?? "flag"), certification.Options(view.ModelRepository));
    }

    public CertificationEstimate Estimate(string baseModel, double sigma, int n, int n0, double alpha, double minRadius)
    {
        // The same rules the smoothing stage holds its settings to.
        try
        {
            new Guard.Guards.Smoothing.SmoothingOptions { Sigma = sigma, N = n, N0 = n0, Alpha = alpha, MinRadius = minRadius }.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new AdminException(AdminErrorKind.Invalid, "The settings are not valid.", [ex.Message]);
        }

        var (run, _) = certification.ReadCurve(baseModel);
        var rows = certification.Rows(baseModel);
        if (run is null || rows is null)
        {
            throw new AdminException(AdminErrorKind.NotFound, $"'{baseModel}' has no certify run to estimate from; run `guard certify --model {baseModel}`.");
        }

        if (run.Adaptive)
        {
            throw new AdminException(AdminErrorKind.Invalid, $"The latest certify run of '{baseModel}' was adaptive; estimates need a fixed-n run.");
        }

        return CertificationEstimator.Estimate(rows, run, sigma, n, n0, alpha, minRadius);
    }

    public GuardsView Guards(string policyName)
    {
        var view = catalog.Current;
        if (!view.Policies.TryGetValue(policyName, out var policy))
        {
            throw new AdminException(AdminErrorKind.NotFound, $"There is no policy named '{policyName}'.");
        }

        var results = calibration.For(policyName);
        var defaultAction = (policy["actions"] as JsonObject)?["default"]?.GetValue<string>() ?? "reject";
        var guards = new List<GuardView>();
        foreach (var (guard, key) in DetectingStages)
        {
            var stage = policy[key] as JsonObject;
            var threshold = key == "smoothing" ? Number(stage, "minRadius") : Number(stage, "threshold");
            var action = stage?["action"]?.GetValue<string>() ?? (key == "smoothing" ? "flag" : defaultAction);
            guards.Add(new GuardView(guard, Bool(stage, "enabled"), threshold, action, results.GetValueOrDefault(guard) ?? []));
        }

        return new GuardsView(policyName, view.Version, guards);
    }

    private static bool Bool(JsonObject? obj, string key) => obj?[key] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    private static double? Number(JsonObject? obj, string key) => obj?[key] is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;
}
