using System.Text.Json.Nodes;
using Guard.Admin.Calibration;
using Guard.Admin.Certification;
using Guard.Admin.Policies;

namespace Guard.Admin.Operations;

// What the admin operations answer; the JSON API serializes these as they are (camelCase), the gRPC service maps them.

public sealed record SessionView(string User, string Role, string CsrfToken, DateTimeOffset ExpiresUtc);

public sealed record ModelView(string Name, string Policy, string Upstream);

public sealed record PoliciesView(long Version, IReadOnlyDictionary<string, JsonObject> Policies, IReadOnlyDictionary<string, string> ModelPolicies);

public sealed record PolicyView(long Version, string Name, JsonObject Policy, IReadOnlyList<string> Models, string Source);

public sealed record CommitView(long Version, IReadOnlyList<PolicyChange> Changes);

public sealed record SmoothingView(bool Enabled, string? BaseModel, double Sigma, int N, int N0, double Alpha, double MinRadius, string Action);

public sealed record CertificationView(string Model, string Policy, SmoothingView Smoothing, IReadOnlyList<CertificationOption> Options);

public sealed record GuardView(string Name, bool Enabled, double? Threshold, string? Action, IReadOnlyList<CalibrationResult> Calibration);

public sealed record GuardsView(string Policy, long Version, IReadOnlyList<GuardView> Guards);

public sealed record BlockedSummary(long Id, DateTimeOffset TimeUtc, string RequestId, string Client, string Model, string ModelVersion, string Guard, double Score, double Threshold, string Action, bool HasSnapshot);

public sealed record SnapshotView(string Datatype, IReadOnlyList<long> Shape, bool IsImage);

public sealed record BanView(string Client, string Reason, DateTimeOffset ExpiresUtc);

/// <summary>A blocked query with everything the detail view shows (the summary's fields, flat).</summary>
public sealed record BlockedDetail(long Id, DateTimeOffset TimeUtc, string RequestId, string Client, string Model, string ModelVersion, string Guard, double Score, double Threshold, string Action, bool HasSnapshot, string InputHash, IReadOnlyList<string> MatchedQueryIds, IReadOnlyList<BlockedSummary> Matched, SnapshotView? Snapshot, BanView? Banned);

public sealed record BlockedPageView(IReadOnlyList<BlockedSummary> Items, string? Next);
