using System.Numerics;

namespace Guard.Guards.Smoothing;

/// <summary>
/// Scalar xoshiro256** (Blackman and Vigna, "Scrambled Linear Pseudorandom Number Generators", ACM TOMS 2021), used only
/// to seed the vector lanes of <see cref="GaussianNoise"/>: its <see cref="Jump"/> advances 2^128 steps, so lanes started
/// one jump apart never overlap.
/// </summary>
internal struct Xoshiro256
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    /// <summary>A state expanded from a 64-bit seed with SplitMix64, as the authors recommend.</summary>
    public static Xoshiro256 FromSeed(ulong seed)
    {
        var splitMix = seed;
        return FromState(SplitMix64(ref splitMix), SplitMix64(ref splitMix), SplitMix64(ref splitMix), SplitMix64(ref splitMix));
    }

    /// <summary>A state taken as is (e.g. 256 random bits); the all-zero state, which would stay zero, is replaced.</summary>
    public static Xoshiro256 FromState(ulong s0, ulong s1, ulong s2, ulong s3)
    {
        if ((s0 | s1 | s2 | s3) == 0)
        {
            return FromSeed(0);
        }
        return new Xoshiro256 { _s0 = s0, _s1 = s1, _s2 = s2, _s3 = s3 };
    }

    public readonly ulong S0 => _s0;

    public readonly ulong S1 => _s1;

    public readonly ulong S2 => _s2;

    public readonly ulong S3 => _s3;

    public ulong Next()
    {
        var result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Advances the state by 2^128 steps (the reference jump polynomial).</summary>
    public void Jump()
    {
        ReadOnlySpan<ulong> polynomial = [0x180ec6d33cfd0aba, 0xd5a61266f0c9392c, 0xa9582618e03fc9aa, 0x39abdc4529b1661c];
        ulong s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        foreach (var word in polynomial)
        {
            for (var bit = 0; bit < 64; bit++)
            {
                if ((word & (1UL << bit)) != 0)
                {
                    s0 ^= _s0;
                    s1 ^= _s1;
                    s2 ^= _s2;
                    s3 ^= _s3;
                }
                Next();
            }
        }
        (_s0, _s1, _s2, _s3) = (s0, s1, s2, s3);
    }

    private static ulong SplitMix64(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
