using Google.Protobuf;
using Guard.Guards.Validation;
using Guard.Protocol.Inference;
using static Guard.Guards.Tests.Support.Requests;
using static Guard.Guards.Tests.Validation.ValidationAssert;

namespace Guard.Guards.Tests.Validation;

/// <summary>Raw and typed contents: presence, field, count and size.</summary>
public sealed class ContentRuleTests
{
    [Fact]
    public Task Raw_contents_must_be_one_per_input() =>
        BlockedAsync(
            "request has 1 raw_input_contents for 2 inputs; send none or exactly one per input",
            Request(Input("A", "UINT8", 1), Input("B", "UINT8", 1)).WithRaw([1]));

    [Fact]
    public Task An_input_with_both_raw_and_typed_contents_is_blocked()
    {
        var input = Input("A", "INT32", 1);
        input.Contents = new InferTensorContents { IntContents = { 1 } };

        return BlockedAsync("input 'A': has both raw_input_contents and typed contents", Request(input).WithRaw(new byte[4]));
    }

    [Fact]
    public Task An_input_with_neither_raw_nor_typed_contents_is_blocked() =>
        BlockedAsync("input 'A': has neither raw_input_contents nor typed contents", Request(Input("A", "INT32", 2)));

    [Fact]
    public Task Typed_contents_in_the_wrong_field_are_blocked()
    {
        var input = Input("A", "INT32", 2);
        input.Contents = new InferTensorContents { Int64Contents = { 1, 2 } };

        return BlockedAsync("input 'A': typed contents use int64_contents but INT32 needs int_contents", Request(input));
    }

    [Fact]
    public Task Typed_contents_with_the_wrong_element_count_are_blocked()
    {
        var input = Input("A", "FP32", 1, 16);
        input.Contents = new InferTensorContents();
        input.Contents.Fp32Contents.AddRange(new float[15]);

        return BlockedAsync("input 'A': typed contents have 15 elements but shape [1,16] needs 16", Request(input));
    }

    [Fact]
    public Task Typed_contents_in_two_fields_are_blocked()
    {
        var input = Input("A", "INT32", 2);
        input.Contents = new InferTensorContents { IntContents = { 1, 2 }, Fp32Contents = { 1 } };

        return BlockedAsync("input 'A': typed contents set more than one field", Request(input));
    }

    [Theory]
    [InlineData("FP16")]
    [InlineData("BF16")]
    public Task Half_precision_data_must_be_raw(string datatype)
    {
        var input = Input("A", datatype, 1);
        input.Contents = new InferTensorContents { Fp32Contents = { 1 } };

        return BlockedAsync($"input 'A': {datatype} data must be sent in raw_input_contents", Request(input));
    }

    [Fact]
    public Task Raw_content_of_the_wrong_size_is_blocked_naming_the_tensor() =>
        BlockedAsync(
            "input 'INPUT0': raw content is 60 bytes but shape [1,16] of INT32 needs 64",
            Request(Input("INPUT0", "INT32", 1, 16)).WithRaw(new byte[60]));

    [Fact]
    public Task Raw_content_size_is_checked_for_every_fixed_size_datatype()
    {
        var sizes = new Dictionary<string, int>
        {
            ["BOOL"] = 1, ["UINT8"] = 1, ["INT8"] = 1, ["UINT16"] = 2, ["INT16"] = 2, ["FP16"] = 2, ["BF16"] = 2,
            ["UINT32"] = 4, ["INT32"] = 4, ["FP32"] = 4, ["UINT64"] = 8, ["INT64"] = 8, ["FP64"] = 8,
        };
        return Task.WhenAll(sizes.Select(async pair =>
        {
            await AllowedAsync(Request(Input("A", pair.Key, 2, 3)).WithRaw(new byte[6 * pair.Value]));
            await BlockedAsync(
                $"input 'A': raw content is {(6 * pair.Value) + 1} bytes but shape [2,3] of {pair.Key} needs {6 * pair.Value}",
                Request(Input("A", pair.Key, 2, 3)).WithRaw(new byte[(6 * pair.Value) + 1]));
        }));
    }

    [Fact]
    public Task Raw_BYTES_must_hold_exactly_the_shapes_element_count() =>
        BlockedAsync(
            "input 'TEXT': raw BYTES content holds 2 elements but shape [3] needs 3",
            Request(Input("TEXT", "BYTES", 3)).WithRaw(BytesElements("a", "bc")));

    [Fact]
    public Task Raw_BYTES_with_extra_elements_are_blocked() =>
        BlockedAsync(
            "input 'TEXT': raw BYTES content holds 3 elements but shape [2] needs 2",
            Request(Input("TEXT", "BYTES", 2)).WithRaw(BytesElements("a", "bc", "")));

    [Fact]
    public Task Raw_BYTES_with_an_element_past_the_end_are_blocked()
    {
        byte[] raw = [.. BytesElements("ok"), 10, 0, 0, 0, 1, 2];

        return BlockedAsync("input 'TEXT': raw BYTES element 1 declares 10 bytes but only 2 remain", Request(Input("TEXT", "BYTES", 2)).WithRaw(raw));
    }

    [Fact]
    public Task Raw_BYTES_with_leftover_bytes_are_blocked()
    {
        byte[] raw = [.. BytesElements("ok"), 1, 0];

        return BlockedAsync(
            "input 'TEXT': raw BYTES content ends with 2 bytes after element 0, too few for a 4-byte length prefix",
            Request(Input("TEXT", "BYTES", 1)).WithRaw(raw));
    }

    [Fact]
    public Task Raw_BYTES_with_a_huge_length_prefix_are_blocked() =>
        BlockedAsync(
            "input 'TEXT': raw BYTES element 0 declares 4294967295 bytes but only 0 remain",
            Request(Input("TEXT", "BYTES", 1)).WithRaw([0xFF, 0xFF, 0xFF, 0xFF]));

    [Fact]
    public Task Total_tensor_bytes_above_the_limit_are_blocked() =>
        BlockedAsync(
            "request carries more than 100 bytes of tensor data (at least 120 by input 'B')",
            Request(Input("A", "FP32", 15), Input("B", "FP32", 15)).WithRaw(new byte[60], new byte[60]),
            new RequestValidationOptions { MaxTotalBytes = 100 });

    [Fact]
    public Task Typed_tensor_bytes_count_toward_the_limit()
    {
        var input = Input("A", "INT64", 20);
        input.Contents = new InferTensorContents();
        input.Contents.Int64Contents.AddRange(new long[20]);

        return BlockedAsync(
            "request carries more than 100 bytes of tensor data (at least 160 by input 'A')",
            Request(input),
            new RequestValidationOptions { MaxTotalBytes = 100 });
    }

    [Fact]
    public Task A_valid_raw_request_is_allowed() =>
        AllowedAsync(Request(Input("INPUT0", "INT32", 1, 16), Input("INPUT1", "FP32", 1, 16)).WithRaw(new byte[64], new byte[64]));

    [Fact]
    public Task A_valid_raw_BYTES_request_is_allowed() =>
        AllowedAsync(Request(Input("TEXT", "BYTES", 2, 2)).WithRaw(BytesElements("hello", "", "wörld", "🙂")));

    [Fact]
    public async Task Valid_typed_requests_are_allowed_for_every_typed_datatype()
    {
        var contents = new Dictionary<string, InferTensorContents>
        {
            ["BOOL"] = new() { BoolContents = { true, false } },
            ["INT8"] = new() { IntContents = { -1, 1 } },
            ["INT16"] = new() { IntContents = { -1, 1 } },
            ["INT32"] = new() { IntContents = { -1, 1 } },
            ["INT64"] = new() { Int64Contents = { -1, 1 } },
            ["UINT8"] = new() { UintContents = { 1, 2 } },
            ["UINT16"] = new() { UintContents = { 1, 2 } },
            ["UINT32"] = new() { UintContents = { 1, 2 } },
            ["UINT64"] = new() { Uint64Contents = { 1, 2 } },
            ["FP32"] = new() { Fp32Contents = { 1, 2 } },
            ["FP64"] = new() { Fp64Contents = { 1, 2 } },
            ["BYTES"] = new() { BytesContents = { ByteString.CopyFromUtf8("a"), ByteString.Empty } },
        };
        foreach (var (datatype, values) in contents)
        {
            var input = Input("A", datatype, 2);
            input.Contents = values;
            await AllowedAsync(Request(input));
        }
    }

    [Fact]
    public Task An_empty_tensor_needs_no_contents() =>
        AllowedAsync(Request(Input("A", "FP16", 0, 4)));

    [Fact]
    public Task A_scalar_has_one_element() =>
        AllowedAsync(Request(Input("A", "FP64")).WithRaw(new byte[8]));
}
