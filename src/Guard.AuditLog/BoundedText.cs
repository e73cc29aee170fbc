namespace Guard.AuditLog;

/// <summary>Caps stored text. Oversized text is cut rather than rejected, because much of it is attacker-influenced
/// (client ids) or free-form (reasons), and a long value must not cost us the record.</summary>
internal static class BoundedText
{
    /// <summary><paramref name="value"/> cut to at most <paramref name="maxLength"/> UTF-16 code units, without
    /// splitting a surrogate pair.</summary>
    public static string Truncate(string value, int maxLength)
    {
        if (value.Length <= maxLength)
        {
            return value;
        }

        var length = char.IsHighSurrogate(value[maxLength - 1]) ? maxLength - 1 : maxLength;
        return value[..length];
    }
}
