namespace Guard.Redis.PubSub;

/// <summary>One published message, as a <see cref="RedisSubscriber"/> received it.</summary>
/// <param name="Channel">The channel it was published on (UTF-8 decoded).</param>
/// <param name="Payload">The message's bytes, exactly as published; the handler may keep them.</param>
public readonly record struct RedisMessage(string Channel, ReadOnlyMemory<byte> Payload);
