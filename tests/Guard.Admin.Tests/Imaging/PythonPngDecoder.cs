using System.Diagnostics;
using System.Text.Json;

namespace Guard.Admin.Tests.Imaging;

/// <summary>A PNG as <c>png_decode.py</c> read it.</summary>
public sealed record DecodedPng(int Width, int Height, int BitDepth, int ColorType, string[] Chunks, byte[] Pixels);

/// <summary>Decodes PNGs with an independent implementation (Python's zlib and struct, not .NET's), so that a bug
/// shared by our encoder and a .NET-based check cannot hide.</summary>
public static class PythonPngDecoder
{
    private const string Python = "/usr/bin/python3";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<DecodedPng> DecodeAsync(byte[] png)
    {
        Assert.True(File.Exists(Python), $"{Python} is needed for the independent PNG decoder.");
        var script = Path.Combine(AppContext.BaseDirectory, "Imaging", "png_decode.py");
        var start = new ProcessStartInfo(Python)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(script);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.BaseStream.WriteAsync(png);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"png_decode.py rejected the PNG: {await stderr}");
        return JsonSerializer.Deserialize<DecodedPng>(await stdout, Json) ?? throw new InvalidOperationException("no output");
    }
}
