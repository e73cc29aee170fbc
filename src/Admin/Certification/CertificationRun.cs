namespace Guard.Admin.Certification;

/// <summary>How the latest <c>guard certify</c> run of a model was made (from its curve file).</summary>
public sealed record CertificationRun(int N, int N0, double Alpha, bool Adaptive, int Images, double MeanMs);

public sealed record CurvePoint(double Radius, double CertifiedAccuracy);

/// <summary>One example of a certify run (a row of its CSV).</summary>
public sealed record CertifiedRow(bool Correct, double Radius, long Samples, double Milliseconds);

/// <summary>A noise-trained model the smoothing stage can use, with its latest certification.</summary>
public sealed record CertificationOption(string BaseModel, double Sigma, CertificationRun? Run, IReadOnlyList<CurvePoint> Curve);

/// <summary>What the settings are expected to give, from the examples of the latest run.</summary>
/// <param name="AbstainRate">The share of requests not certified at r_min (they get the stage's action).</param>
/// <param name="CertifiedAccuracy">The share answered correctly and certified at r_min.</param>
/// <param name="MsPerRequest">Time per request at n₀ + n samples (adaptive sampling usually needs fewer).</param>
public sealed record CertificationEstimate(double AbstainRate, double CertifiedAccuracy, double MsPerRequest, int Examples);
