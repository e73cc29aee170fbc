using System.Security.Cryptography;

namespace Guard.AuditLog;

/// <summary>The input hash stored with every row: lower-case hex SHA-256 of the raw input bytes, so identical inputs
/// can be found across clients even when no snapshot was kept.</summary>
public static class InputHash
{
    /// <summary>The length of a hash in hex characters.</summary>
    public const int HexLength = 64;

    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>Lower-case hex SHA-256 of <paramref name="raw"/>.</summary>
    public static string Compute(ReadOnlySpan<byte> raw) => Convert.ToHexStringLower(SHA256.HashData(raw));

    /// <summary>Whether <paramref name="value"/> is 64 lower- or upper-case hex digits.</summary>
    public static bool IsValid(string? value) =>
        value is { Length: HexLength } && value.AsSpan().ContainsAnyExcept(HexDigits) is false;
}
