namespace Guard.ModelHost;

/// <summary>Why an inference was refused or failed; a transport maps it to its own status codes.</summary>
public enum InferenceErrorKind
{
    /// <summary>The request does not fit the model (names, datatypes, shapes, sizes).</summary>
    InvalidArgument,

    /// <summary>No such model or version in the repository.</summary>
    NotFound,

    /// <summary>The model exists but cannot serve: it failed to load, or its queue is full, or the host is stopping.</summary>
    Unavailable,

    /// <summary>ONNX Runtime failed while running a request that passed validation.</summary>
    Internal,
}

/// <summary>An inference the host refused or could not complete, with a message fit to show the client.</summary>
public sealed class InferenceException : Exception
{
    public InferenceException()
        : this(InferenceErrorKind.Internal, "Inference failed.")
    {
    }

    public InferenceException(string message)
        : this(InferenceErrorKind.Internal, message)
    {
    }

    public InferenceException(string message, Exception innerException)
        : this(InferenceErrorKind.Internal, message, innerException)
    {
    }

    public InferenceException(InferenceErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    public InferenceErrorKind Kind { get; }
}
