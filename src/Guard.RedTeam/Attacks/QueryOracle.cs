using Guard.RedTeam.Targets;

namespace Guard.RedTeam.Attacks;

/// <summary>
/// The harness between an attack and its target: counts queries against the budget, records refusals (and halts
/// at the first when told to), and judges success itself — any queried image that is misclassified and within
/// the threat model ends the run — so an attack cannot claim an example the target never saw.
/// </summary>
internal sealed class QueryOracle
{
    private readonly IBlackBoxTarget _target;
    private readonly AttackInput _input;
    private readonly AttackRunOptions _run;
    private readonly PerturbationConstraint _constraint;
    private bool _armed;
    private bool _noStart;
    private float[]? _lastQueried;
    private float[]? _iterate;
    private double _closestMisclassifiedL2 = double.PositiveInfinity;

    public QueryOracle(IBlackBoxTarget target, AttackInput input, AttackRunOptions run, PerturbationConstraint constraint)
    {
        _target = target;
        _input = input;
        _run = run;
        _constraint = constraint;
    }

    public float[] Original => _input.Image;

    public int Label => _input.Label;

    public ImageShape Shape => _input.Shape;

    public int Dimension => _input.Image.Length;

    public int Queries { get; private set; }

    public int RemainingQueries => _run.QueryBudget - Queries;

    public int? FirstRefusal { get; private set; }

    public QueryRefusal? FirstRefusalDetail { get; private set; }

    public int RefusedQueries { get; private set; }

    public int? SuccessQuery { get; private set; }

    public bool StoppedAtDetection { get; private set; }

    public float[]? Adversarial { get; private set; }

    public int? AdversarialLabel { get; private set; }

    /// <summary>
    /// The attack's current iterate (not a probe around it): what an unsuccessful run reports the norms of when it
    /// has no misclassified image. Copied.
    /// </summary>
    public void ReportIterate(float[] image) => _iterate = (float[])image.Clone();

    /// <summary>Set by a decision-based attack that found no adversarial starting point and gives up.</summary>
    public void GiveUpWithoutStart() => _noStart = true;

    /// <summary>From now on a misclassified image counts as a success (the clean image's own query does not).</summary>
    public void Arm() => _armed = true;

    /// <exception cref="AttackHaltedException">The budget is spent, the image succeeded, or the target refused with stop-at-first-detection.</exception>
    public async ValueTask<QueryResult> QueryAsync(float[] image, CancellationToken cancellationToken)
    {
        if (Queries >= _run.QueryBudget)
        {
            throw new AttackHaltedException("The query budget is spent.");
        }

        Queries++;
        var result = await _target.QueryAsync(image, cancellationToken);
        _lastQueried = (float[])image.Clone();
        if (result.Refusal is { } refusal)
        {
            RefusedQueries++;
            if (FirstRefusal is null)
            {
                FirstRefusal = Queries;
                FirstRefusalDetail = refusal;
            }

            if (_run.StopAtFirstDetection)
            {
                StoppedAtDetection = true;
                throw new AttackHaltedException("The target refused a query.");
            }

            return result;
        }

        if (_armed && result.TopLabel != _input.Label)
        {
            RecordMisclassified(image, result.TopLabel);
        }

        return result;
    }

    /// <summary>The top-1 decision only (decision-based attacks): true when misclassified; a refusal reads as not adversarial.</summary>
    public async ValueTask<bool> IsAdversarialAsync(float[] image, CancellationToken cancellationToken)
    {
        var result = await QueryAsync(image, cancellationToken);
        return !result.IsRefused && result.TopLabel != _input.Label;
    }

    /// <summary>The margin loss of a query (negative when misclassified); +∞ for a refusal, which so never looks like progress.</summary>
    public async ValueTask<double> MarginAsync(float[] image, CancellationToken cancellationToken)
    {
        var result = await QueryAsync(image, cancellationToken);
        return result.IsRefused ? double.PositiveInfinity : result.Margin(_input.Label);
    }

    public AttackResult ToResult(string attack, bool originalMisclassified)
    {
        var outcome = originalMisclassified ? AttackOutcome.OriginalMisclassified
            : SuccessQuery is not null ? AttackOutcome.Succeeded
            : StoppedAtDetection ? AttackOutcome.StoppedAtDetection
            : _noStart && FirstRefusal is null ? AttackOutcome.NoStartingPoint
            : AttackOutcome.Failed;
        var measured = Adversarial ?? _iterate ?? _lastQueried;
        return new AttackResult
        {
            Attack = attack,
            Outcome = outcome,
            Queries = Queries,
            SuccessQuery = SuccessQuery,
            FirstRefusal = FirstRefusal,
            FirstRefusalCode = FirstRefusalDetail?.Code,
            FirstRefusalMessage = FirstRefusalDetail?.Message,
            RefusedQueries = RefusedQueries,
            Adversarial = Adversarial,
            AdversarialLabel = AdversarialLabel,
            L2 = measured is null ? null : VectorMath.L2Distance(_input.Image, measured),
            LInf = measured is null ? null : VectorMath.LInfDistance(_input.Image, measured),
        };
    }

    private void RecordMisclassified(float[] image, int label)
    {
        var allowed = _constraint.Allows(_input.Image, image);
        var l2 = VectorMath.L2Distance(_input.Image, image);
        if (allowed || l2 < _closestMisclassifiedL2)
        {
            // Without a success yet, keep the closest misclassified image: the decision-based attacks' best effort.
            _closestMisclassifiedL2 = l2;
            Adversarial = (float[])image.Clone();
            AdversarialLabel = label;
        }

        if (allowed)
        {
            SuccessQuery ??= Queries;
            if (_run.StopAtSuccess)
            {
                throw new AttackHaltedException("A misclassified image within the threat model was found.");
            }
        }
    }
}
