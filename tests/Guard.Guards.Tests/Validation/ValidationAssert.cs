using Guard.Guards.Model;
using Guard.Guards.Pipeline;
using Guard.Guards.Tests.Support;
using Guard.Guards.Validation;
using Guard.Protocol.Inference;
using Guard.Rpc;

namespace Guard.Guards.Tests.Validation;

internal static class ValidationAssert
{
    public static async Task<GuardVerdict> InspectAsync(ModelInferRequest request, RequestValidationOptions? options = null, ModelSignature? signature = null)
    {
        var guard = new RequestValidationGuard(options ?? new RequestValidationOptions());
        return await guard.InspectAsync(Requests.Context(request, signature), CancellationToken.None);
    }

    public static async Task BlockedAsync(string expectedMessage, ModelInferRequest request, RequestValidationOptions? options = null, ModelSignature? signature = null)
    {
        var verdict = await InspectAsync(request, options, signature);
        Assert.Equal(VerdictKind.Block, verdict.Kind);
        Assert.Equal(StatusCode.InvalidArgument, verdict.Code);
        Assert.Equal(expectedMessage, verdict.Message);
    }

    public static async Task AllowedAsync(ModelInferRequest request, RequestValidationOptions? options = null, ModelSignature? signature = null)
    {
        var verdict = await InspectAsync(request, options, signature);
        Assert.True(verdict.Kind == VerdictKind.Allow, $"expected Allow, got {verdict}");
        Assert.Same(GuardVerdict.Allow, verdict);
    }
}
