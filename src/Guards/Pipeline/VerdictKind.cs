namespace Guard.Guards.Pipeline;

public enum VerdictKind
{
    Allow,
    Block,
    Transform,

    /// <summary>A detecting stage judged the query an attack; see <see cref="GuardVerdict.Detection"/>. Flag and delay
    /// detections let the chain go on; the others end it.</summary>
    Detect,
}
