using Guard.Guards.Validation;
using static Guard.Guards.Tests.Support.Requests;
using static Guard.Guards.Tests.Validation.ValidationAssert;

namespace Guard.Guards.Tests.Validation;

/// <summary>Names, datatypes, shapes and element counts.</summary>
public sealed class RequestStructureRuleTests
{
    [Fact]
    public Task A_request_without_inputs_is_blocked() =>
        BlockedAsync("request has no inputs", Request());

    [Fact]
    public Task More_inputs_than_allowed_are_blocked() =>
        BlockedAsync(
            "request has 3 inputs; at most 2 are allowed",
            Request(Input("A", "UINT8", 1), Input("B", "UINT8", 1), Input("C", "UINT8", 1)).WithRaw([1], [2], [3]),
            new RequestValidationOptions { MaxInputs = 2 });

    [Fact]
    public Task An_input_with_an_empty_name_is_blocked() =>
        BlockedAsync("input 1 has an empty name", Request(Input("A", "UINT8", 1), Input("", "UINT8", 1)).WithRaw([1], [2]));

    [Fact]
    public Task Duplicate_input_names_are_blocked() =>
        BlockedAsync("input 'A' appears more than once", Request(Input("A", "UINT8", 1), Input("A", "UINT8", 1)).WithRaw([1], [2]));

    [Fact]
    public Task An_unknown_datatype_is_blocked() =>
        BlockedAsync("input 'A': unknown datatype 'FLOAT32'", Request(Input("A", "FLOAT32", 1)).WithRaw(new byte[4]));

    [Fact]
    public Task Datatypes_are_case_sensitive() =>
        BlockedAsync("input 'A': unknown datatype 'fp32'", Request(Input("A", "fp32", 1)).WithRaw(new byte[4]));

    [Fact]
    public Task A_rank_above_the_maximum_is_blocked() =>
        BlockedAsync(
            "input 'A': rank 3 exceeds the maximum of 2",
            Request(Input("A", "UINT8", 1, 1, 1)).WithRaw([1]),
            new RequestValidationOptions { MaxRank = 2 });

    [Fact]
    public Task A_negative_dimension_is_blocked() =>
        BlockedAsync("input 'A': shape [1,-1] has negative dimension -1 at index 1", Request(Input("A", "UINT8", 1, -1)).WithRaw([1]));

    [Fact]
    public Task An_element_count_that_overflows_is_blocked() =>
        BlockedAsync(
            "input 'A': shape [4294967296,4294967296] has too many elements to count",
            Request(Input("A", "UINT8", 1L << 32, 1L << 32)).WithRaw([1]));

    [Fact]
    public Task A_zero_dimension_makes_an_empty_tensor_whatever_the_other_dimensions() =>
        AllowedAsync(Request(Input("A", "UINT8", 1L << 40, 1L << 40, 0)).WithRaw([]));

    [Fact]
    public Task More_elements_than_allowed_are_blocked() =>
        BlockedAsync(
            "input 'A': shape [10,11] has 110 elements; at most 100 are allowed",
            Request(Input("A", "UINT8", 10, 11)).WithRaw(new byte[110]),
            new RequestValidationOptions { MaxElementsPerTensor = 100 });

    [Fact]
    public Task The_default_element_limit_is_two_to_the_28() =>
        BlockedAsync(
            "input 'A': shape [268435457] has 268435457 elements; at most 268435456 are allowed",
            Request(Input("A", "UINT8", (1L << 28) + 1)).WithRaw([1]));
}
