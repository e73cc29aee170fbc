namespace Guard.Guards.Tests.Support;

/// <summary>
/// Generates serialized ModelInferRequests with everything the wire format allows: fields in any order,
/// repeated scalar fields, packed and unpacked repeated fields, split sub-messages, parameter maps and
/// unknown fields of every wire type. Google.Protobuf's parse of the result is the oracle.
/// </summary>
internal sealed class RandomRequestGenerator(int seed)
{
    private static readonly string[] Strings =
        ["", "a", "INPUT0", "OUTPUT__1", "simple", "1", "модель", "模型", "🙂 emoji", "tab\tand\nnewline", new string('x', 300)];

    private static readonly string[] Datatypes =
        ["BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP16", "FP32", "FP64", "BF16", "BYTES", "", "nonsense"];

    // Field numbers no message in the request uses (1..8 are all taken by InferTensorContents).
    private static readonly int[] UnknownFields = [9, 10, 15, 16, 99, 2047, 536_870_911];

    private readonly Random _random = new(seed);

    public byte[] Next()
    {
        var fields = new FieldChunks(_random);
        int repeats = Chance(0.15) ? 2 : 1;
        for (int r = 0; r < repeats; r++)
        {
            if (Chance(0.9))
            {
                fields.Add(1, e => e.StringField(1, PickString()));
            }

            if (Chance(0.5))
            {
                fields.Add(2, e => e.StringField(2, PickString()));
            }

            if (Chance(0.5))
            {
                fields.Add(3, e => e.StringField(3, PickString()));
            }
        }

        AddParameters(fields, 4);
        int inputs = _random.Next(0, 5);
        for (int i = 0; i < inputs; i++)
        {
            var input = EncodeInput();
            fields.Add(5, e => e.MessageField(5, input));
        }

        int outputs = _random.Next(0, 4);
        for (int i = 0; i < outputs; i++)
        {
            var output = EncodeOutput();
            fields.Add(6, e => e.MessageField(6, output));
        }

        int raws = _random.Next(0, 5);
        for (int i = 0; i < raws; i++)
        {
            var payload = new byte[_random.Next(0, 64)];
            _random.NextBytes(payload);
            fields.Add(7, e => e.BytesField(7, payload));
        }

        AddUnknownFields(fields);
        return fields.Encode().ToArray();
    }

    private WireEncoder EncodeInput()
    {
        var fields = new FieldChunks(_random);
        if (Chance(0.95))
        {
            fields.Add(1, e => e.StringField(1, PickString()));
        }

        if (Chance(0.95))
        {
            fields.Add(2, e => e.StringField(2, Datatypes[_random.Next(Datatypes.Length)]));
        }

        // The shape, as one or more packed runs and single unpacked values, in order.
        int rank = _random.Next(0, 6);
        int written = 0;
        while (written < rank)
        {
            int run = _random.Next(1, rank - written + 1);
            var dims = new long[run];
            for (int d = 0; d < run; d++)
            {
                dims[d] = PickDimension();
            }

            if (run == 1 && Chance(0.5))
            {
                fields.Add(3, e => e.VarintField(3, (ulong)dims[0]));
            }
            else
            {
                fields.Add(3, e =>
                {
                    var packed = new WireEncoder();
                    foreach (long dim in dims)
                    {
                        packed.RawVarint((ulong)dim);
                    }

                    e.MessageField(3, packed);
                });
            }

            written += run;
        }

        AddParameters(fields, 4);
        if (Chance(0.6))
        {
            int parts = Chance(0.2) ? 2 : 1;
            for (int p = 0; p < parts; p++)
            {
                var contents = EncodeContents();
                fields.Add(5, e => e.MessageField(5, contents));
            }
        }

        AddUnknownFields(fields);
        return fields.Encode();
    }

    private WireEncoder EncodeContents()
    {
        var fields = new FieldChunks(_random);
        int used = Chance(0.1) ? 2 : Chance(0.9) ? 1 : 0;
        for (int u = 0; u < used; u++)
        {
            int field = _random.Next(1, 9);
            int count = _random.Next(0, 13);
            bool packed = field != 8 && Chance(0.6);
            if (packed)
            {
                fields.Add(field, e =>
                {
                    var payload = new WireEncoder();
                    for (int i = 0; i < count; i++)
                    {
                        WriteElementPayload(payload, field);
                    }

                    e.MessageField(field, payload);
                });
            }
            else
            {
                for (int i = 0; i < count; i++)
                {
                    fields.Add(field, e => WriteUnpackedElement(e, field));
                }
            }
        }

        AddUnknownFields(fields);
        return fields.Encode();
    }

    private void WriteElementPayload(WireEncoder payload, int field)
    {
        switch (field)
        {
            case 1:
                payload.RawVarint(Chance(0.5) ? 1UL : 0UL);
                break;
            case 2:
                // int32 negatives are sign-extended to ten bytes.
                payload.RawVarint((ulong)(long)_random.Next(int.MinValue, int.MaxValue));
                break;
            case 3:
            case 5:
                payload.RawVarint((ulong)_random.NextInt64(long.MinValue, long.MaxValue));
                break;
            case 4:
                payload.RawVarint((uint)_random.Next());
                break;
            case 6:
                payload.RawFixed32(BitConverter.SingleToUInt32Bits((float)_random.NextDouble()));
                break;
            case 7:
                payload.RawFixed64(BitConverter.DoubleToUInt64Bits(_random.NextDouble()));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(field));
        }
    }

    private void WriteUnpackedElement(WireEncoder e, int field)
    {
        switch (field)
        {
            case 6:
                e.Tag(6, WireEncoder.Fixed32);
                break;
            case 7:
                e.Tag(7, WireEncoder.Fixed64);
                break;
            case 8:
                var bytes = new byte[_random.Next(0, 9)];
                _random.NextBytes(bytes);
                e.BytesField(8, bytes);
                return;
            default:
                e.Tag(field, WireEncoder.Varint);
                break;
        }

        WriteElementPayload(e, field);
    }

    private WireEncoder EncodeOutput()
    {
        var fields = new FieldChunks(_random);
        if (Chance(0.9))
        {
            fields.Add(1, e => e.StringField(1, PickString()));
        }

        AddParameters(fields, 2);
        AddUnknownFields(fields);
        return fields.Encode();
    }

    private void AddParameters(FieldChunks fields, int field)
    {
        if (!Chance(0.3))
        {
            return;
        }

        int entries = _random.Next(0, 4);
        for (int i = 0; i < entries; i++)
        {
            var entry = new WireEncoder();
            if (Chance(0.95))
            {
                entry.StringField(1, PickString());
            }

            if (Chance(0.95))
            {
                var value = new WireEncoder();
                switch (_random.Next(0, 6))
                {
                    case 0:
                        value.VarintField(1, 1);
                        break;
                    case 1:
                        value.VarintField(2, (ulong)_random.NextInt64(long.MinValue, long.MaxValue));
                        break;
                    case 2:
                        value.StringField(3, PickString());
                        break;
                    case 3:
                        value.Fixed64Field(4, BitConverter.DoubleToUInt64Bits(_random.NextDouble()));
                        break;
                    case 4:
                        value.VarintField(5, (ulong)_random.NextInt64());
                        break;
                    default:
                        break;
                }

                entry.MessageField(2, value);
            }

            fields.Add(field, e => e.MessageField(field, entry));
        }
    }

    private void AddUnknownFields(FieldChunks fields)
    {
        int count = Chance(0.3) ? _random.Next(1, 4) : 0;
        for (int i = 0; i < count; i++)
        {
            int field = UnknownFields[_random.Next(UnknownFields.Length)];
            ulong value = (ulong)_random.NextInt64();
            switch (_random.Next(0, 4))
            {
                case 0:
                    fields.Add(field, e => e.VarintField(field, value));
                    break;
                case 1:
                    fields.Add(field, e => e.Fixed32Field(field, (uint)value));
                    break;
                case 2:
                    fields.Add(field, e => e.Fixed64Field(field, value));
                    break;
                default:
                    var payload = new byte[_random.Next(0, 16)];
                    _random.NextBytes(payload);
                    fields.Add(field, e => e.BytesField(field, payload));
                    break;
            }
        }
    }

    private string PickString() => Strings[_random.Next(Strings.Length)];

    private long PickDimension() => _random.Next(0, 10) switch
    {
        0 => -1,
        1 => 0,
        2 => long.MaxValue,
        3 => long.MinValue,
        4 => 1L << 40,
        _ => _random.Next(1, 100),
    };

    private bool Chance(double probability) => _random.NextDouble() < probability;

    /// <summary>Fields to write, interleaved at random but keeping the order within each field number.</summary>
    private sealed class FieldChunks(Random random)
    {
        private readonly Dictionary<int, Queue<Action<WireEncoder>>> _byField = [];

        public void Add(int field, Action<WireEncoder> write)
        {
            if (!_byField.TryGetValue(field, out var queue))
            {
                _byField[field] = queue = new Queue<Action<WireEncoder>>();
            }

            queue.Enqueue(write);
        }

        public WireEncoder Encode()
        {
            var encoder = new WireEncoder();
            var queues = _byField.Values.Where(q => q.Count > 0).ToList();
            while (queues.Count > 0)
            {
                int pick = random.Next(queues.Count);
                queues[pick].Dequeue()(encoder);
                if (queues[pick].Count == 0)
                {
                    queues.RemoveAt(pick);
                }
            }

            return encoder;
        }
    }
}
