using Guard.Rpc.Client;

namespace Guard.Gateway.Upstreams;

/// <summary>
/// One upstream server: its channel (pooled HTTP/2 connections), its health as seen by the active checker
/// and by failed connects, and how many calls are in flight to it. Survives configuration reloads that keep
/// its address, so open connections are not dropped.
/// </summary>
public sealed class UpstreamEndpoint : IDisposable
{
    private int _outstanding;
    private int _consecutiveFailures;
    private int _consecutiveSuccesses;
    private volatile bool _healthy = true;

    public UpstreamEndpoint(string upstream, Uri address, GrpcChannel channel)
    {
        Upstream = upstream;
        Address = address;
        Channel = channel;
    }

    public string Upstream { get; }

    public Uri Address { get; }

    public GrpcChannel Channel { get; }

    /// <summary>False once the endpoint failed enough checks or connects; it then gets no traffic while others are healthy.</summary>
    public bool IsHealthy => _healthy;

    public int Outstanding => Volatile.Read(ref _outstanding);

    public DateTime? LastCheck { get; private set; }

    public string? LastError { get; private set; }

    /// <summary>Counts a call in flight until the returned lease is disposed.</summary>
    public OutstandingLease BeginCall()
    {
        Interlocked.Increment(ref _outstanding);
        return new OutstandingLease(this);
    }

    /// <summary>Records a health-check result; returns true when the endpoint's health changed.</summary>
    public bool ReportCheck(bool success, string? error, int healthyThreshold, int unhealthyThreshold)
    {
        LastCheck = DateTime.UtcNow;
        LastError = error;
        var was = _healthy;
        if (success)
        {
            Interlocked.Exchange(ref _consecutiveFailures, 0);
            if (Interlocked.Increment(ref _consecutiveSuccesses) >= healthyThreshold)
            {
                _healthy = true;
            }
        }
        else
        {
            Interlocked.Exchange(ref _consecutiveSuccesses, 0);
            if (Interlocked.Increment(ref _consecutiveFailures) >= unhealthyThreshold)
            {
                _healthy = false;
            }
        }

        return was != _healthy;
    }

    /// <summary>A connect failure on live traffic takes the endpoint out at once; the checker brings it back.</summary>
    public bool ReportConnectFailure(string error)
    {
        LastError = error;
        Interlocked.Exchange(ref _consecutiveSuccesses, 0);
        var was = _healthy;
        _healthy = false;
        return was;
    }

    public void Dispose() => Channel.Dispose();

    public override string ToString() => $"{Upstream}/{Address.Authority}";

    public readonly struct OutstandingLease(UpstreamEndpoint endpoint) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref endpoint._outstanding);
    }
}
