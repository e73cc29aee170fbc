namespace Guard.Guards.Pipeline;

public enum VerdictKind
{
    Allow,
    Block,
    Transform,
}
