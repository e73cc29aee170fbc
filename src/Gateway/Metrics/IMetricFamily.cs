namespace Guard.Gateway.Metrics;

/// <summary>What the registry needs from a counter, gauge or histogram family to check names and write a scrape.</summary>
internal interface IMetricFamily
{
    string Name { get; }

    /// <summary>Every sample name the family writes (a histogram writes three), so the registry can refuse clashes.</summary>
    IReadOnlyList<string> SampleNames { get; }

    /// <summary>Writes <c># HELP</c>, <c># TYPE</c> and the samples; writes nothing while the family has no series.</summary>
    void WriteTo(TextWriter writer);
}
