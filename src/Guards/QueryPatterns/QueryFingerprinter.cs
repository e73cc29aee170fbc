using System.Buffers;
using System.Runtime.CompilerServices;

namespace Guard.Guards.QueryPatterns;

/// <summary>
/// Computes Blacklight-style probabilistic fingerprints: salted quantization of every element, a sliding window over the
/// flattened values, a keyed hash per window and the <see cref="FingerprintOptions.TopS"/> largest distinct hashes.
/// A small perturbation changes only the few windows covering elements that crossed a bucket boundary, so consecutive
/// steps of a query-based attack keep most of their top-S hashes while unrelated inputs share almost none.
/// </summary>
/// <remarks>
/// <para>Salt: each element gets its own secret offset in [0, InputScale), derived from the key by SipHash of its index,
/// and the salted value wraps modulo InputScale before bucketing (the reference implementation draws a random per-element
/// salt of the input's shape and does the same). A per-element salt hides every bucket boundary individually, which a
/// single scalar salt would not: one probing query could then reveal the shift for the whole image.</para>
/// <para>Thread safety: instances are immutable apart from a lazily grown salt table published atomically, so one instance
/// serves concurrent callers. Work buffers come from <see cref="ArrayPool{T}.Shared"/>; the only allocation per call is
/// the returned array (none with <see cref="Compute(ReadOnlySpan{float}, Span{ulong})"/>).</para>
/// </remarks>
public sealed class QueryFingerprinter
{
    /// <summary>Salt values for indices below this are cached (4 bytes each); beyond, they are computed per call so a
    /// giant input cannot pin a giant table.</summary>
    private const int MaxCachedSalt = 1 << 21;

    private readonly SipHash _windowHash;
    private readonly SipHash _saltHash;
    private readonly float _scale;
    private readonly float _invStep;
    private readonly float _saltUnit;
    private readonly int _window;
    private readonly int _stride;
    private readonly int _topS;
    private readonly bool _salted;
    private readonly int _minChanges;
    private readonly Lock _saltLock = new();
    private float[] _saltTable = [];

    /// <summary>Creates a fingerprinter; validates <paramref name="options"/> and derives the keys from its secret.</summary>
    public QueryFingerprinter(FingerprintOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        var keys = options.DeriveKeyMaterial();
        _windowHash = new SipHash(keys.AsSpan(0, 16));
        _saltHash = new SipHash(keys.AsSpan(16, 16));
        _scale = options.InputScale;
        _invStep = 1f / options.QuantizationStep;
        _saltUnit = options.InputScale / (1 << 24);
        _window = options.Window;
        _stride = options.Stride;
        _topS = options.TopS;
        _salted = options.SaltQuantization;
        _minChanges = options.SkipUninformativeWindows ? options.MinLevelChanges : 0;
    }

    /// <summary>The validated options this fingerprinter was built with.</summary>
    public FingerprintOptions Options { get; }

    /// <summary>Fingerprint of a float input (scaled by <see cref="FingerprintOptions.InputScale"/>, then clamped).</summary>
    /// <returns>At most TopS distinct hashes, largest first. Empty when every window was skipped as uninformative
    /// (e.g. a blank image): such a query cannot match anything.</returns>
    /// <exception cref="ArgumentException">The input is shorter than one window (empty included) or holds NaN or ±Inf.</exception>
    public ulong[] Compute(ReadOnlySpan<float> input) => ComputeArray<float, FloatScaler>(input);

    /// <summary>Fingerprint of a half-precision input; same meaning as the float overload.</summary>
    /// <inheritdoc cref="Compute(ReadOnlySpan{float})"/>
    public ulong[] Compute(ReadOnlySpan<Half> input) => ComputeArray<Half, HalfScaler>(input);

    /// <summary>Fingerprint of a byte input holding 0–255 pixel values (mapped onto InputScale as value·InputScale/255).</summary>
    /// <inheritdoc cref="Compute(ReadOnlySpan{float})"/>
    public ulong[] Compute(ReadOnlySpan<byte> input) => ComputeArray<byte, ByteScaler>(input);

    /// <summary>Allocation-free form: writes the fingerprint (largest first) into <paramref name="destination"/>.</summary>
    /// <returns>The number of hashes written (≤ TopS).</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than TopS, or the input is invalid
    /// as for <see cref="Compute(ReadOnlySpan{float})"/>.</exception>
    public int Compute(ReadOnlySpan<float> input, Span<ulong> destination) => ComputeInto<float, FloatScaler>(input, destination);

    private ulong[] ComputeArray<T, TScaler>(ReadOnlySpan<T> input)
        where TScaler : struct, IScaler<T>
    {
        ulong[]? rented = null;
        Span<ulong> top = _topS <= 256 ? stackalloc ulong[256] : (rented = ArrayPool<ulong>.Shared.Rent(_topS));
        try
        {
            int count = ComputeInto<T, TScaler>(input, top);
            return top[..count].ToArray();
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<ulong>.Shared.Return(rented);
            }
        }
    }

    private int ComputeInto<T, TScaler>(ReadOnlySpan<T> input, Span<ulong> destination)
        where TScaler : struct, IScaler<T>
    {
        if (input.Length < _window)
        {
            throw new ArgumentException(
                $"The input has {input.Length} elements, fewer than one window ({_window}); it cannot be fingerprinted.", nameof(input));
        }

        if (destination.Length < _topS)
        {
            throw new ArgumentException($"The destination must hold TopS ({_topS}) hashes.", nameof(destination));
        }

        int n = input.Length;
        var salt = _salted ? GetSaltTable(n) : [];
        byte[] levels = ArrayPool<byte>.Shared.Rent(n);
        int[]? changes = _minChanges > 0 ? ArrayPool<int>.Shared.Rent(n) : null;
        try
        {
            Quantize<T, TScaler>(input, salt, levels, changes);
            var top = new TopSelector(destination[.._topS]);
            var levelSpan = levels.AsSpan(0, n);
            for (int start = 0; start + _window <= n; start += _stride)
            {
                if (changes is not null && changes[start + _window - 1] - changes[start] < _minChanges)
                {
                    continue;
                }

                top.Offer(_windowHash.Hash(levelSpan.Slice(start, _window)));
            }

            return top.SortDescending();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(levels);
            if (changes is not null)
            {
                ArrayPool<int>.Shared.Return(changes);
            }
        }
    }

    /// <summary>Fills <paramref name="levels"/> with salted bucket indices and <paramref name="changes"/> (when wanted)
    /// with the running count of unsalted level changes, so a window's change count is one subtraction.</summary>
    private void Quantize<T, TScaler>(ReadOnlySpan<T> input, ReadOnlySpan<float> salt, Span<byte> levels, int[]? changes)
        where TScaler : struct, IScaler<T>
    {
        float scale = _scale, invStep = _invStep;
        int previousPlain = -1, changeCount = 0;
        for (int i = 0; i < input.Length; i++)
        {
            float x = TScaler.ToScale(input[i], scale);
            if (!float.IsFinite(x))
            {
                throw new ArgumentException($"The input holds a non-finite value ({TScaler.Describe(input[i])}) at element {i}.", nameof(input));
            }

            x = Math.Clamp(x, 0f, scale);
            float salted = x;
            if (_salted)
            {
                salted += i < salt.Length ? salt[i] : SaltAt(i);
                if (salted >= scale)
                {
                    salted -= scale;
                }
            }

            levels[i] = (byte)(int)(salted * invStep);
            if (changes is not null)
            {
                int plain = (int)(x * invStep);
                if (i > 0 && plain != previousPlain)
                {
                    changeCount++;
                }

                previousPlain = plain;
                changes[i] = changeCount;
            }
        }
    }

    private ReadOnlySpan<float> GetSaltTable(int length)
    {
        int wanted = Math.Min(length, MaxCachedSalt);
        var table = Volatile.Read(ref _saltTable);
        if (table.Length >= wanted)
        {
            return table;
        }

        lock (_saltLock)
        {
            table = _saltTable;
            if (table.Length < wanted)
            {
                var grown = new float[wanted];
                table.CopyTo(grown, 0);
                for (int i = table.Length; i < grown.Length; i++)
                {
                    grown[i] = SaltAt(i);
                }

                Volatile.Write(ref _saltTable, grown);
                table = grown;
            }

            return table;
        }
    }

    /// <summary>Secret offset of element <paramref name="index"/>: the top 24 bits of a keyed hash, scaled to [0, InputScale).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float SaltAt(int index)
    {
        float value = (_saltHash.Hash((ulong)index) >> 40) * _saltUnit;
        return value < _scale ? value : 0f;
    }

    /// <summary>Maps one input element onto the quantization scale; a static-abstract struct so each overload is its own
    /// specialized loop rather than a delegate call per element.</summary>
    private interface IScaler<T>
    {
        static abstract float ToScale(T value, float scale);

        static abstract string Describe(T value);
    }

    private readonly struct FloatScaler : IScaler<float>
    {
        public static float ToScale(float value, float scale) => value * scale;

        public static string Describe(float value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private readonly struct HalfScaler : IScaler<Half>
    {
        public static float ToScale(Half value, float scale) => (float)value * scale;

        public static string Describe(Half value) => ((float)value).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private readonly struct ByteScaler : IScaler<byte>
    {
        public static float ToScale(byte value, float scale) => value * (scale / 255f);

        public static string Describe(byte value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
