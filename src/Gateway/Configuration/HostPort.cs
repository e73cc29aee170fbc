using System.Globalization;
using System.Net;

namespace Guard.Gateway.Configuration;

/// <summary>A listener address, <c>host:port</c> or <c>[v6]:port</c>.</summary>
public readonly record struct HostPort(IPAddress Address, int Port)
{
    public static bool TryParse(string? value, out HostPort result, out string error)
    {
        result = default;
        error = "";
        if (string.IsNullOrWhiteSpace(value))
        {
            error = "is empty";
            return false;
        }

        var colon = value.LastIndexOf(':');
        if (colon <= 0 || colon == value.Length - 1)
        {
            error = $"'{value}' is not host:port";
            return false;
        }

        var host = value[..colon].Trim('[', ']');
        if (!int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            error = $"'{value}' has an invalid port";
            return false;
        }

        IPAddress? address = host switch
        {
            "localhost" => IPAddress.Loopback,
            "*" or "0.0.0.0" => IPAddress.Any,
            _ => IPAddress.TryParse(host, out var a) ? a : null,
        };
        if (address is null)
        {
            error = $"'{value}' needs an IP address, 'localhost' or '*' as host";
            return false;
        }

        result = new HostPort(address, port);
        return true;
    }

    public bool IsLoopback => IPAddress.IsLoopback(Address);

    public override string ToString() => Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
        ? $"[{Address}]:{Port}"
        : $"{Address}:{Port}";
}
