namespace Guard.Protocol;

/// <summary>One <c>ModelInferRequest.InferInputTensor</c> as seen by <see cref="InferRequestView"/>; tensor data is not decoded.</summary>
public sealed class InferInputView
{
    internal InferInputView(int index, string name, string datatype, long[] shape, in TypedContentsSummary contents)
    {
        Index = index;
        Name = name;
        Datatype = datatype;
        Shape = shape;
        HasTypedContents = contents.Present;
        TypedContentsCount = contents.Count;
        TypedContentsField = contents.Field;
        HasMixedTypedContents = contents.Mixed;
        TypedContentsByteLength = contents.ByteLength;
    }

    /// <summary>Position in <see cref="InferRequestView.Inputs"/>, which is also the index of its raw_input_contents entry.</summary>
    public int Index { get; }

    public string Name { get; }

    public string Datatype { get; }

#pragma warning disable CA1819 // The shape is tiny and read in hot loops; an array avoids an interface dispatch per dimension.
    public long[] Shape { get; }
#pragma warning restore CA1819

    /// <summary>Whether the <c>contents</c> field is present (even if it holds no elements).</summary>
    public bool HasTypedContents { get; }

    /// <summary>Elements across all repeated fields of <c>contents</c>, packed or unpacked.</summary>
    public int TypedContentsCount { get; }

    /// <summary>The <see cref="TensorContentsFields"/> name of the one field holding elements; null when none does or when several do.</summary>
    public string? TypedContentsField { get; }

    /// <summary>More than one repeated field of <c>contents</c> holds elements (never valid for a tensor).</summary>
    public bool HasMixedTypedContents { get; }

    /// <summary>Serialized size of the <c>contents</c> message(s), a bound on the typed data they carry.</summary>
    public int TypedContentsByteLength { get; }
}
