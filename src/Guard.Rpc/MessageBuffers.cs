using System.Buffers;

namespace Guard.Rpc;

/// <summary>
/// Pooled buffers backing received messages of one call. Large tensors would otherwise be fresh large-object
/// arrays each time, and the page faults on them cost more than the copy itself. Whoever owns an instance
/// disposes it once nothing reads those messages any more; afterwards their memory belongs to someone else.
/// </summary>
public sealed class MessageBuffers : IDisposable
{
    private readonly List<byte[]> _rented = new(1);

    internal byte[] Rent(int minimumLength)
    {
        var array = ArrayPool<byte>.Shared.Rent(minimumLength);
        _rented.Add(array);
        return array;
    }

    internal void Release(byte[] array)
    {
        if (_rented.Remove(array))
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    public void Dispose()
    {
        foreach (var array in _rented)
        {
            ArrayPool<byte>.Shared.Return(array);
        }

        _rented.Clear();
    }
}
