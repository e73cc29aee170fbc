using Microsoft.Extensions.Logging;

namespace Guard.Redis.PubSub;

public sealed partial class RedisSubscriber
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Redis subscriber connected to {Endpoint} (RESP{Protocol}, TLS {Tls})")]
    private static partial void LogConnected(ILogger logger, string endpoint, int protocol, bool tls);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis subscriber could not connect to {Endpoint} (attempt {Attempt}; next in about {BackoffMs} ms): {Reason}")]
    private static partial void LogConnectFailed(ILogger logger, string endpoint, int attempt, double backoffMs, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis subscriber lost its connection to {Endpoint}: {Reason}; reconnecting and subscribing again")]
    private static partial void LogConnectionLost(ILogger logger, string endpoint, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Redis refused SUBSCRIBE {Channel}: {Reason}; retried on the next connection")]
    private static partial void LogSubscribeRefused(ILogger logger, string channel, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The Redis subscriber's connection loop failed unexpectedly")]
    private static partial void LogMaintenanceFailed(ILogger logger, Exception exception);
}
