using System.Collections;

namespace Guard.OnnxRuntime;

/// <summary>The outputs of one Run, in the order requested; disposing it releases them all.</summary>
public sealed class RunOutputs : IReadOnlyList<OrtTensor>, IDisposable
{
    private readonly string[] _names;
    private readonly OrtTensor[] _tensors;

    internal RunOutputs(string[] names, OrtTensor[] tensors)
    {
        _names = names;
        _tensors = tensors;
    }

    public IReadOnlyList<string> Names => _names;

    public int Count => _tensors.Length;

    public OrtTensor this[int index] => _tensors[index];

    /// <summary>The output named <paramref name="name"/>.</summary>
    public OrtTensor this[string name]
    {
        get
        {
            var index = Array.IndexOf(_names, name);
            return index >= 0 ? _tensors[index] : throw new KeyNotFoundException($"No output named '{name}' was requested.");
        }
    }

    public IEnumerator<OrtTensor> GetEnumerator() => ((IEnumerable<OrtTensor>)_tensors).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public void Dispose()
    {
        foreach (var tensor in _tensors)
        {
            tensor.Dispose();
        }
    }
}
