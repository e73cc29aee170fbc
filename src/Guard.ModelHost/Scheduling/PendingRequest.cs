using System.Diagnostics;

namespace Guard.ModelHost.Scheduling;

/// <summary>
/// A validated request waiting for, or in, a Run: inputs in the model's input order, its rows (first dimension)
/// and the outputs it wants. Completes exactly once: with outputs, an error, or cancellation.
/// </summary>
internal sealed class PendingRequest(InferenceTensor[] inputs, int rows, int[] outputIndices)
{
    private CancellationTokenRegistration _cancellation;

    /// <summary>Inputs in the model's input order.</summary>
    public InferenceTensor[] Inputs { get; } = inputs;

    public int Rows { get; } = rows;

    /// <summary>Indices into the model's outputs, in the order the client asked for them.</summary>
    public int[] OutputIndices { get; } = outputIndices;

    public long EnqueuedAt { get; private set; }

    public TaskCompletionSource<InferenceResponse> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsCompleted => Completion.Task.IsCompleted;

    /// <summary>Two requests share a Run when every input has the same dimensions after the first.</summary>
    public bool CanShareRunWith(PendingRequest other)
    {
        for (var i = 0; i < Inputs.Length; i++)
        {
            var a = Inputs[i].Shape;
            var b = other.Inputs[i].Shape;
            if (a.Count != b.Count)
            {
                return false;
            }
            for (var d = 1; d < a.Count; d++)
            {
                if (a[d] != b[d])
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Marks the time of queueing and lets the caller's cancellation complete the request while it waits.</summary>
    public void Enqueued(CancellationToken cancellationToken)
    {
        EnqueuedAt = Stopwatch.GetTimestamp();
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(
                static (state, token) => ((PendingRequest)state!).Completion.TrySetCanceled(token), this);
        }
    }

    public void Succeed(InferenceResponse response)
    {
        Completion.TrySetResult(response);
        _cancellation.Dispose();
    }

    public void Fail(Exception exception)
    {
        Completion.TrySetException(exception);
        _cancellation.Dispose();
    }
}
