using System.CommandLine;
using Guard.Rpc;
using Guard.Rpc.Client;

namespace Guard.Gateway.Cli;

/// <summary>
/// The CLI's connection to a running Guard's gRPC admin service: the address and token come from options or the
/// environment (GUARD_ADMIN_ADDRESS, GUARD_ADMIN_TOKEN), and the token only ever goes into the authorization header.
/// </summary>
internal sealed class AdminClient : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly string _token;

    private AdminClient(Uri address, string token)
    {
        _channel = new GrpcChannel(address, new GrpcChannelOptions());
        _token = token;
    }

    public static Option<string> AddressOption() => new("--admin")
    {
        Description = "The admin gRPC address of a running Guard (admin.grpcAddress); default GUARD_ADMIN_ADDRESS or http://127.0.0.1:8004.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("GUARD_ADMIN_ADDRESS") ?? "http://127.0.0.1:8004",
    };

    public static Option<string?> TokenFileOption() => new("--token-file")
    {
        Description = "A file holding the admin token (default: the GUARD_ADMIN_TOKEN environment variable). Not on the command line: it would show in ps.",
    };

    /// <summary>A client for the parsed options; throws <see cref="ArgumentException"/> when no token is given.</summary>
    public static AdminClient Create(ParseResult parse, Option<string> address, Option<string?> tokenFile)
    {
        var token = parse.GetValue(tokenFile) is { } file
            ? File.ReadAllText(file).Trim()
            : Environment.GetEnvironmentVariable("GUARD_ADMIN_TOKEN")?.Trim();
        if (string.IsNullOrEmpty(token))
        {
            throw new ArgumentException("An admin token is needed: set GUARD_ADMIN_TOKEN or pass --token-file.");
        }

        var uri = Uri.TryCreate(parse.GetValue(address), UriKind.Absolute, out var u) && u.Scheme is "http" or "https"
            ? u
            : throw new ArgumentException($"--admin must be http://host:port or https://host:port, not '{parse.GetValue(address)}'.");
        return new AdminClient(uri, token);
    }

    public async Task<TResponse> CallAsync<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, CancellationToken cancellationToken)
    {
        var headers = new Metadata { { "authorization", $"Bearer {_token}" } };
        var result = await _channel.UnaryAsync(method, request, new CallOptions(headers, DateTime.UtcNow.AddSeconds(30), cancellationToken));
        return result.Response;
    }

    public void Dispose() => _channel.Dispose();
}
