using System.Text;

using Guard.OnnxRuntime;

namespace Guard.TestSupport;

/// <summary>
/// Writes ONNX <c>ModelProto</c> bytes by hand (plain protobuf): ir_version 9, opset 17, one graph.
/// Field numbers are from onnx.proto.
/// </summary>
public sealed class OnnxModelWriter
{
    private readonly List<byte[]> _nodes = [];
    private readonly List<byte[]> _inputs = [];
    private readonly List<byte[]> _outputs = [];
    private readonly List<byte[]> _initializers = [];

    /// <summary>A dimension: a number, or null for a dynamic one (written as dim_param "batch").</summary>
    public OnnxModelWriter Input(string name, TensorElementType type, params long?[] dims)
    {
        _inputs.Add(ValueInfo(name, type, dims));
        return this;
    }

    public OnnxModelWriter Output(string name, TensorElementType type, params long?[] dims)
    {
        _outputs.Add(ValueInfo(name, type, dims));
        return this;
    }

    public OnnxModelWriter Node(string opType, string[] inputs, string[] outputs, params (string Name, long Value)[] intAttributes)
    {
        var node = new Proto();
        foreach (var input in inputs) node.String(1, input);
        foreach (var output in outputs) node.String(2, output);
        node.String(3, $"{opType}_{_nodes.Count}");
        node.String(4, opType);
        foreach (var (name, value) in intAttributes)
        {
            // AttributeProto: name = 1, i = 3, type = 20 (INT = 2)
            node.Message(5, new Proto().String(1, name).Varint(3, (ulong)value).Varint(20, 2));
        }
        _nodes.Add(node.ToArray());
        return this;
    }

    public OnnxModelWriter FloatInitializer(string name, float[] values, params long[] dims)
    {
        // TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9 (little-endian)
        var tensor = new Proto();
        foreach (var dim in dims) tensor.Varint(1, (ulong)dim);
        tensor.Varint(2, (ulong)TensorElementType.Float);
        tensor.String(8, name);
        var raw = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, raw, 0, raw.Length);
        tensor.Bytes(9, raw);
        _initializers.Add(tensor.ToArray());
        return this;
    }

    public byte[] ToBytes()
    {
        // GraphProto: node = 1, name = 2, initializer = 5, input = 11, output = 12
        var graph = new Proto();
        foreach (var node in _nodes) graph.Bytes(1, node);
        graph.String(2, "test");
        foreach (var initializer in _initializers) graph.Bytes(5, initializer);
        foreach (var input in _inputs) graph.Bytes(11, input);
        foreach (var output in _outputs) graph.Bytes(12, output);
        // ModelProto: ir_version = 1, producer_name = 2, graph = 7, opset_import = 8 (domain = 1, version = 2)
        return new Proto()
            .Varint(1, 9)
            .String(2, "guard-tests")
            .Message(7, graph)
            .Message(8, new Proto().String(1, string.Empty).Varint(2, 17))
            .ToArray();
    }

    private static byte[] ValueInfo(string name, TensorElementType type, long?[] dims)
    {
        // TensorShapeProto.Dimension: dim_value = 1, dim_param = 2
        var shape = new Proto();
        foreach (var dim in dims)
        {
            shape.Message(1, dim is { } value ? new Proto().Varint(1, (ulong)value) : new Proto().String(2, "batch"));
        }
        // TypeProto.Tensor: elem_type = 1, shape = 2; TypeProto: tensor_type = 1; ValueInfoProto: name = 1, type = 2
        var tensorType = new Proto().Varint(1, (ulong)type).Message(2, shape);
        return new Proto().String(1, name).Message(2, new Proto().Message(1, tensorType)).ToArray();
    }

    /// <summary>A minimal protobuf writer: varint and length-delimited fields.</summary>
    private sealed class Proto
    {
        private readonly List<byte> _bytes = [];

        public Proto Varint(int field, ulong value)
        {
            Key(field, 0);
            Raw(value);
            return this;
        }

        public Proto Bytes(int field, byte[] value)
        {
            Key(field, 2);
            Raw((ulong)value.Length);
            _bytes.AddRange(value);
            return this;
        }

        public Proto String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public Proto Message(int field, Proto message) => Bytes(field, message.ToArray());

        public byte[] ToArray() => _bytes.ToArray();

        private void Key(int field, int wireType) => Raw((ulong)((field << 3) | wireType));

        private void Raw(ulong value)
        {
            while (value >= 0x80)
            {
                _bytes.Add((byte)(value | 0x80));
                value >>= 7;
            }
            _bytes.Add((byte)value);
        }
    }
}
