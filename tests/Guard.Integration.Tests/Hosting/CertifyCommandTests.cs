using Guard.Integration.Tests.Infrastructure;
using Guard.TestSupport;

namespace Guard.Integration.Tests.Hosting;

/// <summary><c>guard certify</c> as a process on the σ = 0.25 demo model (small n to stay quick).</summary>
public sealed class CertifyCommandTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private readonly string _directory = Directory.CreateTempSubdirectory("guard-certify-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static Dictionary<string, string> Environment => new() { ["GUARD_ORT_LIBRARY"] = TempModelRepository.OrtLibrary };

    [Fact]
    public async Task Certifies_the_first_images_and_writes_csv_curve_and_svg()
    {
        var output = Path.Combine(_directory, "cert");
        var result = await GuardCli.RunAsync(RepositoryRoot.Path, Timeout, Environment,
            "certify", "--model", "fashion_cnn_s025", "--sigma", "0.25", "--limit", "3", "--n", "300", "--n0", "20", "--batch", "100", "--out", output);

        Assert.True(result.ExitCode == 0, result.ToString());
        var csv = await File.ReadAllLinesAsync(output + ".csv");
        Assert.Equal(4, csv.Length);
        Assert.StartsWith("0,9,", csv[1], StringComparison.Ordinal); // image 0 is an ankle boot (label 9)
        Assert.All(csv.Skip(1), line => Assert.Equal("320", line.Split(',')[5])); // n0 + n samples, fixed n
        Assert.Contains("\"certifiedAccuracy\"", await File.ReadAllTextAsync(output + ".curve.json"), StringComparison.Ordinal);
        Assert.StartsWith("<svg", await File.ReadAllTextAsync(output + ".svg"), StringComparison.Ordinal);
        Assert.Contains("| fashion_cnn_s025 |", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_arguments_exit_2_with_the_reason()
    {
        var unknown = await GuardCli.RunAsync(RepositoryRoot.Path, Timeout, Environment, "certify", "--model", "no_such_model", "--sigma", "0.25", "--limit", "1");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("no_such_model", unknown.Stderr, StringComparison.Ordinal);

        var sigma = await GuardCli.RunAsync(RepositoryRoot.Path, Timeout, Environment, "certify", "--model", "fashion_cnn_s025", "--sigma", "-1");
        Assert.Equal(2, sigma.ExitCode);
        Assert.Contains("Sigma", sigma.Stderr, StringComparison.Ordinal);
    }
}
