namespace Guard.Protocol;

/// <summary>A range of the top-level buffer: a length-delimited field's payload.</summary>
internal readonly record struct WireSegment(int Offset, int Length)
{
    public int End => Offset + Length;
}
