using Google.Protobuf;
using Guard.Guards.Tests.Support;
using Guard.Protocol;
using Guard.Protocol.Inference;

namespace Guard.Guards.Tests.Protocol;

public sealed class InferRequestViewRoundTripTests
{
    [Fact]
    public void Generated_messages_read_the_same_as_a_full_protobuf_parse()
    {
        var generator = new RandomRequestGenerator(seed: 20240611);
        for (int i = 0; i < 3000; i++)
        {
            byte[] message = generator.Next();
            var expected = ModelInferRequest.Parser.ParseFrom(message);
            var view = InferRequestView.Parse(message);
            ViewAssert.AgreesWith(expected, view, message);
        }
    }

    [Fact]
    public void Messages_serialized_by_google_protobuf_read_back_field_for_field()
    {
        var request = new ModelInferRequest
        {
            ModelName = "resnet50",
            ModelVersion = "3",
            Id = "req-42",
            Parameters = { ["priority"] = new InferParameter { Int64Param = 2 } },
            Inputs =
            {
                new ModelInferRequest.Types.InferInputTensor { Name = "IMAGE", Datatype = "FP32", Shape = { 1, 3, 224, 224 } },
                new ModelInferRequest.Types.InferInputTensor
                {
                    Name = "MASK",
                    Datatype = "BOOL",
                    Shape = { 2 },
                    Contents = new InferTensorContents { BoolContents = { true, false } },
                },
            },
            Outputs = { new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "PROBS" } },
            RawInputContents = { ByteString.CopyFrom(new byte[12]) },
        };
        byte[] message = request.ToByteArray();

        var view = InferRequestView.Parse(message);

        Assert.Equal("resnet50", view.ModelName);
        Assert.Equal("3", view.ModelVersion);
        Assert.Equal("req-42", view.Id);
        Assert.True(view.HasParameters);
        Assert.Equal(["PROBS"], view.RequestedOutputs);
        Assert.Equal(new long[] { 1, 3, 224, 224 }, view.Inputs[0].Shape);
        Assert.False(view.Inputs[0].HasTypedContents);
        Assert.Null(view.Inputs[0].TypedContentsField);
        Assert.True(view.Inputs[1].HasTypedContents);
        Assert.Equal(2, view.Inputs[1].TypedContentsCount);
        Assert.Equal(TensorContentsFields.BoolContents, view.Inputs[1].TypedContentsField);
        Assert.Equal(1, view.Inputs[1].Index);
        Assert.Equal(12, view.RawInputContents[0].Length);
        ViewAssert.AgreesWith(request, view, message);
    }

    [Theory]
    [InlineData(1, TensorContentsFields.BoolContents)]
    [InlineData(2, TensorContentsFields.IntContents)]
    [InlineData(3, TensorContentsFields.Int64Contents)]
    [InlineData(4, TensorContentsFields.UintContents)]
    [InlineData(5, TensorContentsFields.Uint64Contents)]
    [InlineData(6, TensorContentsFields.Fp32Contents)]
    [InlineData(7, TensorContentsFields.Fp64Contents)]
    [InlineData(8, TensorContentsFields.BytesContents)]
    public void Every_typed_contents_field_is_counted_packed_and_unpacked(int field, string name)
    {
        foreach (bool packed in new[] { true, false })
        {
            var contents = new WireEncoder();
            if (field == 8)
            {
                for (int i = 0; i < 5; i++)
                {
                    contents.BytesField(8, new byte[i]);
                }
            }
            else if (packed)
            {
                var payload = new WireEncoder();
                for (int i = 0; i < 5; i++)
                {
                    WriteValue(payload, field, i);
                }

                contents.MessageField(field, payload);
            }
            else
            {
                for (int i = 0; i < 5; i++)
                {
                    contents.Tag(field, field == 6 ? WireEncoder.Fixed32 : field == 7 ? WireEncoder.Fixed64 : WireEncoder.Varint);
                    WriteValue(contents, field, i);
                }
            }

            var input = new WireEncoder().StringField(1, "X").StringField(2, "INT32").MessageField(5, contents);
            byte[] message = new WireEncoder().MessageField(5, input).ToArray();

            var view = InferRequestView.Parse(message);

            Assert.Equal(5, view.Inputs[0].TypedContentsCount);
            Assert.Equal(name, view.Inputs[0].TypedContentsField);
            ViewAssert.AgreesWith(ModelInferRequest.Parser.ParseFrom(message), view, message);
        }
    }

    [Fact]
    public void Contents_split_over_two_occurrences_are_merged_as_protobuf_merges_them()
    {
        var first = new WireEncoder().MessageField(2, new WireEncoder().RawVarint(1).RawVarint(2));
        var second = new WireEncoder().VarintField(2, 3);
        var input = new WireEncoder().StringField(1, "X").MessageField(5, first).MessageField(5, second);
        byte[] message = new WireEncoder().MessageField(5, input).ToArray();

        var view = InferRequestView.Parse(message);

        Assert.Equal(3, view.Inputs[0].TypedContentsCount);
        Assert.Equal(TensorContentsFields.IntContents, view.Inputs[0].TypedContentsField);
    }

    [Fact]
    public void Contents_with_elements_in_two_fields_are_reported_as_mixed()
    {
        var contents = new WireEncoder().VarintField(2, 1).Fixed32Field(6, 0);
        var input = new WireEncoder().StringField(1, "X").MessageField(5, contents);
        byte[] message = new WireEncoder().MessageField(5, input).ToArray();

        var view = InferRequestView.Parse(message);

        Assert.True(view.Inputs[0].HasMixedTypedContents);
        Assert.Null(view.Inputs[0].TypedContentsField);
        Assert.Equal(2, view.Inputs[0].TypedContentsCount);
    }

    [Fact]
    public void An_empty_contents_message_is_present_with_no_field()
    {
        var input = new WireEncoder().StringField(1, "X").BytesField(5, []);
        byte[] message = new WireEncoder().MessageField(5, input).ToArray();

        var view = InferRequestView.Parse(message);

        Assert.True(view.Inputs[0].HasTypedContents);
        Assert.Equal(0, view.Inputs[0].TypedContentsCount);
        Assert.Null(view.Inputs[0].TypedContentsField);
    }

    [Fact]
    public void Unknown_fields_of_every_wire_type_are_skipped_at_every_level()
    {
        var contents = new WireEncoder().VarintField(99, 5).Fixed32Field(98, 1).VarintField(2, 7);
        var input = new WireEncoder()
            .Fixed64Field(77, 1).StringField(1, "X").BytesField(78, [1, 2, 3]).MessageField(5, contents);
        byte[] message = new WireEncoder()
            .VarintField(100, ulong.MaxValue)
            .StringField(1, "m")
            .Fixed32Field(101, 3)
            .MessageField(5, input)
            .Fixed64Field(536_870_911, 9)
            .BytesField(102, new byte[40])
            .ToArray();

        var view = InferRequestView.Parse(message);

        Assert.Equal("m", view.ModelName);
        Assert.Equal("X", view.Inputs[0].Name);
        Assert.Equal(1, view.Inputs[0].TypedContentsCount);
        ViewAssert.AgreesWith(ModelInferRequest.Parser.ParseFrom(message), view, message);
    }

    [Fact]
    public void Repeated_scalar_fields_keep_the_last_value()
    {
        byte[] message = new WireEncoder().StringField(1, "first").StringField(1, "second").ToArray();

        Assert.Equal("second", InferRequestView.Parse(message).ModelName);
        Assert.Equal("second", ModelInferRequest.Parser.ParseFrom(message).ModelName);
    }

    [Fact]
    public void An_empty_buffer_is_an_empty_request()
    {
        var view = InferRequestView.Parse(ReadOnlyMemory<byte>.Empty);

        Assert.Equal("", view.ModelName);
        Assert.Empty(view.Inputs);
        Assert.Empty(view.RawInputContents);
        Assert.Empty(view.RequestedOutputs);
        Assert.False(view.HasParameters);
    }

    [Fact]
    public void Raw_contents_are_slices_of_the_original_buffer_even_at_an_offset()
    {
        var request = new ModelInferRequest
        {
            Inputs = { new ModelInferRequest.Types.InferInputTensor { Name = "A", Datatype = "UINT8", Shape = { 3 } } },
            RawInputContents = { ByteString.CopyFrom(1, 2, 3) },
        };
        byte[] serialized = request.ToByteArray();
        byte[] buffer = new byte[serialized.Length + 10];
        serialized.CopyTo(buffer, 7);
        var memory = buffer.AsMemory(7, serialized.Length);

        var view = InferRequestView.Parse(memory);

        var slice = view.RawInputContents[0];
        Assert.True(slice.Span.Overlaps(memory.Span));
        ViewAssert.AssertSliceOf(buffer, slice);
        Assert.Equal(new byte[] { 1, 2, 3 }, slice.ToArray());
        Assert.True(memory.Equals(view.RawMessage));
    }

    [Fact]
    public void Parsing_a_32_MiB_request_does_not_copy_its_tensor_data()
    {
        var request = new ModelInferRequest
        {
            ModelName = "big",
            Inputs = { new ModelInferRequest.Types.InferInputTensor { Name = "X", Datatype = "UINT8", Shape = { 32 << 20 } } },
            RawInputContents = { ByteString.CopyFrom(new byte[32 << 20]) },
        };
        byte[] message = request.ToByteArray();
        InferRequestView.Parse(message); // warm up

        long before = GC.GetAllocatedBytesForCurrentThread();
        var view = InferRequestView.Parse(message);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.InRange(allocated, 0, 4096);
        Assert.Equal(32 << 20, view.RawInputContents[0].Length);
        ViewAssert.AssertSliceOf(message, view.RawInputContents[0]);
    }

    private static void WriteValue(WireEncoder encoder, int field, int i)
    {
        switch (field)
        {
            case 6:
                encoder.RawFixed32(BitConverter.SingleToUInt32Bits(i));
                break;
            case 7:
                encoder.RawFixed64(BitConverter.DoubleToUInt64Bits(i));
                break;
            default:
                encoder.RawVarint((ulong)i);
                break;
        }
    }
}
