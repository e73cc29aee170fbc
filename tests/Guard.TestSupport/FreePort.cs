using System.Net;
using System.Net.Sockets;

namespace Guard.TestSupport;

public static class FreePort
{
    /// <summary>A loopback port nobody listens on right now (the OS picks it for a listener on port 0).</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
