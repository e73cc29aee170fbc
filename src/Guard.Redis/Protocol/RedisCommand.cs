namespace Guard.Redis.Protocol;

/// <summary>
/// A command's arguments together with their encoded RESP size. Measuring validates every argument up front, so a
/// bad one is reported to its caller before anything reaches a shared connection, and redirects reuse the size.
/// </summary>
internal sealed class RedisCommand
{
    private RedisCommand(IReadOnlyList<object> args, int size)
    {
        Args = args;
        Size = size;
    }

    public IReadOnlyList<object> Args { get; }

    /// <summary>Bytes the command takes on the wire.</summary>
    public int Size { get; }

    /// <summary>The command name, upper-cased, for decisions such as how long a blocking command may block.</summary>
    public string Name => Args[0] is string name ? name.ToUpperInvariant() : "";

    /// <exception cref="ArgumentException">No arguments, or one RESP cannot carry.</exception>
    public static RedisCommand Create(IReadOnlyList<object> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count == 0)
        {
            throw new ArgumentException("A Redis command needs at least its name.", nameof(args));
        }

        return new RedisCommand(args, RespWriter.Measure(args));
    }
}
