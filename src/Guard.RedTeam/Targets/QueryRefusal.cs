using Guard.Rpc;

namespace Guard.RedTeam.Targets;

/// <summary>The endpoint answered a query with a non-OK status: for a guarded endpoint, a detection.</summary>
public sealed record QueryRefusal(StatusCode Code, string Message);
