using System.Diagnostics;
using Guard.Gateway.Detections;

namespace Guard.Gateway.Tests.Detections;

/// <summary>The delay action is a floor: the wait is never shorter than configured, even by a timer tick.</summary>
public sealed class DetectionDelayTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(17)]
    [InlineData(50)]
    public async Task Waits_no_less_than_the_delay(int milliseconds)
    {
        var delay = TimeSpan.FromMilliseconds(milliseconds);
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var started = Stopwatch.GetTimestamp();
            await DetectionResponder.DelayAtLeastAsync(delay, CancellationToken.None);
            Assert.True(Stopwatch.GetElapsedTime(started) >= delay, $"attempt {attempt} waited {Stopwatch.GetElapsedTime(started)}");
        }
    }

    [Fact]
    public async Task Stops_when_the_call_is_cancelled()
    {
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(20));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => DetectionResponder.DelayAtLeastAsync(TimeSpan.FromMinutes(5), cancellation.Token));
    }
}
