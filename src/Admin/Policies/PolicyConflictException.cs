namespace Guard.Admin.Policies;

/// <summary>The change was made against a version that is no longer the newest.</summary>
public sealed class PolicyConflictException(long expected, long actual)
    : Exception($"The policies changed since version {expected}: version {actual} is in force now. Reload and apply the change again.")
{
    public long Expected { get; } = expected;

    public long Actual { get; } = actual;
}

/// <summary>The change would make an invalid configuration; <see cref="Problems"/> names each problem's key.</summary>
public sealed class PolicyValidationException(IReadOnlyList<string> problems)
    : Exception("The policy is not valid: " + string.Join("; ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
