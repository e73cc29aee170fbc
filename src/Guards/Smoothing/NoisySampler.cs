using System.Buffers;

namespace Guard.Guards.Smoothing;

/// <summary>
/// Draws noisy copies x + ε of one input in batches, runs the base classifier once per batch and counts its answers.
/// With <c>overlap</c>, the noise of the next batch is generated on another thread while the classifier works on the
/// current one; the numbers drawn, and so the results, are the same either way.
/// </summary>
internal sealed class NoisySampler : IDisposable
{
    private readonly IBaseClassifier _classifier;
    private readonly ReadOnlyMemory<float> _input;
    private readonly GaussianNoise _noise;
    private readonly float _sigma;
    private readonly int _batchSize;
    private readonly bool _overlap;
    private readonly float[][] _buffers;
    private int _current;
    private int _prepared; // rows of noisy copies already in _buffers[_current]

    public NoisySampler(IBaseClassifier classifier, ReadOnlyMemory<float> input, GaussianNoise noise, float sigma, int batchSize, bool overlap)
    {
        if (input.IsEmpty)
        {
            throw new ArgumentException("The input is empty.", nameof(input));
        }
        var batchLength = (long)batchSize * input.Length;
        if (batchLength > Array.MaxLength)
        {
            throw new ArgumentException($"A batch of {batchSize} copies of {input.Length} floats exceeds the largest array; lower BatchSize.", nameof(batchSize));
        }
        _classifier = classifier;
        _input = input;
        _noise = noise;
        _sigma = sigma;
        _batchSize = batchSize;
        _overlap = overlap;
        _buffers = overlap
            ? [ArrayPool<float>.Shared.Rent((int)batchLength), ArrayPool<float>.Shared.Rent((int)batchLength)]
            : [ArrayPool<float>.Shared.Rent((int)batchLength)];
    }

    /// <summary>
    /// Classifies <paramref name="samples"/> noisy copies, adding the answers to <paramref name="counts"/>.
    /// <paramref name="upcoming"/>: how many samples the caller may ask for next, so the noise of that call's first batch
    /// can be prepared meanwhile (0: none).
    /// </summary>
    public async ValueTask SampleAsync(int samples, ClassCounts counts, int upcoming, CancellationToken cancellationToken)
    {
        var remaining = samples;
        while (remaining > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rows = Math.Min(remaining, _batchSize);
            if (_prepared != rows)
            {
                Fill(_buffers[_current], rows);
            }
            _prepared = 0;
            remaining -= rows;
            var nextRows = Math.Min(remaining > 0 ? remaining : upcoming, _batchSize);
            var length = rows * _input.Length;

            Task? next = null;
            if (_overlap && nextRows > 0)
            {
                var buffer = _buffers[1 - _current];
                next = Task.Run(() => Fill(buffer, nextRows), CancellationToken.None);
            }
            int[] labels;
            try
            {
                labels = await _classifier.ClassifyAsync(_buffers[_current].AsMemory(0, length), rows, cancellationToken);
            }
            finally
            {
                // The background fill writes into a rented buffer: it must end before anything can return it.
                if (next is not null)
                {
                    await next;
                }
            }
            if (labels.Length != rows)
            {
                throw new InvalidOperationException($"The base classifier returned {labels.Length} labels for {rows} rows.");
            }
            counts.Add(labels);
            if (next is not null)
            {
                _current = 1 - _current;
                _prepared = nextRows;
            }
        }
    }

    public void Dispose()
    {
        foreach (var buffer in _buffers)
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    private void Fill(float[] buffer, int rows) => _noise.AddNoise(_input.Span, buffer.AsSpan(0, rows * _input.Length), _sigma);
}
