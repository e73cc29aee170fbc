namespace Guard.Gateway.Metrics;

/// <summary>
/// Lock-free double arithmetic on a <see cref="long"/> holding the value's bits. Comparing bits rather than doubles
/// keeps the compare-exchange loop from spinning forever once the value is NaN (NaN != NaN).
/// </summary>
internal static class AtomicDouble
{
    public static double Read(ref long bits) => BitConverter.Int64BitsToDouble(Volatile.Read(ref bits));

    public static void Write(ref long bits, double value) => Volatile.Write(ref bits, BitConverter.DoubleToInt64Bits(value));

    public static void Add(ref long bits, double value)
    {
        long current = Volatile.Read(ref bits);
        while (true)
        {
            long next = BitConverter.DoubleToInt64Bits(BitConverter.Int64BitsToDouble(current) + value);
            long observed = Interlocked.CompareExchange(ref bits, next, current);
            if (observed == current)
            {
                return;
            }

            current = observed;
        }
    }
}
