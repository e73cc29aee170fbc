using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Guard.Rpc.Internal;

/// <summary>Moves custom metadata between <see cref="Metadata"/> and HTTP header collections.</summary>
internal static class MetadataConverter
{
    public static Metadata FromHeaders(IHeaderDictionary headers)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in headers)
        {
            AddHeader(metadata, name, values);
        }

        return metadata;
    }

    public static void AddHeader(Metadata metadata, string name, IEnumerable<string?> values)
    {
        if (GrpcHeaders.IsReserved(name))
        {
            return;
        }

        var key = name.ToLowerInvariant();
        foreach (var value in values)
        {
            if (value is null)
            {
                continue;
            }

            if (Metadata.IsBinaryKey(key))
            {
                // Several binary values may arrive joined by commas in one header.
                foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    if (TryDecodeBase64(part, out var bytes))
                    {
                        metadata.Add(key, bytes);
                    }
                }
            }
            else if (IsPrintableAscii(value))
            {
                metadata.Add(key, value);
            }
        }
    }

    public static void AppendTo(IHeaderDictionary headers, Metadata metadata)
    {
        foreach (var entry in metadata)
        {
            headers.Append(entry.Key, new StringValues(entry.ToHeaderValue()));
        }
    }

    /// <summary>Decodes base64 with or without padding, as gRPC allows both.</summary>
    public static bool TryDecodeBase64(string value, out byte[] bytes)
    {
        var padded = (value.Length % 4) switch
        {
            2 => value + "==",
            3 => value + "=",
            _ => value,
        };
        var buffer = new byte[padded.Length * 3 / 4];
        if (Convert.TryFromBase64String(padded, buffer, out var written))
        {
            bytes = written == buffer.Length ? buffer : buffer[..written];
            return true;
        }

        bytes = [];
        return false;
    }

    private static bool IsPrintableAscii(string value)
    {
        foreach (var c in value)
        {
            if (c is < ' ' or > '~')
            {
                return false;
            }
        }

        return true;
    }
}
