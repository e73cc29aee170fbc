namespace Guard.Bench.Fingerprint;

/// <summary>
/// Synthetic query streams shaped like query-based black-box attacks: every query is a small perturbation of the
/// attacker's current point, which is what the fingerprint has to catch.
/// </summary>
internal static class AttackStreams
{
    public static readonly string[] Kinds = ["sparse-walk", "dense-noise", "square-patch"];

    /// <summary>Builds <paramref name="count"/> queries starting from <paramref name="image"/>.</summary>
    /// <remarks>
    /// sparse-walk: cumulative random walk, 10 random pixels ±1..3/255 per query (boundary-walk attacks' small steps).
    /// dense-noise: original + independent Gaussian noise σ = 1/255 on every pixel (HopSkipJump's gradient-estimation probes).
    /// square-patch: current best + a random 4×4 patch set to ±0.05 (Square attack's proposals; kept when "accepted",
    /// here every other proposal).
    /// </remarks>
    public static List<float[]> Build(string kind, float[] image, int cols, int count, Random random)
    {
        var queries = new List<float[]>(count) { (float[])image.Clone() };
        var current = (float[])image.Clone();
        while (queries.Count < count)
        {
            var q = (float[])current.Clone();
            switch (kind)
            {
                case "sparse-walk":
                    for (int k = 0; k < 10; k++)
                    {
                        int p = random.Next(q.Length);
                        q[p] = Math.Clamp(q[p] + (random.Next(1, 4) * (random.Next(2) == 0 ? -1 : 1) / 255f), 0f, 1f);
                    }

                    current = q;
                    break;
                case "dense-noise":
                    for (int p = 0; p < q.Length; p++)
                    {
                        q[p] = Math.Clamp(image[p] + ((float)Gaussian(random) / 255f), 0f, 1f);
                    }

                    break;
                case "square-patch":
                    int rows = q.Length / cols, r0 = random.Next(rows - 3), c0 = random.Next(cols - 3);
                    float delta = random.Next(2) == 0 ? -0.05f : 0.05f;
                    for (int r = r0; r < r0 + 4; r++)
                    {
                        for (int c = c0; c < c0 + 4; c++)
                        {
                            q[(r * cols) + c] = Math.Clamp(image[(r * cols) + c] + delta, 0f, 1f);
                        }
                    }

                    if (queries.Count % 2 == 0)
                    {
                        current = q;
                    }

                    break;
                default:
                    throw new ArgumentException($"unknown attack kind {kind}", nameof(kind));
            }

            queries.Add(q);
        }

        return queries;
    }

    private static double Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
