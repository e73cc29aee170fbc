using Guard.Rpc;

namespace Guard.RedTeam.Targets;

/// <summary>
/// What one query returned: the class probabilities (with their logarithms, which score-based attacks compare
/// because probabilities saturate at 1 in float32) or a refusal.
/// </summary>
public sealed class QueryResult
{
    private QueryResult(float[] probabilities, float[] logProbabilities, QueryRefusal? refusal)
    {
        Probabilities = probabilities;
        LogProbabilities = logProbabilities;
        Refusal = refusal;
        TopLabel = refusal is null ? ArgMax(probabilities, logProbabilities) : -1;
    }

    /// <summary>Softmax probabilities; empty when refused.</summary>
    public float[] Probabilities { get; }

    /// <summary>Natural logarithms of <see cref="Probabilities"/>, computed from the logits when the model gave logits.</summary>
    public float[] LogProbabilities { get; }

    public QueryRefusal? Refusal { get; }

    public bool IsRefused => Refusal is not null;

    /// <summary>The predicted class, or -1 when refused.</summary>
    public int TopLabel { get; }

    /// <summary>Scores from a model's output: used as probabilities when they already are some, else as logits.</summary>
    public static QueryResult FromOutput(ReadOnlySpan<float> output)
    {
        if (output.IsEmpty)
        {
            throw new ArgumentException("A model output needs at least one score.", nameof(output));
        }

        var (probabilities, logs) = ScoreNormalizer.Normalize(output);
        return new QueryResult(probabilities, logs, null);
    }

    public static QueryResult Refused(StatusCode code, string message) => new([], [], new QueryRefusal(code, message));

    /// <summary>
    /// Untargeted margin loss (Carlini–Wagner): log p(label) − max over other classes of log p. Negative exactly
    /// when the image is misclassified; on logits it equals the logit margin.
    /// </summary>
    public double Margin(int label)
    {
        if (IsRefused)
        {
            throw new InvalidOperationException("A refused query has no scores.");
        }

        var other = double.NegativeInfinity;
        for (var k = 0; k < LogProbabilities.Length; k++)
        {
            if (k != label && LogProbabilities[k] > other)
            {
                other = LogProbabilities[k];
            }
        }

        return LogProbabilities[label] - other;
    }

    private static int ArgMax(float[] probabilities, float[] logs)
    {
        // Log-probabilities separate classes that both round to probability 1 or 0.
        var best = 0;
        for (var i = 1; i < logs.Length; i++)
        {
            if (logs[i] > logs[best] || (logs[i] == logs[best] && probabilities[i] > probabilities[best]))
            {
                best = i;
            }
        }

        return best;
    }
}
