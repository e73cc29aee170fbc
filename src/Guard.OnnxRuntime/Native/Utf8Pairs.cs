using System.Runtime.InteropServices;

namespace Guard.OnnxRuntime.Native;

/// <summary>
/// Key/value strings as null-terminated UTF-8 in native memory, as the two parallel <c>const char* const*</c>
/// arrays that ORT's <c>Update*ProviderOptions</c> take. ORT copies them, so they are freed on dispose.
/// </summary>
internal sealed class Utf8Pairs : IDisposable
{
    private readonly nint[] _keys;
    private readonly nint[] _values;

    public Utf8Pairs(IReadOnlyList<KeyValuePair<string, string>> pairs)
    {
        _keys = new nint[pairs.Count];
        _values = new nint[pairs.Count];
        try
        {
            for (var i = 0; i < pairs.Count; i++)
            {
                _keys[i] = Marshal.StringToCoTaskMemUTF8(pairs[i].Key);
                _values[i] = Marshal.StringToCoTaskMemUTF8(pairs[i].Value);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int Count => _keys.Length;

    /// <summary>The key pointers; pin with <c>fixed</c> to pass as <c>char**</c>.</summary>
    public ReadOnlySpan<nint> Keys => _keys;

    /// <summary>The value pointers, in the order of <see cref="Keys"/>.</summary>
    public ReadOnlySpan<nint> Values => _values;

    public void Dispose()
    {
        for (var i = 0; i < _keys.Length; i++)
        {
            Marshal.FreeCoTaskMem(_keys[i]);
            Marshal.FreeCoTaskMem(_values[i]);
            _keys[i] = 0;
            _values[i] = 0;
        }
    }
}
