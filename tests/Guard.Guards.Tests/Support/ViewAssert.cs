using System.Runtime.InteropServices;
using Guard.Protocol;
using Guard.Protocol.Inference;

namespace Guard.Guards.Tests.Support;

/// <summary>Asserts that an <see cref="InferRequestView"/> says what a full Google.Protobuf parse says.</summary>
internal static class ViewAssert
{
    public static void AgreesWith(ModelInferRequest expected, InferRequestView view, byte[] buffer)
    {
        Assert.Equal(expected.ModelName, view.ModelName);
        Assert.Equal(expected.ModelVersion, view.ModelVersion);
        Assert.Equal(expected.Id, view.Id);
        Assert.Equal(expected.Parameters.Count > 0, view.HasParameters);
        Assert.Equal(expected.Outputs.Select(o => o.Name), view.RequestedOutputs);

        Assert.Equal(expected.Inputs.Count, view.Inputs.Count);
        for (int i = 0; i < expected.Inputs.Count; i++)
        {
            var want = expected.Inputs[i];
            var got = view.Inputs[i];
            Assert.Equal(i, got.Index);
            Assert.Equal(want.Name, got.Name);
            Assert.Equal(want.Datatype, got.Datatype);
            Assert.Equal(want.Shape, got.Shape);
            Assert.Equal(want.Contents is not null, got.HasTypedContents);

            var counts = ContentCounts(want.Contents);
            Assert.Equal(counts.Sum(c => c.Count), got.TypedContentsCount);
            var nonEmpty = counts.Where(c => c.Count > 0).ToList();
            Assert.Equal(nonEmpty.Count > 1, got.HasMixedTypedContents);
            Assert.Equal(nonEmpty.Count == 1 ? nonEmpty[0].Field : null, got.TypedContentsField);
        }

        Assert.Equal(expected.RawInputContents.Count, view.RawInputContents.Count);
        for (int i = 0; i < expected.RawInputContents.Count; i++)
        {
            var slice = view.RawInputContents[i];
            Assert.Equal(expected.RawInputContents[i].ToByteArray(), slice.ToArray());
            AssertSliceOf(buffer, slice);
        }
    }

    /// <summary>The slice is a window on <paramref name="buffer"/> itself, not a copy.</summary>
    public static void AssertSliceOf(byte[] buffer, ReadOnlyMemory<byte> slice)
    {
        Assert.True(MemoryMarshal.TryGetArray(slice, out var segment));
        Assert.Same(buffer, segment.Array);
        Assert.InRange(segment.Offset, 0, buffer.Length - slice.Length);
    }

    private static List<(string Field, int Count)> ContentCounts(InferTensorContents? contents) => contents is null
        ? []
        :
        [
            (TensorContentsFields.BoolContents, contents.BoolContents.Count),
            (TensorContentsFields.IntContents, contents.IntContents.Count),
            (TensorContentsFields.Int64Contents, contents.Int64Contents.Count),
            (TensorContentsFields.UintContents, contents.UintContents.Count),
            (TensorContentsFields.Uint64Contents, contents.Uint64Contents.Count),
            (TensorContentsFields.Fp32Contents, contents.Fp32Contents.Count),
            (TensorContentsFields.Fp64Contents, contents.Fp64Contents.Count),
            (TensorContentsFields.BytesContents, contents.BytesContents.Count),
        ];
}
