using Guard.Gateway.Configuration;
using Guard.Rpc;
using Guard.Rpc.Server;

namespace Guard.Gateway.Identity;

/// <summary>
/// Identifies the caller of one call from the listener's sources, in order: an API key (<c>authorization: Bearer</c>
/// or <c>x-api-key</c>), the subject of a client certificate the TLS handshake verified, or the peer address.
/// </summary>
public sealed class ClientIdentityResolver(ListenerIdentityOptions listener, ApiKeyRegistry keys)
{
    public const string AuthorizationHeader = "authorization";
    public const string ApiKeyHeader = "x-api-key";
    private const string BearerPrefix = "Bearer ";

    /// <exception cref="RpcException">UNAUTHENTICATED: an unknown or malformed key, or no credential where one is required.</exception>
    public ClientIdentity Resolve(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var source in listener.EffectiveSources)
        {
            var identity = source switch
            {
                ListenerIdentityOptions.ApiKey => FromApiKey(context),
                ListenerIdentityOptions.Certificate => FromCertificate(context),
                ListenerIdentityOptions.Peer when listener.AllowAnonymous => FromPeer(context),
                _ => null,
            };
            if (identity is not null)
            {
                return identity;
            }
        }

        return listener.AllowAnonymous
            ? ClientIdentity.Anonymous
            : throw new RpcException(StatusCode.Unauthenticated, Required());
    }

    private ClientIdentity? FromApiKey(ServerCallContext context)
    {
        var key = PresentedKey(context);
        if (key is null)
        {
            return null;
        }

        // A wrong key is refused, never quietly downgraded to an anonymous caller.
        var client = keys.Find(key) ?? throw new RpcException(StatusCode.Unauthenticated, "The API key is not valid.");
        return new ClientIdentity("key:" + client, IdentitySource.ApiKey);
    }

    private static string? PresentedKey(ServerCallContext context)
    {
        if (context.RequestHeaders.GetValue(ApiKeyHeader) is { Length: > 0 } apiKey)
        {
            return apiKey;
        }

        var authorization = context.RequestHeaders.GetValue(AuthorizationHeader);
        if (authorization is null)
        {
            return null;
        }

        return authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase) && authorization.Length > BearerPrefix.Length
            ? authorization[BearerPrefix.Length..].Trim()
            : throw new RpcException(StatusCode.Unauthenticated, "The authorization header must be 'Bearer <API key>'.");
    }

    /// <summary>Kestrel has already verified the chain against the listener's client CA; here only the subject is read.</summary>
    private static ClientIdentity? FromCertificate(ServerCallContext context) =>
        context.ClientCertificate is { } certificate ? new ClientIdentity("cert:" + certificate.Subject, IdentitySource.Certificate) : null;

    private static ClientIdentity? FromPeer(ServerCallContext context) =>
        context.RemoteIpAddress is { } address ? new ClientIdentity("peer:" + address, IdentitySource.Peer) : null;

    private string Required()
    {
        var accepted = listener.EffectiveSources
            .Select(s => s switch
            {
                ListenerIdentityOptions.ApiKey => "an API key (authorization: Bearer <key>, or x-api-key)",
                ListenerIdentityOptions.Certificate => "a client certificate",
                _ => null,
            })
            .OfType<string>();
        return $"Credentials are required: {string.Join(" or ", accepted)}.";
    }
}
