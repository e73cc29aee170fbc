namespace Guard.State;

/// <summary>A current ban: who, why, and for how much longer.</summary>
public sealed record BanInfo(string Client, string Reason, TimeSpan Remaining);
