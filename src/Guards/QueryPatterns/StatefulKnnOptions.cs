using Guard.Guards.Pipeline;

namespace Guard.Guards.QueryPatterns;

/// <summary>
/// Parameters of stateful k-NN detection (Chen, Carlini and Wagner, "Stateful Detection of Black-Box Adversarial
/// Attacks", 2020): each client's recent queries are kept, and a query whose mean distance to its
/// <see cref="K"/> nearest earlier queries of the same client is below <see cref="Threshold"/> is part of an attack's
/// near-duplicate stream.
/// </summary>
/// <remarks>
/// Defaults are calibrated by <c>bench/knn</c> for the demo Fashion-MNIST model ([1,1,28,28] FP32 in [0, 1]) with the
/// built-in 8×8 <see cref="DownsampleEmbedder"/>; a different model, input range or embedder needs its own threshold
/// (<see cref="KnnCalibrator"/>).
/// </remarks>
public sealed record StatefulKnnOptions
{
    /// <summary>The most dimensions an embedding may have (the history ships every stored one per query).</summary>
    public const int MaxEmbeddingSize = 4096;

    /// <summary>Side of the built-in embedder's pooling grid: each image plane becomes Grid² values (64 at 8).</summary>
    public int EmbeddingGrid { get; init; } = 8;

    /// <summary>Lower end of the range embedding values are quantized over (one byte per dimension); clamped below.</summary>
    public float EmbeddingMin { get; init; }

    /// <summary>Upper end of the quantization range; clamped above. [0, 1] suits inputs in [0, 1] pooled by the built-in
    /// embedder (UINT8 inputs are read as value/255).</summary>
    public float EmbeddingMax { get; init; } = 1f;

    /// <summary>
    /// Neighbours averaged (the paper uses 50 with a 10,000-query history). 10 here: an attack that starts after a
    /// client's benign traffic has, at its j-th query, only j−1 near neighbours, and the mean over K only drops once most
    /// of the K are attack queries, so detection takes about K queries in that case; 10 keeps that within the target.
    /// </summary>
    public int K { get; init; } = 10;

    /// <summary>
    /// Earlier comparable queries a client needs before its queries are judged; below K, the mean is over all of them.
    /// 3 lets an attack be caught from its 4th query while a single retry of one benign input (distance 0) does not flag
    /// by itself: with three neighbours it is averaged with two unrelated ones.
    /// </summary>
    public int MinNeighbours { get; init; } = 3;

    /// <summary>Most recent queries kept per client and model (the paper's history buffer).</summary>
    public int HistoryCapacity { get; init; } = 500;

    /// <summary>How long a client's history is kept after its last query.</summary>
    public TimeSpan HistoryLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Mean k-NN L2 distance (embedding units) below which a query is detected. 0.42: the 0.03 % quantile of the
    /// Fashion-MNIST training set replayed as one client with benign augmentations and as is (bench/knn), which flags
    /// 0.055 % of the raw training replay, none of the augmented one and 0 of the 1,000 eval images, while noise and
    /// sign-step attack streams score 0.04–0.3 and are caught within 4 (fresh client) to 10 (after 500 benign) queries.
    /// </summary>
    public double Threshold { get; init; } = 0.42;

    public DetectionAction Action { get; init; } = DetectionAction.Reject;

    /// <summary>Checks the parameters and throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (EmbeddingGrid is < 1 or > 64)
        {
            throw new ArgumentException($"EmbeddingGrid must be in 1..64 (got {EmbeddingGrid}).", nameof(EmbeddingGrid));
        }

        if (!float.IsFinite(EmbeddingMin))
        {
            throw new ArgumentException($"EmbeddingMin must be finite (got {EmbeddingMin}).", nameof(EmbeddingMin));
        }

        if (!float.IsFinite(EmbeddingMax) || EmbeddingMax <= EmbeddingMin)
        {
            throw new ArgumentException($"EmbeddingMax must be finite and above EmbeddingMin (got {EmbeddingMax}).", nameof(EmbeddingMax));
        }

        if (HistoryCapacity is < 1 or > 100_000)
        {
            throw new ArgumentException($"HistoryCapacity must be in 1..100000 (got {HistoryCapacity}).", nameof(HistoryCapacity));
        }

        if (K < 1 || K > HistoryCapacity)
        {
            throw new ArgumentException($"K must be in 1..HistoryCapacity (got {K}).", nameof(K));
        }

        if (MinNeighbours < 1 || MinNeighbours > K)
        {
            throw new ArgumentException($"MinNeighbours must be in 1..K (got {MinNeighbours}).", nameof(MinNeighbours));
        }

        if (HistoryLifetime <= TimeSpan.Zero)
        {
            throw new ArgumentException($"HistoryLifetime must be positive (got {HistoryLifetime}).", nameof(HistoryLifetime));
        }

        if (!double.IsFinite(Threshold) || Threshold <= 0)
        {
            throw new ArgumentException($"Threshold must be a positive finite distance (got {Threshold}).", nameof(Threshold));
        }

        if (Action is null)
        {
            throw new ArgumentException("Action must be set.", nameof(Action));
        }
    }
}
