using System.Globalization;
using Guard.Guards.Pipeline;
using Guard.Rpc;

namespace Guard.Guards.Validation;

/// <summary>
/// Rejects requests that are structurally unsound (names, datatypes, shapes, data sizes), over the
/// configured limits, inconsistent with the model's signature, or carrying forbidden floating-point
/// values, so the model server only sees requests it can execute. Every failure is InvalidArgument
/// with a message naming the offending tensor.
/// </summary>
public sealed class RequestValidationGuard : IGuard
{
    private readonly RequestValidationOptions _options;
    private readonly ValueBounds _bounds;

    public RequestValidationGuard(RequestValidationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = string.Join("; ", options.Validate());
        if (errors.Length > 0)
        {
            throw new ArgumentException($"invalid request validation options: {errors}", nameof(options));
        }

        _options = options;
        _bounds = new ValueBounds(options.RejectNonFinite, options.MinValue, options.MaxValue);
    }

    public string Name => "validation";

    public RequestValidationOptions Options => _options;

    public ValueTask<GuardVerdict> InspectAsync(GuardContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        string? error = Check(context);
        return new ValueTask<GuardVerdict>(error is null ? GuardVerdict.Allow : GuardVerdict.Block(StatusCode.InvalidArgument, error));
    }

    /// <summary>Returns the first rule the request breaks, or null. Cheap structural checks run before data scans.</summary>
    private string? Check(GuardContext context)
    {
        var culture = CultureInfo.InvariantCulture;
        var request = context.Request;
        var inputs = request.Inputs;
        if (inputs.Count == 0)
        {
            return "request has no inputs";
        }

        if (inputs.Count > _options.MaxInputs)
        {
            return string.Create(culture, $"request has {inputs.Count} inputs; at most {_options.MaxInputs} are allowed");
        }

        int rawCount = request.RawInputContents.Count;
        if (rawCount != 0 && rawCount != inputs.Count)
        {
            return string.Create(culture, $"request has {rawCount} raw_input_contents for {inputs.Count} inputs; send none or exactly one per input");
        }

        bool hasRaw = rawCount != 0;
        var signature = context.Signature;
        long totalBytes = 0;
        for (int i = 0; i < inputs.Count; i++)
        {
            var input = inputs[i];
            string? error = InputHeaderRules.Check(inputs, i, _options, out var dataType, out long elements);
            if (error is null && signature is not null)
            {
                error = SignatureRules.CheckInput(input, signature, context.Model, _options.RequireKnownInputs);
            }

            if (error is not null)
            {
                return error;
            }

            error = ContentRules.Check(input, dataType, elements, hasRaw, hasRaw ? request.RawInputContents[i].Span : default, out long bytes);
            if (error is not null)
            {
                return error;
            }

            totalBytes += bytes;
            if (totalBytes > _options.MaxTotalBytes)
            {
                return string.Create(culture, $"request carries more than {_options.MaxTotalBytes} bytes of tensor data (at least {totalBytes} by input '{input.Name}')");
            }
        }

        if (signature is not null)
        {
            string? missing = SignatureRules.CheckDeclaredInputsPresent(inputs, signature, context.Model);
            if (missing is not null)
            {
                return missing;
            }
        }

        return _bounds.IsEnabled ? ValueRules.Check(context, _bounds) : null;
    }
}
