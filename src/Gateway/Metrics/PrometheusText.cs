using System.Globalization;
using System.Text;

namespace Guard.Gateway.Metrics;

/// <summary>Spelling rules of the Prometheus text exposition format 0.0.4.</summary>
internal static class PrometheusText
{
    /// <summary><c># HELP</c> text escapes only backslash and newline.</summary>
    public static string EscapeHelp(string help) => Escape(help, escapeQuote: false);

    /// <summary>Label values also escape the double quote that ends them.</summary>
    public static string EscapeLabelValue(string value) => Escape(value, escapeQuote: true);

    /// <summary>Renders <c>a="x",b="y"</c> (no braces) once per series so scrapes only copy it.</summary>
    public static string RenderLabelPairs(string[] names, string[] values)
    {
        if (names.Length == 0)
        {
            return string.Empty;
        }

        var text = new StringBuilder();
        for (int i = 0; i < names.Length; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            text.Append(names[i]).Append("=\"").Append(EscapeLabelValue(values[i])).Append('"');
        }

        return text.ToString();
    }

    /// <summary>Go's ParseFloat reads <c>+Inf</c>, <c>-Inf</c> and <c>NaN</c>; .NET would write "∞"-style names.</summary>
    public static string FormatDouble(double value)
    {
        if (double.IsPositiveInfinity(value))
        {
            return "+Inf";
        }

        if (double.IsNegativeInfinity(value))
        {
            return "-Inf";
        }

        return double.IsNaN(value) ? "NaN" : value.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>Formats into a stack buffer so writing a sample allocates nothing.</summary>
    public static void WriteDouble(TextWriter writer, double value)
    {
        if (!double.IsFinite(value))
        {
            writer.Write(FormatDouble(value));
            return;
        }

        Span<char> buffer = stackalloc char[32];
        if (value.TryFormat(buffer, out int written, "R", CultureInfo.InvariantCulture))
        {
            writer.Write(buffer[..written]);
        }
        else
        {
            writer.Write(FormatDouble(value));
        }
    }

    public static void WriteLong(TextWriter writer, long value)
    {
        Span<char> buffer = stackalloc char[20];
        value.TryFormat(buffer, out int written, provider: CultureInfo.InvariantCulture);
        writer.Write(buffer[..written]);
    }

    /// <summary>Writes <c>name{pairs} </c> or <c>name </c> when the series has no labels.</summary>
    public static void WriteSeriesStart(TextWriter writer, string name, string labelPairs)
    {
        writer.Write(name);
        if (labelPairs.Length != 0)
        {
            writer.Write('{');
            writer.Write(labelPairs);
            writer.Write('}');
        }

        writer.Write(' ');
    }

    public static string RenderHeader(string name, string help, string type) =>
        $"# HELP {name} {EscapeHelp(help)}\n# TYPE {name} {type}\n";

    private static string Escape(string text, bool escapeQuote)
    {
        int first = text.AsSpan().IndexOfAny(escapeQuote ? "\\\n\"" : "\\\n");
        if (first < 0)
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 8).Append(text, 0, first);
        for (int i = first; i < text.Length; i++)
        {
            char c = text[i];
            switch (c)
            {
                case '\\':
                    escaped.Append(@"\\");
                    break;
                case '\n':
                    escaped.Append(@"\n");
                    break;
                case '"' when escapeQuote:
                    escaped.Append("\\\"");
                    break;
                default:
                    escaped.Append(c);
                    break;
            }
        }

        return escaped.ToString();
    }
}
