namespace Guard.RedTeam.Running;

/// <summary>Everything one <c>guard redteam</c> invocation needs, as the command line gave it.</summary>
public sealed record RedTeamSettings
{
    public const string DefaultEvalSet = "models/eval/fashion_eval_1000.bin";

    /// <summary>The guarded endpoint (http:// or https://).</summary>
    public required Uri Endpoint { get; init; }

    public required string Model { get; init; }

    public string? ModelVersion { get; init; }

    /// <summary>The same model unguarded, for the baseline columns; none: no baseline.</summary>
    public Uri? BaselineEndpoint { get; init; }

    /// <summary>The baseline's model name; null: <see cref="Model"/>.</summary>
    public string? BaselineModel { get; init; }

    public string? BaselineApiKey { get; init; }

    /// <summary>Attack clients' API keys: run i uses key i mod count. Empty: every run is the same anonymous client.</summary>
    public IReadOnlyList<string> ApiKeys { get; init; } = [];

    /// <summary>The benign client's key, apart from the attackers' so that its history is its own.</summary>
    public string? BenignApiKey { get; init; }

    /// <summary>Images to attack (GFEV or IDX images with labels).</summary>
    public string EvalSet { get; init; } = DefaultEvalSet;

    /// <summary>Images the benign client replays; null: <see cref="EvalSet"/>.</summary>
    public string? BenignSet { get; init; }

    /// <summary>Benign queries; 0 skips the replay.</summary>
    public int BenignLimit { get; init; } = 1000;

    public string? ReportPath { get; init; }

    public RedTeamOptions Run { get; init; } = new();

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>(Run.Validate());
        CheckAddress(Endpoint, "--endpoint", errors);
        if (BaselineEndpoint is not null)
        {
            CheckAddress(BaselineEndpoint, "--baseline-endpoint", errors);
        }

        if (string.IsNullOrWhiteSpace(Model))
        {
            errors.Add("--model must name the model.");
        }

        if (BenignLimit < 0)
        {
            errors.Add("--benign-limit must not be negative (0 skips the benign replay).");
        }

        if (!File.Exists(EvalSet))
        {
            errors.Add($"The evaluation set '{EvalSet}' does not exist (--eval-set).");
        }

        if (BenignLimit > 0 && BenignSet is not null && !File.Exists(BenignSet))
        {
            errors.Add($"The benign set '{BenignSet}' does not exist (--benign-set).");
        }

        if (ApiKeys.Any(k => k.Any(c => c < 0x21 || c > 0x7E)) || BenignApiKey?.Any(c => c < 0x21 || c > 0x7E) == true)
        {
            errors.Add("API keys must be printable ASCII without spaces.");
        }

        return errors;
    }

    private static void CheckAddress(Uri address, string option, List<string> errors)
    {
        if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add($"{option} must be an http:// (h2c) or https:// address, such as http://127.0.0.1:8001.");
        }
    }
}
