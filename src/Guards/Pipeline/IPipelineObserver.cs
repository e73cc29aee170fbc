namespace Guard.Guards.Pipeline;

/// <summary>Receives each stage's timing as it completes (metrics, tracing).</summary>
public interface IPipelineObserver
{
    void OnStage(string model, StageTiming timing);
}
