using Guard.Guards.QueryPatterns;

namespace Guard.Guards.Tests.QueryPatterns;

/// <summary>SipHash-2-4 against the reference test vectors (key 00..0f, message 00..len-1; vectors.h of the reference code).</summary>
public sealed class SipHashTests
{
    private static readonly byte[] Key = [.. Enumerable.Range(0, 16).Select(i => (byte)i)];

    [Theory]
    [InlineData(0, 0x726fdb47dd0e0e31UL)]
    [InlineData(1, 0x74f839c593dc67fdUL)]
    [InlineData(7, 0xab0200f58b01d137UL)]
    [InlineData(8, 0x93f5f5799a932462UL)]
    [InlineData(15, 0xa129ca6149be45e5UL)]
    [InlineData(63, 0x958a324ceb064572UL)]
    public void Matches_the_reference_vectors(int length, ulong expected)
    {
        var message = Enumerable.Range(0, length).Select(i => (byte)i).ToArray();
        Assert.Equal(expected, new SipHash(Key).Hash(message));
    }

    [Fact]
    public void Word_overload_equals_hashing_its_little_endian_bytes()
    {
        var hash = new SipHash(Key);
        var random = new Random(3);
        for (int i = 0; i < 100; i++)
        {
            ulong value = (ulong)random.NextInt64() ^ ((ulong)random.Next() << 33);
            Assert.Equal(hash.Hash(BitConverter.GetBytes(value)), hash.Hash(value));
        }
    }

    [Fact]
    public void Rejects_a_key_that_is_not_16_bytes() =>
        Assert.Throws<ArgumentException>(() => new SipHash(new byte[15]));
}
