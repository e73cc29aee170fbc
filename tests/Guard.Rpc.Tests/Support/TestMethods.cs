using System.Text;
using Guard.Rpc.Server;

namespace Guard.Rpc.Tests.Support;

/// <summary>Methods of a made-up "test.Echo" service, with a UTF-8 string marshaller or raw bytes.</summary>
public static class TestMethods
{
    public const string Service = "test.Echo";

    public static Marshaller<string> Utf8 { get; } = new(static s => Encoding.UTF8.GetBytes(s), static m => Encoding.UTF8.GetString(m.Span));

    public static Method<string, string> Unary { get; } = new(MethodType.Unary, Service, "Unary", Utf8, Utf8);

    public static Method<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>> Bytes { get; } =
        new(MethodType.Unary, Service, "Bytes", Marshallers.Raw, Marshallers.Raw);

    public static Method<string, string> Count { get; } = new(MethodType.ServerStreaming, Service, "Count", Utf8, Utf8);

    public static Method<string, string> Sum { get; } = new(MethodType.ClientStreaming, Service, "Sum", Utf8, Utf8);

    public static Method<string, string> Chat { get; } = new(MethodType.DuplexStreaming, Service, "Chat", Utf8, Utf8);

    /// <summary>Unary echo of strings and of raw bytes.</summary>
    public static void AddEcho(GrpcServiceRegistry registry)
    {
        registry.AddUnary(Unary, static (request, _) => Task.FromResult(request));
        registry.AddUnary(Bytes, static (request, _) => Task.FromResult(request));
    }

    /// <summary>Deterministic pseudo-random bytes, so a corrupted byte anywhere is noticed.</summary>
    public static byte[] Pattern(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}

/// <summary>Failure guards: a hung call fails the test instead of hanging the run.</summary>
public static class Guarded
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(15);

    public static Task<T> Within<T>(this Task<T> task) => task.WaitAsync(Limit);

    public static Task Within(this Task task) => task.WaitAsync(Limit);
}
