using Guard.Gateway.Identity;
using Guard.Rpc;

namespace Guard.Gateway.Forwarding;

/// <summary>The caller's metadata as it goes upstream: Guard's own credentials stay with Guard unless configured otherwise.</summary>
public static class UpstreamMetadata
{
    public static Metadata From(Metadata requestHeaders, bool forwardCredentials)
    {
        ArgumentNullException.ThrowIfNull(requestHeaders);
        if (forwardCredentials || (requestHeaders.GetValue(ClientIdentityResolver.AuthorizationHeader) is null && requestHeaders.GetValue(ClientIdentityResolver.ApiKeyHeader) is null))
        {
            return requestHeaders;
        }

        var forwarded = new Metadata();
        foreach (var entry in requestHeaders)
        {
            if (entry.Key is not (ClientIdentityResolver.AuthorizationHeader or ClientIdentityResolver.ApiKeyHeader))
            {
                forwarded.Add(entry);
            }
        }

        return forwarded;
    }
}
