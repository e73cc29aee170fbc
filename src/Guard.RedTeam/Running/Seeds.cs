namespace Guard.RedTeam.Running;

/// <summary>Per-run seeds from the user's seed: stable across processes (unlike string.GetHashCode), well mixed (SplitMix64).</summary>
internal static class Seeds
{
    public static int Derive(int seed, int stream, int index)
    {
        var z = unchecked(((ulong)(uint)seed << 32) ^ ((ulong)(uint)stream << 16) ^ (uint)index);
        z = unchecked(z + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return (int)(z & int.MaxValue);
    }
}
