using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;

namespace Guard.Guards.Smoothing;

/// <summary>
/// Isotropic Gaussian noise N(0, σ²I) for randomized smoothing (Cohen, Rosenfeld, Kolter, ICML 2019), generated fast:
/// eight independent xoshiro256** streams (Blackman and Vigna, ACM TOMS 2021), one jump (2^128 steps) apart, advance
/// side by side in SIMD lanes, and each 64-bit draw pair becomes two normals by the Box–Muller transform (Box and
/// Muller, Ann. Math. Statist. 1958) with branch-free polynomial log/sin/cos.
/// </summary>
/// <remarks>
/// <para>Deterministic: the same seed gives the same numbers on every machine. The 512-bit and 256-bit paths map
/// lanes to outputs identically and use only exactly rounded IEEE operations (no fused multiply-add), so they agree bit
/// for bit.</para>
/// <para>The output is float32 Box–Muller: u₁ has 30 bits (tails reach √(60 ln 2) ≈ 6.45σ; the Gaussian mass beyond is
/// ≈1e-10 per coordinate), the angle 25 bits. Like every floating-point implementation (the paper's included), it is a
/// fine discretisation of the Gaussian the certificate is stated for.</para>
/// <para>The noise is added, never clamped to the input domain: the certificate is for the unclamped Gaussian, and
/// clamping would change the distribution the bound is proved for.</para>
/// <para>Not thread-safe: one instance per request.</para>
/// </remarks>
public sealed class GaussianNoise
{
    /// <summary>Independent xoshiro256** streams, one per 64-bit SIMD lane of a 512-bit vector.</summary>
    internal const int Lanes = 8;

    /// <summary>Normals per step of all lanes: two 64-bit draws per lane, each split into two 32-bit halves.</summary>
    internal const int BlockSize = 4 * Lanes;

    private const float TwoPowMinus30 = 1f / (1 << 30);

    // s0 of lanes 0..7, then s1, s2, s3: the layout a Vector512<ulong> load expects.
    private readonly ulong[] _state = new ulong[4 * Lanes];
    private readonly bool _wide;

    /// <summary>Noise reproducible from <paramref name="seed"/> (expanded with SplitMix64).</summary>
    public GaussianNoise(ulong seed)
        : this(Xoshiro256.FromSeed(seed))
    {
    }

    internal GaussianNoise(ulong seed, bool allowVector512)
        : this(Xoshiro256.FromSeed(seed), allowVector512)
    {
    }

    private GaussianNoise(Xoshiro256 root, bool allowVector512 = true)
    {
        _wide = allowVector512 && Vector512.IsHardwareAccelerated;
        for (var lane = 0; lane < Lanes; lane++)
        {
            _state[lane] = root.S0;
            _state[Lanes + lane] = root.S1;
            _state[(2 * Lanes) + lane] = root.S2;
            _state[(3 * Lanes) + lane] = root.S3;
            root.Jump();
        }
    }

    /// <summary>Noise seeded with 256 bits from the operating system's CSPRNG: unpredictable to clients.</summary>
    public static GaussianNoise FromRandomSeed()
    {
        Span<ulong> words = stackalloc ulong[4];
        RandomNumberGenerator.Fill(MemoryMarshal.AsBytes(words));
        return new GaussianNoise(Xoshiro256.FromState(words[0], words[1], words[2], words[3]));
    }

    /// <summary>Writes N(0, σ²) samples into <paramref name="destination"/>.</summary>
    public void Fill(Span<float> destination, float sigma) => AddNoise([0f], destination, sigma);

    /// <summary>
    /// Writes <c>x + σ·z</c> into <paramref name="destination"/>, whose length must be a multiple of
    /// <paramref name="x"/>'s: <paramref name="x"/> is repeated once per row, each row with fresh noise (one call fills a
    /// whole batch of noisy copies). Not clamped (see the remarks).
    /// </summary>
    public void AddNoise(ReadOnlySpan<float> x, Span<float> destination, float sigma)
    {
        if (x.IsEmpty)
        {
            throw new ArgumentException("The input is empty.", nameof(x));
        }
        if (destination.Length % x.Length != 0)
        {
            throw new ArgumentException($"The destination ({destination.Length}) is not a whole number of rows of {x.Length}.", nameof(destination));
        }
        if (!float.IsFinite(sigma) || sigma < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "Sigma must be a non-negative finite number.");
        }
        if (destination.IsEmpty)
        {
            return;
        }

        // x repeated cyclically and BlockSize longer, so that the BlockSize inputs a block needs are contiguous wherever
        // the block starts within a row: blocks run straight across row boundaries and no normal is wasted.
        var tiled = ArrayPool<float>.Shared.Rent(x.Length + BlockSize);
        try
        {
            for (var i = 0; i < x.Length + BlockSize; i += x.Length)
            {
                var count = Math.Min(x.Length, x.Length + BlockSize - i);
                x[..count].CopyTo(tiled.AsSpan(i));
            }
            if (_wide)
            {
                Fill512(tiled, x.Length, destination, sigma);
            }
            else
            {
                Fill256(tiled, x.Length, destination, sigma);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(tiled);
        }
    }

    private void Fill512(ReadOnlySpan<float> tiled, int rowLength, Span<float> destination, float sigma)
    {
        ReadOnlySpan<ulong> state = _state;
        var s0 = Vector512.Create(state[..Lanes]);
        var s1 = Vector512.Create(state.Slice(Lanes, Lanes));
        var s2 = Vector512.Create(state.Slice(2 * Lanes, Lanes));
        var s3 = Vector512.Create(state.Slice(3 * Lanes, Lanes));
        var variance = Vector512.Create(-2f * sigma * sigma);
        ref var input = ref MemoryMarshal.GetReference(tiled);
        ref var output = ref MemoryMarshal.GetReference(destination);
        var offset = 0;
        var i = 0;
        for (; i + BlockSize <= destination.Length; i += BlockSize)
        {
            var r1 = Next(ref s0, ref s1, ref s2, ref s3).AsUInt32();
            var r2 = Next(ref s0, ref s1, ref s2, ref s3).AsUInt32();
            var (z0, z1) = BoxMuller(r1, r2, variance);
            (Vector512.LoadUnsafe(ref input, (nuint)offset) + z0).StoreUnsafe(ref output, (nuint)i);
            (Vector512.LoadUnsafe(ref input, (nuint)(offset + 16)) + z1).StoreUnsafe(ref output, (nuint)(i + 16));
            offset = Advance(offset, rowLength);
        }
        if (i < destination.Length)
        {
            Span<float> block = stackalloc float[BlockSize];
            var r1 = Next(ref s0, ref s1, ref s2, ref s3).AsUInt32();
            var r2 = Next(ref s0, ref s1, ref s2, ref s3).AsUInt32();
            var (z0, z1) = BoxMuller(r1, r2, variance);
            z0.CopyTo(block);
            z1.CopyTo(block[16..]);
            AddTail(tiled.Slice(offset, destination.Length - i), block, destination[i..]);
        }
        var stored = _state.AsSpan();
        s0.CopyTo(stored);
        s1.CopyTo(stored[Lanes..]);
        s2.CopyTo(stored[(2 * Lanes)..]);
        s3.CopyTo(stored[(3 * Lanes)..]);
    }

    /// <summary>
    /// The same streams and the same output order as <see cref="Fill512"/>, as two halves: lanes 0–3 give outputs
    /// 0–7 and 16–23 of a block, lanes 4–7 give 8–15 and 24–31.
    /// </summary>
    private void Fill256(ReadOnlySpan<float> tiled, int rowLength, Span<float> destination, float sigma)
    {
        ReadOnlySpan<ulong> state = _state;
        var a0 = Vector256.Create(state[..4]);
        var b0 = Vector256.Create(state.Slice(4, 4));
        var a1 = Vector256.Create(state.Slice(Lanes, 4));
        var b1 = Vector256.Create(state.Slice(Lanes + 4, 4));
        var a2 = Vector256.Create(state.Slice(2 * Lanes, 4));
        var b2 = Vector256.Create(state.Slice((2 * Lanes) + 4, 4));
        var a3 = Vector256.Create(state.Slice(3 * Lanes, 4));
        var b3 = Vector256.Create(state.Slice((3 * Lanes) + 4, 4));
        var variance = Vector256.Create(-2f * sigma * sigma);
        ref var input = ref MemoryMarshal.GetReference(tiled);
        ref var output = ref MemoryMarshal.GetReference(destination);
        var offset = 0;
        var i = 0;
        for (; i + BlockSize <= destination.Length; i += BlockSize)
        {
            var ra1 = Next(ref a0, ref a1, ref a2, ref a3).AsUInt32();
            var ra2 = Next(ref a0, ref a1, ref a2, ref a3).AsUInt32();
            var rb1 = Next(ref b0, ref b1, ref b2, ref b3).AsUInt32();
            var rb2 = Next(ref b0, ref b1, ref b2, ref b3).AsUInt32();
            var (za0, za1) = BoxMuller(ra1, ra2, variance);
            var (zb0, zb1) = BoxMuller(rb1, rb2, variance);
            (Vector256.LoadUnsafe(ref input, (nuint)offset) + za0).StoreUnsafe(ref output, (nuint)i);
            (Vector256.LoadUnsafe(ref input, (nuint)(offset + 8)) + zb0).StoreUnsafe(ref output, (nuint)(i + 8));
            (Vector256.LoadUnsafe(ref input, (nuint)(offset + 16)) + za1).StoreUnsafe(ref output, (nuint)(i + 16));
            (Vector256.LoadUnsafe(ref input, (nuint)(offset + 24)) + zb1).StoreUnsafe(ref output, (nuint)(i + 24));
            offset = Advance(offset, rowLength);
        }
        if (i < destination.Length)
        {
            Span<float> block = stackalloc float[BlockSize];
            var ra1 = Next(ref a0, ref a1, ref a2, ref a3).AsUInt32();
            var ra2 = Next(ref a0, ref a1, ref a2, ref a3).AsUInt32();
            var rb1 = Next(ref b0, ref b1, ref b2, ref b3).AsUInt32();
            var rb2 = Next(ref b0, ref b1, ref b2, ref b3).AsUInt32();
            var (za0, za1) = BoxMuller(ra1, ra2, variance);
            var (zb0, zb1) = BoxMuller(rb1, rb2, variance);
            za0.CopyTo(block);
            zb0.CopyTo(block[8..]);
            za1.CopyTo(block[16..]);
            zb1.CopyTo(block[24..]);
            AddTail(tiled.Slice(offset, destination.Length - i), block, destination[i..]);
        }
        var stored = _state.AsSpan();
        a0.CopyTo(stored);
        b0.CopyTo(stored[4..]);
        a1.CopyTo(stored[Lanes..]);
        b1.CopyTo(stored[(Lanes + 4)..]);
        a2.CopyTo(stored[(2 * Lanes)..]);
        b2.CopyTo(stored[((2 * Lanes) + 4)..]);
        a3.CopyTo(stored[(3 * Lanes)..]);
        b3.CopyTo(stored[((3 * Lanes) + 4)..]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Advance(int offset, int rowLength)
    {
        offset += BlockSize;
        return offset < rowLength ? offset : offset % rowLength;
    }

    private static void AddTail(ReadOnlySpan<float> x, ReadOnlySpan<float> noise, Span<float> destination)
    {
        for (var j = 0; j < x.Length; j++)
        {
            destination[j] = x[j] + noise[j];
        }
    }

    // xoshiro256** per lane; ×5 and ×9 as shift-and-add because AVX2 has no 64-bit multiply.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> Next(ref Vector512<ulong> s0, ref Vector512<ulong> s1, ref Vector512<ulong> s2, ref Vector512<ulong> s3)
    {
        var times5 = Vector512.ShiftLeft(s1, 2) + s1;
        var rotated = Vector512.ShiftLeft(times5, 7) | Vector512.ShiftRightLogical(times5, 57);
        var result = Vector512.ShiftLeft(rotated, 3) + rotated;
        var t = Vector512.ShiftLeft(s1, 17);
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = Vector512.ShiftLeft(s3, 45) | Vector512.ShiftRightLogical(s3, 19);
        return result;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Next(ref Vector256<ulong> s0, ref Vector256<ulong> s1, ref Vector256<ulong> s2, ref Vector256<ulong> s3)
    {
        var times5 = Vector256.ShiftLeft(s1, 2) + s1;
        var rotated = Vector256.ShiftLeft(times5, 7) | Vector256.ShiftRightLogical(times5, 57);
        var result = Vector256.ShiftLeft(rotated, 3) + rotated;
        var t = Vector256.ShiftLeft(s1, 17);
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = Vector256.ShiftLeft(s3, 45) | Vector256.ShiftRightLogical(s3, 19);
        return result;
    }

    /// <summary>
    /// Box–Muller on 32-bit halves: u₁ = (bits 2..31 + 1)·2⁻³⁰ ∈ (0, 1] from <paramref name="r1"/>; from
    /// <paramref name="r2"/>, the top 23 bits give an angle φ ∈ [−π/4, π/4) and the low 2 bits a quadrant, so
    /// θ = φ + quadrant·π/2 is uniform on the circle and sin/cos need polynomials on [−π/4, π/4] only.
    /// Returns (√(−2σ² ln u₁)·cos θ, √(−2σ² ln u₁)·sin θ).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float> Cos, Vector512<float> Sin) BoxMuller(Vector512<uint> r1, Vector512<uint> r2, Vector512<float> minusTwoVariance)
    {
        var u1 = Vector512.ConvertToSingle(Vector512.ShiftRightLogical(r1, 2).AsInt32() + Vector512<int>.One) * Vector512.Create(TwoPowMinus30);
        var radius = Vector512.Sqrt(minusTwoVariance * Log(u1));
        var phi = ((Vector512.ShiftRightLogical(r2, 9) | Vector512.Create(0x3F800000u)).AsSingle() - Vector512.Create(1.5f)) * Vector512.Create(MathF.PI / 2);
        var phi2 = phi * phi;
        var sin = phi + (phi * phi2 * (Vector512.Create(-1f / 6) + (phi2 * (Vector512.Create(1f / 120) + (phi2 * (Vector512.Create(-1f / 5040) + (phi2 * Vector512.Create(1f / 362880))))))));
        var cos = Vector512<float>.One + (phi2 * (Vector512.Create(-0.5f) + (phi2 * (Vector512.Create(1f / 24) + (phi2 * (Vector512.Create(-1f / 720) + (phi2 * Vector512.Create(1f / 40320))))))));
        // Quadrant q: (cos, sin)(φ + qπ/2) = (c, s), (−s, c), (−c, −s), (s, −c).
        var quadrant = r2 & Vector512.Create(3u);
        var swap = Vector512.Equals(quadrant & Vector512<uint>.One, Vector512<uint>.One).AsSingle();
        var first = Vector512.ConditionalSelect(swap, sin, cos);
        var second = Vector512.ConditionalSelect(swap, cos, sin);
        var firstSign = Vector512.ShiftLeft((quadrant ^ Vector512.ShiftRightLogical(quadrant, 1)) & Vector512<uint>.One, 31).AsSingle();
        var secondSign = Vector512.ShiftLeft(Vector512.ShiftRightLogical(quadrant, 1), 31).AsSingle();
        return (radius * (first ^ firstSign), radius * (second ^ secondSign));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> Cos, Vector256<float> Sin) BoxMuller(Vector256<uint> r1, Vector256<uint> r2, Vector256<float> minusTwoVariance)
    {
        var u1 = Vector256.ConvertToSingle(Vector256.ShiftRightLogical(r1, 2).AsInt32() + Vector256<int>.One) * Vector256.Create(TwoPowMinus30);
        var radius = Vector256.Sqrt(minusTwoVariance * Log(u1));
        var phi = ((Vector256.ShiftRightLogical(r2, 9) | Vector256.Create(0x3F800000u)).AsSingle() - Vector256.Create(1.5f)) * Vector256.Create(MathF.PI / 2);
        var phi2 = phi * phi;
        var sin = phi + (phi * phi2 * (Vector256.Create(-1f / 6) + (phi2 * (Vector256.Create(1f / 120) + (phi2 * (Vector256.Create(-1f / 5040) + (phi2 * Vector256.Create(1f / 362880))))))));
        var cos = Vector256<float>.One + (phi2 * (Vector256.Create(-0.5f) + (phi2 * (Vector256.Create(1f / 24) + (phi2 * (Vector256.Create(-1f / 720) + (phi2 * Vector256.Create(1f / 40320))))))));
        var quadrant = r2 & Vector256.Create(3u);
        var swap = Vector256.Equals(quadrant & Vector256<uint>.One, Vector256<uint>.One).AsSingle();
        var first = Vector256.ConditionalSelect(swap, sin, cos);
        var second = Vector256.ConditionalSelect(swap, cos, sin);
        var firstSign = Vector256.ShiftLeft((quadrant ^ Vector256.ShiftRightLogical(quadrant, 1)) & Vector256<uint>.One, 31).AsSingle();
        var secondSign = Vector256.ShiftLeft(Vector256.ShiftRightLogical(quadrant, 1), 31).AsSingle();
        return (radius * (first ^ firstSign), radius * (second ^ secondSign));
    }

    /// <summary>
    /// ln v for v ∈ (0, 1]: v = 2^e·m with m ∈ [√½, √2), ln v = e·ln 2 + 2·atanh(s), s = (m − 1)/(m + 1), |s| ≤ 0.172,
    /// atanh by its series to s⁹ (truncation &lt; 1e-9, below float precision).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Log(Vector512<float> v)
    {
        var bits = v.AsInt32();
        var exponent = Vector512.ShiftRightArithmetic(bits - Vector512.Create(0x3F3504F3), 23);
        var mantissa = (bits - Vector512.ShiftLeft(exponent, 23)).AsSingle();
        var s = (mantissa - Vector512<float>.One) / (mantissa + Vector512<float>.One);
        var s2 = s * s;
        var series = Vector512.Create(2f) + (s2 * (Vector512.Create(2f / 3) + (s2 * (Vector512.Create(2f / 5) + (s2 * (Vector512.Create(2f / 7) + (s2 * Vector512.Create(2f / 9))))))));
        return (Vector512.ConvertToSingle(exponent) * Vector512.Create(0.6931472f)) + (s * series);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Log(Vector256<float> v)
    {
        var bits = v.AsInt32();
        var exponent = Vector256.ShiftRightArithmetic(bits - Vector256.Create(0x3F3504F3), 23);
        var mantissa = (bits - Vector256.ShiftLeft(exponent, 23)).AsSingle();
        var s = (mantissa - Vector256<float>.One) / (mantissa + Vector256<float>.One);
        var s2 = s * s;
        var series = Vector256.Create(2f) + (s2 * (Vector256.Create(2f / 3) + (s2 * (Vector256.Create(2f / 5) + (s2 * (Vector256.Create(2f / 7) + (s2 * Vector256.Create(2f / 9))))))));
        return (Vector256.ConvertToSingle(exponent) * Vector256.Create(0.6931472f)) + (s * series);
    }
}
