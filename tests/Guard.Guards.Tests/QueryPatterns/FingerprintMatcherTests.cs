using Guard.Guards.QueryPatterns;

namespace Guard.Guards.Tests.QueryPatterns;

/// <summary>The reference index counts shared hashes against the best earlier query and forgets the oldest when full.</summary>
public sealed class FingerprintMatcherTests
{
    [Fact]
    public void Reports_the_earlier_query_sharing_the_most_hashes()
    {
        var matcher = new FingerprintMatcher(capacity: 10, threshold: 3);
        Assert.Equal(new FingerprintMatch(0, -1, 0, false), matcher.MatchAndAdd([1, 2, 3, 4]));
        Assert.Equal(new FingerprintMatch(1, 0, 2, false), matcher.MatchAndAdd([3, 4, 5, 6]));
        Assert.Equal(new FingerprintMatch(2, 1, 3, true), matcher.MatchAndAdd([4, 5, 6, 9]));
        Assert.Equal(new FingerprintMatch(-1, 2, 4, true), matcher.Match([4, 5, 6, 9]));
        Assert.Equal(3, matcher.Count);
    }

    [Fact]
    public void Duplicate_hashes_in_one_fingerprint_count_once()
    {
        var matcher = new FingerprintMatcher(capacity: 10, threshold: 2);
        matcher.Add([7, 7, 7, 8]);
        Assert.Equal(2, matcher.Match([7, 8, 9]).SharedHashes);
    }

    [Fact]
    public void Forgets_the_oldest_query_when_full()
    {
        var matcher = new FingerprintMatcher(capacity: 2, threshold: 1);
        matcher.Add([1, 2]);
        matcher.Add([2, 3]);
        matcher.Add([3, 4]);
        Assert.Equal(2, matcher.Count);
        Assert.Equal(0, matcher.Match([1]).SharedHashes);
        var match = matcher.Match([2]);
        Assert.Equal((1L, 1), (match.BestMatchId, match.SharedHashes));
    }

    [Fact]
    public void Empty_fingerprints_never_match() =>
        Assert.False(new FingerprintMatcher(4, 1).MatchAndAdd([]).Flagged);
}
