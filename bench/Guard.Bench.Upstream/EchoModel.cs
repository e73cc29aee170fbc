using Google.Protobuf;
using Guard.Protocol.Inference;
using Guard.Rpc;

namespace Guard.Bench.Upstream;

/// <summary>
/// The benchmark's model: whatever its name, it echoes its (first) input back as <c>OUTPUT0</c>.
/// <para>
/// ModelInfer is served from the raw request bytes without a protobuf parse: one scan finds the fields, and the
/// response is assembled from a preserialized <c>OUTPUT0</c> name, the request's own encoded name/version/id and
/// datatype/shape fields (same field numbers in the response), and the tensor bytes, copied once into the one
/// buffer the response needs. Requests outside that shape (typed <c>contents</c>, several inputs) take a
/// Google.Protobuf path.
/// </para>
/// </summary>
internal static class EchoModel
{
    private const int WireVarint = 0;
    private const int WireFixed64 = 1;
    private const int WireLengthDelimited = 2;
    private const int WireFixed32 = 5;

    // InferOutputTensor.name = "OUTPUT0": tag 1 (length-delimited), length 7, bytes.
    private static readonly byte[] OutputNameField = [0x0A, 0x07, (byte)'O', (byte)'U', (byte)'T', (byte)'P', (byte)'U', (byte)'T', (byte)'0'];

    public static ModelMetadataResponse Metadata(string name)
    {
        var response = new ModelMetadataResponse { Name = name, Platform = "guard-bench" };
        response.Versions.Add("1");
        var input = new ModelMetadataResponse.Types.TensorMetadata { Name = "INPUT0", Datatype = "FP32" };
        input.Shape.Add([-1, -1]);
        var output = new ModelMetadataResponse.Types.TensorMetadata { Name = "OUTPUT0", Datatype = "FP32" };
        output.Shape.Add([-1, -1]);
        response.Inputs.Add(input);
        response.Outputs.Add(output);
        return response;
    }

    public static ReadOnlyMemory<byte> Infer(ReadOnlyMemory<byte> request) =>
        TryInferFast(request.Span, out var response) ? response : InferSlow(request);

    private static bool TryInferFast(ReadOnlySpan<byte> request, out byte[] response)
    {
        response = [];
        // Whole encoded fields (tag included) of model_name (1), model_version (2), id (3); body spans of the
        // single input tensor (5) and the single raw_input_contents entry (7).
        (int Start, int Length) name = default, version = default, id = default, input = default, raw = default;
        int inputs = 0, raws = 0, pos = 0;
        while (pos < request.Length)
        {
            var fieldStart = pos;
            if (!TryReadField(request, ref pos, out var field, out var bodyStart, out var bodyLength))
            {
                return false;
            }

            switch (field)
            {
                case 1: name = (fieldStart, pos - fieldStart); break;
                case 2: version = (fieldStart, pos - fieldStart); break;
                case 3: id = (fieldStart, pos - fieldStart); break;
                case 5: input = (bodyStart, bodyLength); inputs++; break;
                case 7: raw = (bodyStart, bodyLength); raws++; break;
                default: break;
            }
        }

        if (inputs != 1 || raws != 1)
        {
            return false;
        }

        // The input tensor's datatype (2) and shape (3) fields carry the same numbers in InferOutputTensor.
        var tensor = request.Slice(input.Start, input.Length);
        var typeAndShapeLength = 0;
        for (var p = 0; p < tensor.Length;)
        {
            var fieldStart = p;
            if (!TryReadField(tensor, ref p, out var field, out _, out _))
            {
                return false;
            }

            if (field is 2 or 3)
            {
                typeAndShapeLength += p - fieldStart;
            }
        }

        var outputLength = OutputNameField.Length + typeAndShapeLength;
        var total = name.Length + version.Length + id.Length
            + 1 + VarintSize((ulong)outputLength) + outputLength
            + 1 + VarintSize((ulong)raw.Length) + raw.Length;

        var buffer = GC.AllocateUninitializedArray<byte>(total);
        var o = 0;
        o += Copy(request.Slice(name.Start, name.Length), buffer, o);
        o += Copy(request.Slice(version.Start, version.Length), buffer, o);
        o += Copy(request.Slice(id.Start, id.Length), buffer, o);

        buffer[o++] = (5 << 3) | WireLengthDelimited; // outputs
        o += WriteVarint(buffer.AsSpan(o), (ulong)outputLength);
        o += Copy(OutputNameField, buffer, o);
        for (var p = 0; p < tensor.Length;)
        {
            var fieldStart = p;
            TryReadField(tensor, ref p, out var field, out _, out _);
            if (field is 2 or 3)
            {
                o += Copy(tensor[fieldStart..p], buffer, o);
            }
        }

        buffer[o++] = (6 << 3) | WireLengthDelimited; // raw_output_contents
        o += WriteVarint(buffer.AsSpan(o), (ulong)raw.Length);
        o += Copy(request.Slice(raw.Start, raw.Length), buffer, o);
        response = buffer;
        return o == total;
    }

    private static byte[] InferSlow(ReadOnlyMemory<byte> request)
    {
        ModelInferRequest parsed;
        try
        {
            parsed = ModelInferRequest.Parser.ParseFrom(request.Span);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new RpcException(StatusCode.InvalidArgument, $"Malformed ModelInferRequest: {ex.Message}");
        }

        if (parsed.Inputs.Count == 0)
        {
            throw new RpcException(StatusCode.InvalidArgument, "ModelInferRequest has no inputs.");
        }

        var first = parsed.Inputs[0];
        var output = new ModelInferResponse.Types.InferOutputTensor { Name = "OUTPUT0", Datatype = first.Datatype };
        output.Shape.Add(first.Shape);
        if (first.Contents is not null)
        {
            output.Contents = first.Contents;
        }

        var response = new ModelInferResponse { ModelName = parsed.ModelName, ModelVersion = parsed.ModelVersion, Id = parsed.Id };
        response.Outputs.Add(output);
        if (parsed.RawInputContents.Count > 0)
        {
            response.RawOutputContents.Add(parsed.RawInputContents[0]);
        }

        return response.ToByteArray();
    }

    /// <summary>Reads one field's tag and skips its value; false when the bytes are not a well-formed field.</summary>
    private static bool TryReadField(ReadOnlySpan<byte> data, ref int pos, out int field, out int bodyStart, out int bodyLength)
    {
        field = 0;
        bodyStart = 0;
        bodyLength = 0;
        if (!TryReadVarint(data, ref pos, out var tag) || tag >> 3 == 0 || tag >> 3 > int.MaxValue)
        {
            return false;
        }

        field = (int)(tag >> 3);
        switch ((int)(tag & 7))
        {
            case WireVarint:
                return TryReadVarint(data, ref pos, out _);
            case WireFixed64:
                pos += 8;
                return pos <= data.Length;
            case WireFixed32:
                pos += 4;
                return pos <= data.Length;
            case WireLengthDelimited:
                if (!TryReadVarint(data, ref pos, out var length) || length > (ulong)(data.Length - pos))
                {
                    return false;
                }

                bodyStart = pos;
                bodyLength = (int)length;
                pos += bodyLength;
                return true;
            default:
                return false;
        }
    }

    private static bool TryReadVarint(ReadOnlySpan<byte> data, ref int pos, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (pos >= data.Length)
            {
                return false;
            }

            var b = data[pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }

        return false;
    }

    private static int VarintSize(ulong value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

    private static int WriteVarint(Span<byte> destination, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    private static int Copy(ReadOnlySpan<byte> source, byte[] destination, int offset)
    {
        source.CopyTo(destination.AsSpan(offset));
        return source.Length;
    }
}
