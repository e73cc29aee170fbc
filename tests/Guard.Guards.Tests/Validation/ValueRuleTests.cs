using Guard.Guards.Validation;
using Guard.Protocol.Inference;
using static Guard.Guards.Tests.Support.Requests;
using static Guard.Guards.Tests.Validation.ValidationAssert;

namespace Guard.Guards.Tests.Validation;

/// <summary>NaN, infinities and value ranges in floating-point inputs.</summary>
public sealed class ValueRuleTests
{
    private static readonly RequestValidationOptions RejectNonFinite = new() { RejectNonFinite = true };

    private static float[] Ramp(int length) => Enumerable.Range(0, length).Select(i => (float)i).ToArray();

    [Fact]
    public Task Non_finite_values_are_allowed_by_default() =>
        AllowedAsync(Request(Input("X", "FP32", 3)).WithRaw(Floats(float.NaN, float.PositiveInfinity, float.NegativeInfinity)));

    [Fact]
    public Task A_NaN_in_FP32_is_blocked_naming_the_tensor_and_element()
    {
        var values = Ramp(100);
        values[37] = float.NaN;

        return BlockedAsync("input 'X': element 37 is not finite (NaN)", Request(Input("X", "FP32", 100)).WithRaw(Floats(values)), RejectNonFinite);
    }

    [Fact]
    public Task An_infinity_in_the_tail_of_FP32_is_blocked()
    {
        var values = Ramp(67);
        values[66] = float.NegativeInfinity;

        return BlockedAsync("input 'X': element 66 is not finite (-Infinity)", Request(Input("X", "FP32", 67)).WithRaw(Floats(values)), RejectNonFinite);
    }

    [Fact]
    public Task The_first_bad_element_is_reported()
    {
        var values = Ramp(64);
        values[9] = float.PositiveInfinity;
        values[10] = float.NaN;
        values[40] = float.NaN;

        return BlockedAsync("input 'X': element 9 is not finite (Infinity)", Request(Input("X", "FP32", 64)).WithRaw(Floats(values)), RejectNonFinite);
    }

    [Fact]
    public Task A_NaN_in_FP64_is_blocked()
    {
        var values = Enumerable.Range(0, 33).Select(i => (double)i).ToArray();
        values[17] = double.NaN;

        return BlockedAsync("input 'D': element 17 is not finite (NaN)", Request(Input("D", "FP64", 33)).WithRaw(Doubles(values)), RejectNonFinite);
    }

    [Fact]
    public Task An_infinity_in_FP16_is_blocked() =>
        BlockedAsync(
            "input 'H': element 2 is not finite (Infinity)",
            Request(Input("H", "FP16", 4)).WithRaw(Halves((Half)1, (Half)2, Half.PositiveInfinity, Half.NaN)),
            RejectNonFinite);

    [Fact]
    public Task A_NaN_in_BF16_is_blocked() =>
        BlockedAsync(
            "input 'B': element 1 is not finite (NaN)",
            Request(Input("B", "BF16", 3)).WithRaw(BFloat16s(1, float.NaN, 2)),
            RejectNonFinite);

    [Fact]
    public Task A_NaN_in_typed_FP32_contents_is_blocked()
    {
        var input = Input("X", "FP32", 3);
        input.Contents = new InferTensorContents { Fp32Contents = { 1, 2, float.NaN } };

        return BlockedAsync("input 'X': element 2 is not finite (NaN)", Request(input), RejectNonFinite);
    }

    [Fact]
    public Task An_infinity_in_typed_FP64_contents_is_blocked()
    {
        var input = Input("X", "FP64", 2);
        input.Contents = new InferTensorContents { Fp64Contents = { double.PositiveInfinity, 1 } };

        return BlockedAsync("input 'X': element 0 is not finite (Infinity)", Request(input), RejectNonFinite);
    }

    [Fact]
    public Task Integer_tensors_are_not_scanned() =>
        AllowedAsync(Request(Input("I", "INT32", 1)).WithRaw(BitConverter.GetBytes(0x7FC00000)), RejectNonFinite with { MinValue = 0, MaxValue = 1 });

    [Fact]
    public Task A_value_below_the_minimum_is_blocked()
    {
        var values = Ramp(50);
        values[20] = -0.5f;

        return BlockedAsync(
            "input 'X': element 20 (-0.5) is below the minimum 0",
            Request(Input("X", "FP32", 50)).WithRaw(Floats(values)),
            new RequestValidationOptions { MinValue = 0 });
    }

    [Fact]
    public Task A_value_above_the_maximum_is_blocked() =>
        BlockedAsync(
            "input 'X': element 1 (1.5) is above the maximum 1",
            Request(Input("X", "FP64", 2)).WithRaw(Doubles(0.25, 1.5)),
            new RequestValidationOptions { MinValue = 0, MaxValue = 1 });

    [Fact]
    public Task A_NaN_is_outside_any_range() =>
        BlockedAsync(
            "input 'X': element 0 is NaN, outside the allowed range",
            Request(Input("X", "FP32", 1)).WithRaw(Floats(float.NaN)),
            new RequestValidationOptions { MaxValue = 1 });

    [Fact]
    public Task Values_on_the_bounds_are_allowed() =>
        AllowedAsync(
            Request(Input("X", "FP32", 3), Input("H", "FP16", 2)).WithRaw(Floats(-1, 0.1f, 1), Halves((Half)(-1), (Half)1)),
            new RequestValidationOptions { MinValue = -1, MaxValue = 1 });

    [Fact]
    public Task Float_bounds_round_towards_the_allowed_range()
    {
        // 0.1 is not a float: the nearest float below it is out of range, the nearest above is in.
        float below = MathF.BitDecrement(0.1f) < 0.1 ? MathF.BitDecrement(0.1f) : 0.1f;

        return BlockedAsync(
            $"input 'X': element 0 ({(double)below:R}) is below the minimum 0.1",
            Request(Input("X", "FP32", 1)).WithRaw(Floats(below)),
            new RequestValidationOptions { MinValue = 0.1 });
    }

    [Fact]
    public Task A_value_out_of_range_in_BF16_is_blocked() =>
        BlockedAsync(
            "input 'B': element 2 (3) is above the maximum 2",
            Request(Input("B", "BF16", 3)).WithRaw(BFloat16s(1, 2, 3)),
            new RequestValidationOptions { MaxValue = 2 });

    [Fact]
    public Task Misaligned_raw_data_is_scanned_correctly()
    {
        // A one-byte first input shifts the FP32 data off a 4-byte boundary in the message buffer.
        var values = Ramp(40);
        values[31] = float.NaN;

        return BlockedAsync(
            "input 'X': element 31 is not finite (NaN)",
            Request(Input("pad", "UINT8", 1), Input("X", "FP32", 40)).WithRaw([1], Floats(values)),
            RejectNonFinite);
    }
}
