using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Guard.AuditLog;

/// <summary>The keyset position a continuation token encodes: the (time, id) of the last row returned. Opaque to
/// callers (base64url) so that the encoding can change; a malformed token fails loudly instead of restarting.</summary>
internal readonly record struct PageCursor(long TimeMicros, long Id)
{
    private const string Version = "v1";

    public string Encode() =>
        Base64Url.EncodeToString(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Version}:{TimeMicros}:{Id}")));

    public static PageCursor Decode(string token)
    {
        try
        {
            var parts = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(token)).Split(':');
            if (parts.Length == 3 && parts[0] == Version
                && long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var time)
                && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                return new PageCursor(time, id);
            }
        }
        catch (FormatException)
        {
        }

        throw new ArgumentException("The continuation token is not one this log issued.", nameof(token));
    }
}
