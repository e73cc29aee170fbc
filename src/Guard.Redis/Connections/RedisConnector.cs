using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Guard.Redis.Protocol;
using Microsoft.Extensions.Logging;

namespace Guard.Redis.Connections;

/// <summary>
/// Opens a ready-to-use connection: TCP (all resolved addresses in turn), TLS when configured, then the handshake
/// (HELLO 3 or AUTH, then SELECT), all within ConnectTimeout. Credentials go only onto the wire, never into
/// messages or logs.
/// </summary>
internal sealed class RedisConnector(RedisOptions options, TlsSettings? tls, ILogger logger)
{
    /// <summary>How often a connection checks its oldest command's deadline: fine enough to honour CommandTimeout closely, coarse enough to cost nothing.</summary>
    private readonly TimeSpan _checkPeriod = TimeSpan.FromMilliseconds(Math.Clamp(options.CommandTimeout.TotalMilliseconds / 10, 10, 100));

    public RedisOptions Options => options;

    /// <param name="onPublished">For a subscriber's connection: where published messages go (see <see cref="RedisConnection"/>).</param>
    /// <exception cref="RedisConnectionException">Unreachable, TLS failed, the handshake was refused, or it all took longer than ConnectTimeout.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public async Task<RedisConnection> ConnectAsync(RedisEndPoint endPoint, CancellationToken cancellationToken, Action<RedisReply>? onPublished = null)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        Stream? stream = null;
        RedisConnection? connection = null;
        try
        {
            stream = new NetworkStream(await OpenSocketAsync(endPoint, timeout.Token), ownsSocket: true);
            if (tls is not null)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                await ssl.AuthenticateAsClientAsync(tls.ForHost(endPoint.Host), timeout.Token);
            }

            connection = new RedisConnection(stream, endPoint, _checkPeriod, logger, onPublished);
            connection.Start();
            await HandshakeAsync(connection, timeout.Token);
            return connection;
        }
        catch (Exception e)
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
            else if (stream is not null)
            {
                await stream.DisposeAsync();
            }

            if (e is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw e switch
            {
                OperationCanceledException => new RedisConnectionException($"Could not connect to Redis {endPoint} within {options.ConnectTimeout.TotalMilliseconds:0} ms.", e),
                RedisConnectionException => e,
                _ => new RedisConnectionException($"Could not connect to Redis {endPoint}: {e.Message}", e),
            };
        }
    }

    private static async Task<Socket> OpenSocketAsync(RedisEndPoint endPoint, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(endPoint.Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endPoint.Host, cancellationToken);
        if (addresses.Length == 0)
        {
            throw new RedisConnectionException($"Redis host '{endPoint.Host}' resolved to no address.");
        }

        Exception? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                // Keepalive lets a blocking command on a silently dead peer fail eventually instead of never.
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
                await socket.ConnectAsync(new IPEndPoint(address, endPoint.Port), cancellationToken);
                return socket;
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw new RedisConnectionException($"Could not connect to Redis {endPoint}: {last!.Message}", last);
    }

    private async Task HandshakeAsync(RedisConnection connection, CancellationToken cancellationToken)
    {
        if (options.Protocol == 3)
        {
            List<object> hello = ["HELLO", "3"];
            if (options.Password is not null)
            {
                hello.AddRange(["AUTH", options.User ?? "default", options.Password]);
            }

            await RunAsync(connection, "HELLO 3", hello, cancellationToken);
        }
        else if (options.Password is not null)
        {
            object[] auth = options.User is null ? ["AUTH", options.Password] : ["AUTH", options.User, options.Password];
            await RunAsync(connection, "AUTH", auth, cancellationToken);
        }

        if (!options.Cluster && options.Database != 0)
        {
            await RunAsync(connection, "SELECT", ["SELECT", options.Database], cancellationToken);
        }
    }

    /// <param name="what">How the step is named in errors: never the arguments, which may hold the password.</param>
    private async Task RunAsync(RedisConnection connection, string what, IReadOnlyList<object> args, CancellationToken cancellationToken)
    {
        var reply = await connection.SendAsync(RedisCommand.Create(args), options.ConnectTimeout, asking: false, cancellationToken);
        if (reply.Kind == RedisReplyKind.Error)
        {
            var user = options.User ?? "default";
            throw new RedisConnectionException(
                $"Redis {connection.EndPoint} refused {what} (user '{user}'): {reply.Text}",
                new RedisServerException(reply.Text ?? "ERR"));
        }
    }
}
