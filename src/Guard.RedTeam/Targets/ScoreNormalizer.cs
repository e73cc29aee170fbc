namespace Guard.RedTeam.Targets;

/// <summary>Turns a model's output into probabilities: kept when it already is a distribution, else softmax of logits.</summary>
internal static class ScoreNormalizer
{
    private const double SumTolerance = 1e-3;

    public static (float[] Probabilities, float[] LogProbabilities) Normalize(ReadOnlySpan<float> output)
    {
        var probabilities = new float[output.Length];
        var logs = new float[output.Length];
        if (IsDistribution(output))
        {
            for (var i = 0; i < output.Length; i++)
            {
                probabilities[i] = output[i];
                logs[i] = (float)Math.Log(Math.Max(output[i], double.Epsilon));
            }

            return (probabilities, logs);
        }

        // Log-softmax in double: exact margins even when float32 probabilities saturate.
        var max = double.NegativeInfinity;
        foreach (var value in output)
        {
            max = Math.Max(max, value);
        }

        var sum = 0.0;
        foreach (var value in output)
        {
            sum += Math.Exp(value - max);
        }

        var logSum = max + Math.Log(sum);
        for (var i = 0; i < output.Length; i++)
        {
            var log = output[i] - logSum;
            logs[i] = (float)log;
            probabilities[i] = (float)Math.Exp(log);
        }

        return (probabilities, logs);
    }

    private static bool IsDistribution(ReadOnlySpan<float> output)
    {
        var sum = 0.0;
        foreach (var value in output)
        {
            if (!float.IsFinite(value) || value < 0f || value > 1f)
            {
                return false;
            }

            sum += value;
        }

        return Math.Abs(sum - 1.0) <= SumTolerance;
    }
}
