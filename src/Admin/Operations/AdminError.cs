namespace Guard.Admin.Operations;

/// <summary>Why an admin operation failed, in terms both the JSON API and the gRPC service can say.</summary>
public enum AdminErrorKind
{
    Invalid,
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    Unavailable,
    TooManyRequests,
}

/// <summary>An admin operation's refusal: a message for the caller and, for invalid input, every problem.</summary>
public sealed class AdminException(AdminErrorKind kind, string message, IReadOnlyList<string>? problems = null) : Exception(message)
{
    public AdminErrorKind Kind { get; } = kind;

    public IReadOnlyList<string> Problems { get; } = problems ?? [];
}
