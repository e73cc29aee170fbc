using Guard.Guards.Model;
using Guard.Guards.Validation;
using static Guard.Guards.Tests.Support.Requests;
using static Guard.Guards.Tests.Validation.ValidationAssert;

namespace Guard.Guards.Tests.Validation;

/// <summary>Requests checked against the model's declared inputs.</summary>
public sealed class SignatureRuleTests
{
    private static readonly ModelSignature Simple = Signature(
        new TensorSpec("INPUT0", "INT32", [-1, 16]),
        new TensorSpec("INPUT1", "FP32", [-1, 16]));

    [Fact]
    public Task A_request_matching_the_signature_is_allowed() =>
        AllowedAsync(Request(Input("INPUT0", "INT32", 4, 16), Input("INPUT1", "FP32", 1, 16)).WithRaw(new byte[256], new byte[64]), signature: Simple);

    [Fact]
    public Task A_missing_declared_input_is_blocked_by_name() =>
        BlockedAsync(
            "input 'INPUT1' is required by model 'simple' but missing",
            Request(Input("INPUT0", "INT32", 1, 16)).WithRaw(new byte[64]),
            signature: Simple);

    [Fact]
    public Task An_undeclared_input_is_blocked() =>
        BlockedAsync(
            "input 'EXTRA' is not an input of model 'simple'",
            Request(Input("INPUT0", "INT32", 1, 16), Input("INPUT1", "FP32", 1, 16), Input("EXTRA", "UINT8", 1)).WithRaw(new byte[64], new byte[64], [1]),
            signature: Simple);

    [Fact]
    public Task An_undeclared_input_is_allowed_when_unknown_inputs_are_permitted() =>
        AllowedAsync(
            Request(Input("INPUT0", "INT32", 1, 16), Input("INPUT1", "FP32", 1, 16), Input("EXTRA", "UINT8", 1)).WithRaw(new byte[64], new byte[64], [1]),
            new RequestValidationOptions { RequireKnownInputs = false },
            Simple);

    [Fact]
    public Task A_datatype_other_than_declared_is_blocked() =>
        BlockedAsync(
            "input 'INPUT0': datatype INT64 does not match the model's INT32",
            Request(Input("INPUT0", "INT64", 1, 16), Input("INPUT1", "FP32", 1, 16)).WithRaw(new byte[128], new byte[64]),
            signature: Simple);

    [Fact]
    public Task A_rank_other_than_declared_is_blocked() =>
        BlockedAsync(
            "input 'INPUT0': shape [16] has rank 1 but model 'simple' expects rank 2 (shape [-1,16])",
            Request(Input("INPUT0", "INT32", 16), Input("INPUT1", "FP32", 1, 16)).WithRaw(new byte[64], new byte[64]),
            signature: Simple);

    [Fact]
    public Task A_fixed_dimension_other_than_declared_is_blocked() =>
        BlockedAsync(
            "input 'INPUT1': dimension 1 is 15 but model 'simple' expects 16 (shape [-1,16])",
            Request(Input("INPUT0", "INT32", 1, 16), Input("INPUT1", "FP32", 1, 15)).WithRaw(new byte[64], new byte[60]),
            signature: Simple);

    [Fact]
    public Task A_variable_dimension_accepts_any_size() =>
        AllowedAsync(
            Request(Input("INPUT0", "INT32", 0, 16), Input("INPUT1", "FP32", 1000, 16)).WithRaw([], new byte[64_000]),
            signature: Simple);

    [Fact]
    public Task Without_a_signature_any_names_are_allowed() =>
        AllowedAsync(Request(Input("anything", "UINT8", 1)).WithRaw([1]));
}
