using System.Collections;

namespace Guard.Rpc;

/// <summary>
/// gRPC custom metadata: an ordered multi-map of lower-case keys. Keys ending in <c>-bin</c> carry binary
/// values (base64 on the wire); all other values are printable ASCII strings.
/// </summary>
public sealed class Metadata : IReadOnlyList<Metadata.Entry>
{
    public const string BinarySuffix = "-bin";

    private readonly List<Entry> _entries = new();

    public int Count => _entries.Count;

    public Entry this[int index] => _entries[index];

    public void Add(string key, string value) => _entries.Add(Entry.FromString(key, value));

    public void Add(string key, byte[] value) => _entries.Add(Entry.FromBytes(key, value));

    public void Add(Entry entry) => _entries.Add(entry);

    public void AddRange(IEnumerable<Entry> entries) => _entries.AddRange(entries);

    /// <summary>The last string value for <paramref name="key"/>, or null.</summary>
    public string? GetValue(string key)
    {
        for (var i = _entries.Count - 1; i >= 0; i--)
        {
            if (_entries[i].Key == key && !_entries[i].IsBinary)
            {
                return _entries[i].Value;
            }
        }

        return null;
    }

    /// <summary>The last binary value for <paramref name="key"/> (which must end in <c>-bin</c>), or null.</summary>
    public byte[]? GetBytes(string key)
    {
        for (var i = _entries.Count - 1; i >= 0; i--)
        {
            if (_entries[i].Key == key && _entries[i].IsBinary)
            {
                return _entries[i].ValueBytes;
            }
        }

        return null;
    }

    public IEnumerator<Entry> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public static bool IsBinaryKey(string key) => key.EndsWith(BinarySuffix, StringComparison.Ordinal);

    /// <summary>One metadata entry; exactly one of <see cref="Value"/> and <see cref="ValueBytes"/> is set.</summary>
    public sealed class Entry
    {
        private Entry(string key, string? value, byte[]? valueBytes)
        {
            Key = key;
            Value = value;
            ValueBytes = valueBytes;
        }

        public string Key { get; }

        public string? Value { get; }

        public byte[]? ValueBytes { get; }

        public bool IsBinary => ValueBytes is not null;

        public static Entry FromString(string key, string value)
        {
            var normalized = NormalizeKey(key);
            if (IsBinaryKey(normalized))
            {
                throw new ArgumentException($"Metadata key '{key}' ends in '-bin' and needs a binary value.", nameof(key));
            }

            foreach (var c in value)
            {
                if (c < 0x20 || c > 0x7E)
                {
                    throw new ArgumentException($"Metadata value for '{key}' must be printable ASCII.", nameof(value));
                }
            }

            return new Entry(normalized, value, null);
        }

        public static Entry FromBytes(string key, byte[] value)
        {
            var normalized = NormalizeKey(key);
            if (!IsBinaryKey(normalized))
            {
                throw new ArgumentException($"Binary metadata key '{key}' must end in '-bin'.", nameof(key));
            }

            return new Entry(normalized, null, value);
        }

        /// <summary>The value as it travels in an HTTP/2 header: base64 without padding for binary keys.</summary>
        public string ToHeaderValue() => ValueBytes is null ? Value! : Convert.ToBase64String(ValueBytes).TrimEnd('=');

        private static string NormalizeKey(string key)
        {
            ArgumentException.ThrowIfNullOrEmpty(key);
            var lower = key.ToLowerInvariant();
            foreach (var c in lower)
            {
                var ok = c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.';
                if (!ok)
                {
                    throw new ArgumentException($"Metadata key '{key}' has an invalid character '{c}'.", nameof(key));
                }
            }

            return lower;
        }

        public override string ToString() => IsBinary ? $"{Key}=<{ValueBytes!.Length} bytes>" : $"{Key}={Value}";
    }
}
