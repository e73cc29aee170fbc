using System.Globalization;
using Guard.Guards.Model;
using Guard.Protocol;

namespace Guard.Guards.Validation;

/// <summary>Checks a request's inputs against the model's declared signature.</summary>
internal static class SignatureRules
{
    public static string? CheckInput(InferInputView input, ModelSignature signature, string model, bool requireKnownInputs)
    {
        var spec = signature.FindInput(input.Name);
        if (spec is null)
        {
            return requireKnownInputs ? $"input '{input.Name}' is not an input of model '{model}'" : null;
        }

        if (!string.Equals(spec.Datatype, input.Datatype, StringComparison.Ordinal))
        {
            return $"input '{input.Name}': datatype {input.Datatype} does not match the model's {spec.Datatype}";
        }

        var shape = input.Shape;
        if (spec.Shape.Count != shape.Length)
        {
            return string.Create(CultureInfo.InvariantCulture, $"input '{input.Name}': shape {ShapeText.Format(shape)} has rank {shape.Length} but model '{model}' expects rank {spec.Shape.Count} (shape {ShapeText.Format(spec.Shape)})");
        }

        for (int d = 0; d < shape.Length; d++)
        {
            long expected = spec.Shape[d];
            // Negative declared dimensions (-1) accept any size.
            if (expected >= 0 && expected != shape[d])
            {
                return string.Create(CultureInfo.InvariantCulture, $"input '{input.Name}': dimension {d} is {shape[d]} but model '{model}' expects {expected} (shape {ShapeText.Format(spec.Shape)})");
            }
        }

        return null;
    }

    public static string? CheckDeclaredInputsPresent(IReadOnlyList<InferInputView> inputs, ModelSignature signature, string model)
    {
        for (int i = 0; i < signature.Inputs.Count; i++)
        {
            string name = signature.Inputs[i].Name;
            if (!Contains(inputs, name))
            {
                return $"input '{name}' is required by model '{model}' but missing";
            }
        }

        return null;
    }

    private static bool Contains(IReadOnlyList<InferInputView> inputs, string name)
    {
        for (int i = 0; i < inputs.Count; i++)
        {
            if (string.Equals(inputs[i].Name, name, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
