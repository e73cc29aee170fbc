using Google.Protobuf;
using Guard.Guards.Tests.Support;
using Guard.Protocol;
using Guard.Protocol.Inference;

namespace Guard.Guards.Tests.Protocol;

public sealed class InferRequestViewMalformedTests
{
    [Fact]
    public void Every_truncation_of_a_valid_message_parses_or_throws_InvalidMessageException()
    {
        var generator = new RandomRequestGenerator(seed: 7);
        for (int m = 0; m < 150; m++)
        {
            byte[] message = generator.Next();
            for (int length = 0; length < message.Length; length++)
            {
                ParsesConsistentlyOrRejects(message.AsSpan(0, length).ToArray());
            }
        }
    }

    [Fact]
    public void Random_garbage_only_ever_throws_InvalidMessageException()
    {
        var random = new Random(1234);
        for (int i = 0; i < 20_000; i++)
        {
            var garbage = new byte[random.Next(0, 96)];
            random.NextBytes(garbage);
            ParsesConsistentlyOrRejects(garbage);
        }
    }

    [Fact]
    public void Mutated_valid_messages_only_ever_throw_InvalidMessageException()
    {
        var random = new Random(99);
        var generator = new RandomRequestGenerator(seed: 99);
        for (int i = 0; i < 5000; i++)
        {
            byte[] message = generator.Next();
            if (message.Length == 0)
            {
                continue;
            }

            int mutations = random.Next(1, 4);
            for (int k = 0; k < mutations; k++)
            {
                message[random.Next(message.Length)] = (byte)random.Next(256);
            }

            ParsesConsistentlyOrRejects(message);
        }
    }

    [Theory]
    [InlineData(1UL << 31)]
    [InlineData(uint.MaxValue)]
    [InlineData(1UL << 32)]
    [InlineData(ulong.MaxValue)]
    [InlineData(1000UL)]
    public void Hostile_lengths_are_rejected_at_every_level(ulong length)
    {
        // Top level: a raw_input_contents that claims more bytes than the message has.
        AssertRejected(new WireEncoder().Tag(7, WireEncoder.LengthDelimited).RawVarint(length).RawBytes(new byte[16]).ToArray());
        // A string.
        AssertRejected(new WireEncoder().Tag(1, WireEncoder.LengthDelimited).RawVarint(length).RawBytes(new byte[16]).ToArray());

        // Inside an input: a packed shape and a contents message.
        var shape = new WireEncoder().StringField(1, "X").Tag(3, WireEncoder.LengthDelimited).RawVarint(length).RawBytes(new byte[4]);
        AssertRejected(new WireEncoder().MessageField(5, shape).ToArray());
        var contents = new WireEncoder().Tag(5, WireEncoder.LengthDelimited).RawVarint(length).RawBytes(new byte[4]);
        AssertRejected(new WireEncoder().MessageField(5, contents).ToArray());

        // Inside contents: a packed fp32 run and a bytes element.
        var packed = new WireEncoder().Tag(6, WireEncoder.LengthDelimited).RawVarint(length).RawBytes(new byte[8]);
        AssertRejected(new WireEncoder().MessageField(5, new WireEncoder().MessageField(5, packed)).ToArray());
        var bytes = new WireEncoder().Tag(8, WireEncoder.LengthDelimited).RawVarint(length);
        AssertRejected(new WireEncoder().MessageField(5, new WireEncoder().MessageField(5, bytes)).ToArray());

        // Inside a parameter map entry.
        var entry = new WireEncoder().Tag(1, WireEncoder.LengthDelimited).RawVarint(length);
        AssertRejected(new WireEncoder().MessageField(4, entry).ToArray());
    }

    [Fact]
    public void A_length_past_the_end_names_the_offset_and_the_remaining_bytes()
    {
        byte[] message = new WireEncoder().StringField(1, "m").Tag(7, WireEncoder.LengthDelimited).RawVarint(1UL << 31).RawBytes(new byte[5]).ToArray();

        var error = Assert.Throws<InvalidMessageException>(() => InferRequestView.Parse(message));

        Assert.Equal("malformed ModelInferRequest: length 2147483648 at offset 4 exceeds the 5 remaining bytes", error.Message);
    }

    [Fact]
    public void A_truncated_varint_names_its_offset()
    {
        byte[] message = new WireEncoder().StringField(1, "model").Tag(100, WireEncoder.Varint).RawBytes([0xFF, 0xFF]).ToArray();

        var error = Assert.Throws<InvalidMessageException>(() => InferRequestView.Parse(message));

        Assert.Equal("malformed ModelInferRequest: truncated varint at offset 9", error.Message);
    }

    [Fact]
    public void A_varint_longer_than_ten_bytes_is_rejected()
    {
        byte[] message = new WireEncoder().Tag(100, WireEncoder.Varint).RawBytes([.. Enumerable.Repeat((byte)0xFF, 10), 0x01]).ToArray();

        var error = Assert.Throws<InvalidMessageException>(() => InferRequestView.Parse(message));

        Assert.Contains("varint longer than 10 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_overlong_packed_varint_is_rejected()
    {
        var contents = new WireEncoder().BytesField(2, [.. Enumerable.Repeat((byte)0x80, 10), 0x00]);
        var input = new WireEncoder().MessageField(5, contents);

        AssertRejected(new WireEncoder().MessageField(5, input).ToArray());
    }

    [Fact]
    public void A_packed_varint_run_cut_mid_value_is_rejected()
    {
        var contents = new WireEncoder().BytesField(3, [0x01, 0x80]);
        var input = new WireEncoder().MessageField(5, contents);

        AssertRejected(new WireEncoder().MessageField(5, input).ToArray());
    }

    [Theory]
    [InlineData(6, 7)]
    [InlineData(7, 12)]
    public void A_packed_fixed_size_run_of_partial_elements_is_rejected(int field, int length)
    {
        var contents = new WireEncoder().BytesField(field, new byte[length]);
        var input = new WireEncoder().MessageField(5, contents);

        var error = Assert.Throws<InvalidMessageException>(() => InferRequestView.Parse(new WireEncoder().MessageField(5, input).ToArray()));

        Assert.Contains("not a multiple of", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(WireEncoder.StartGroup)]
    [InlineData(WireEncoder.EndGroup)]
    public void Groups_are_rejected(int wireType)
    {
        byte[] message = new WireEncoder().Tag(50, wireType).Tag(50, WireEncoder.EndGroup).ToArray();

        var error = Assert.Throws<InvalidMessageException>(() => InferRequestView.Parse(message));

        Assert.Contains("group", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(6)]
    [InlineData(7)]
    public void Undefined_wire_types_are_rejected(int wireType)
    {
        AssertRejected(new WireEncoder().Tag(50, wireType).RawVarint(0).ToArray());
    }

    [Fact]
    public void Field_number_zero_is_rejected()
    {
        AssertRejected(new WireEncoder().Tag(0, WireEncoder.Varint).RawVarint(0).ToArray());
    }

    [Fact]
    public void A_tag_beyond_32_bits_is_rejected()
    {
        AssertRejected(new WireEncoder().RawVarint(1UL << 40).RawVarint(0).ToArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    public void Truncated_fixed_width_values_are_rejected(int bytesPresent)
    {
        AssertRejected(new WireEncoder().Tag(50, WireEncoder.Fixed64).RawBytes(new byte[bytesPresent - 1]).ToArray());
        AssertRejected(new WireEncoder().Tag(50, WireEncoder.Fixed32).RawBytes(new byte[Math.Min(bytesPresent, 4) - 1]).ToArray());
    }

    [Fact]
    public void Strings_must_be_valid_utf8()
    {
        byte[] message = new WireEncoder().BytesField(1, [0x61, 0xC3, 0x28]).ToArray();

        var error = Assert.Throws<InvalidMessageException>(() => InferRequestView.Parse(message));

        Assert.Equal("malformed ModelInferRequest: string at offset 2 is not valid UTF-8", error.Message);
    }

    [Fact]
    public void Invalid_utf8_in_nested_names_and_parameters_is_rejected()
    {
        byte[] bad = [0xFF];
        AssertRejected(new WireEncoder().MessageField(5, new WireEncoder().BytesField(1, bad)).ToArray());
        AssertRejected(new WireEncoder().MessageField(6, new WireEncoder().BytesField(1, bad)).ToArray());
        AssertRejected(new WireEncoder().MessageField(4, new WireEncoder().BytesField(1, bad)).ToArray());
        var parameter = new WireEncoder().BytesField(3, bad);
        AssertRejected(new WireEncoder().MessageField(4, new WireEncoder().StringField(1, "k").MessageField(2, parameter)).ToArray());
    }

    [Fact]
    public void Shapes_deeper_than_the_cap_are_rejected()
    {
        var packed = new WireEncoder();
        for (int i = 0; i <= InferRequestView.MaxShapeRank; i++)
        {
            packed.RawVarint(1);
        }

        var error = Assert.Throws<InvalidMessageException>(() =>
            InferRequestView.Parse(new WireEncoder().MessageField(5, new WireEncoder().MessageField(3, packed)).ToArray()));

        Assert.Contains("more than 64 dimensions", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shape_at_the_cap_is_accepted()
    {
        var request = new ModelInferRequest { Inputs = { new ModelInferRequest.Types.InferInputTensor { Name = "X" } } };
        request.Inputs[0].Shape.AddRange(Enumerable.Repeat(1L, InferRequestView.MaxShapeRank));

        Assert.Equal(InferRequestView.MaxShapeRank, InferRequestView.Parse(request.ToByteArray()).Inputs[0].Shape.Length);
    }

    [Fact]
    public void More_tensors_than_the_cap_are_rejected()
    {
        var encoder = new WireEncoder();
        for (int i = 0; i <= InferRequestView.MaxTensorCount; i++)
        {
            encoder.BytesField(7, []);
        }

        var error = Assert.Throws<InvalidMessageException>(() => InferRequestView.Parse(encoder.ToArray()));

        Assert.Contains("more than 65536 raw_input_contents", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The view either rejects the bytes with InvalidMessageException, or accepts them, in which case a
    /// full protobuf parse must accept them too and agree with the view.
    /// </summary>
    private static void ParsesConsistentlyOrRejects(byte[] message)
    {
        InferRequestView view;
        try
        {
            view = InferRequestView.Parse(message);
        }
        catch (InvalidMessageException)
        {
            return;
        }

        ModelInferRequest expected;
        try
        {
            expected = ModelInferRequest.Parser.ParseFrom(message);
        }
        catch (InvalidProtocolBufferException ex)
        {
            Assert.Fail($"the view accepted bytes protobuf rejects ({ex.Message}): {Convert.ToHexString(message)}");
            return;
        }

        ViewAssert.AgreesWith(expected, view, message);
    }

    private static void AssertRejected(byte[] message) =>
        Assert.Throws<InvalidMessageException>(() => InferRequestView.Parse(message));
}
