namespace Guard.Rpc;

/// <summary>Header names and values from gRPC's PROTOCOL-HTTP2.md, in one place.</summary>
public static class GrpcHeaders
{
    public const string ContentType = "application/grpc";
    public const string Timeout = "grpc-timeout";
    public const string Encoding = "grpc-encoding";
    public const string AcceptEncoding = "grpc-accept-encoding";
    public const string Status = "grpc-status";
    public const string Message = "grpc-message";
    public const string StatusDetails = "grpc-status-details-bin";
    public const string RetryPushback = "grpc-retry-pushback-ms";
    public const string UserAgent = "user-agent";
    public const string Te = "te";
    public const string IdentityEncoding = "identity";

    /// <summary>
    /// True for headers that belong to the HTTP/2 or gRPC wire (pseudo-headers, framing, hop-by-hop) rather
    /// than to the application's custom metadata; such headers are never copied into <see cref="Metadata"/>.
    /// </summary>
    public static bool IsReserved(string name)
    {
        if (name.Length == 0 || name[0] == ':')
        {
            return true;
        }

        switch (name.ToLowerInvariant())
        {
            case "content-type":
            case "content-length":
            case "te":
            case "host":
            case "connection":
            case "keep-alive":
            case "proxy-connection":
            case "transfer-encoding":
            case "upgrade":
            case "accept-encoding":
            case "content-encoding":
            case "user-agent":
                return true;
        }

        // grpc-* is reserved for the protocol, except the optional binary status details and tracing bin headers.
        return name.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase)
            && !name.Equals("grpc-trace-bin", StringComparison.OrdinalIgnoreCase)
            && !name.Equals("grpc-tags-bin", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>True for a gRPC content type: <c>application/grpc</c> or <c>application/grpc+proto</c> etc., not grpc-web.</summary>
    public static bool IsGrpcContentType(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (contentType.Length == ContentType.Length)
        {
            return true;
        }

        var next = contentType[ContentType.Length];
        return next is '+' or ';';
    }
}
