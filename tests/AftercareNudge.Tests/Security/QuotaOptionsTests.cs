using AftercareNudge.Security;

namespace AftercareNudge.Tests.Security;

public sealed class QuotaOptionsTests
{
    [Fact]
    public void Defaults_HaveNoProblems() => Assert.Empty(new QuotaOptions().Problems());

    [Fact]
    public void ZeroQuotas_AreRefused_WithWhatEachMeans()
    {
        var problems = new QuotaOptions { NewAddressesPerDay = 0, MessagesPerDay = -1 }.Problems().ToList();

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("Api:Quotas:NewAddressesPerDay must be at least 1", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Api:Quotas:MessagesPerDay must be at least 1", StringComparison.Ordinal));
    }

    [Fact]
    public void NextDay_IsTheNextUtcMidnight()
    {
        Assert.Equal(new DateTimeOffset(2026, 12, 8, 0, 0, 0, TimeSpan.Zero), ClientQuotas.NextDay(new DateTimeOffset(2026, 12, 7, 23, 59, 59, TimeSpan.Zero)));
        Assert.Equal(new DateTimeOffset(2026, 12, 8, 0, 0, 0, TimeSpan.Zero), ClientQuotas.NextDay(new DateTimeOffset(2026, 12, 7, 20, 0, 0, TimeSpan.FromHours(-5))).AddDays(-1));
    }
}
