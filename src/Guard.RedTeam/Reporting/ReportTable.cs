using System.Globalization;
using Spectre.Console;

namespace Guard.RedTeam.Reporting;

/// <summary>The summary table: one row per attack, baseline and guarded results side by side, then the benign FPR.</summary>
public static class ReportTable
{
    public static Table Build(RedTeamReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var table = new Table().Border(TableBorder.Rounded).Title("guard redteam");
        table.AddColumn("attack");
        table.AddColumn(new TableColumn("runs").RightAligned());
        table.AddColumn(new TableColumn("baseline success %").RightAligned());
        table.AddColumn(new TableColumn("baseline median queries").RightAligned());
        table.AddColumn(new TableColumn("no start").RightAligned());
        table.AddColumn(new TableColumn("detection %").RightAligned());
        table.AddColumn(new TableColumn("median queries to detection").RightAligned());
        table.AddColumn(new TableColumn("p90").RightAligned());
        table.AddColumn(new TableColumn("success before detection %").RightAligned());
        foreach (var attack in report.Attacks)
        {
            table.AddRow(
                Markup.Escape($"{attack.Attack} ({attack.ThreatModel})"),
                attack.Guarded.Runs.ToString(CultureInfo.InvariantCulture),
                attack.Baseline is { } b ? Percent(b.SuccessRate) : "-",
                Number(attack.Baseline?.MedianQueriesToSuccess),
                attack.Guarded.NeverStarted.ToString(CultureInfo.InvariantCulture),
                Percent(attack.Guarded.DetectionRate),
                Number(attack.Guarded.MedianQueriesToDetection),
                Number(attack.Guarded.P90QueriesToDetection),
                Percent(attack.Guarded.SuccessBeforeDetectionRate));
        }

        if (report.Benign is { } benign)
        {
            table.Caption(Markup.Escape(
                $"benign replay: {benign.Refused}/{benign.Queries} refused, false-positive rate {Percent(benign.FalsePositiveRate)} %\n" +
                "no start: runs whose decision-based attack found no misclassified starting point and gave up (left out of detection %)"));
        }

        return table;
    }

    private static string Percent(double rate) => (rate * 100).ToString("0.#", CultureInfo.InvariantCulture);

    private static string Number(double? value) => value is { } v ? v.ToString("0.#", CultureInfo.InvariantCulture) : "-";
}
