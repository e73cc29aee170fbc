namespace Guard.ModelHost;

/// <summary>What the host reports about its work, for metrics; called on the inference thread, so keep it cheap.</summary>
public interface IInferenceObserver
{
    /// <summary>One Run finished (or failed): how many requests and rows it carried, how long the oldest waited, how long it ran.</summary>
    void BatchCompleted(string model, string version, int requests, int rows, TimeSpan oldestWait, TimeSpan run, bool succeeded);
}
