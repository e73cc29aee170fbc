using System.Globalization;

namespace Guard.Guards.Validation;

/// <summary>Formats shapes for error messages as "[1,16]".</summary>
internal static class ShapeText
{
    public static string Format(IReadOnlyList<long> shape)
    {
        var text = new System.Text.StringBuilder("[");
        for (int i = 0; i < shape.Count; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            text.Append(shape[i].ToString(CultureInfo.InvariantCulture));
        }

        return text.Append(']').ToString();
    }
}
