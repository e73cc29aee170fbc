using System.Buffers.Binary;
using System.Globalization;
using Guard.Protocol;

namespace Guard.Guards.Validation;

/// <summary>
/// Checks raw BYTES tensor data: a sequence of elements, each a 4-byte little-endian length followed by
/// that many bytes, which must parse into exactly the shape's element count with nothing left over.
/// </summary>
internal static class BytesContentRules
{
    private const int LengthPrefixSize = sizeof(uint);

    public static string? Check(InferInputView input, ReadOnlySpan<byte> raw, long elements)
    {
        var culture = CultureInfo.InvariantCulture;
        long count = 0;
        int position = 0;
        while (position < raw.Length)
        {
            int remaining = raw.Length - position;
            if (remaining < LengthPrefixSize)
            {
                return string.Create(culture, $"input '{input.Name}': raw BYTES content ends with {remaining} bytes after element {count - 1}, too few for a 4-byte length prefix");
            }

            uint length = BinaryPrimitives.ReadUInt32LittleEndian(raw.Slice(position, LengthPrefixSize));
            position += LengthPrefixSize;
            remaining -= LengthPrefixSize;
            if (length > (uint)remaining)
            {
                return string.Create(culture, $"input '{input.Name}': raw BYTES element {count} declares {length} bytes but only {remaining} remain");
            }

            position += (int)length;
            count++;
        }

        return count == elements
            ? null
            : string.Create(culture, $"input '{input.Name}': raw BYTES content holds {count} elements but shape {ShapeText.Format(input.Shape)} needs {elements}");
    }
}
