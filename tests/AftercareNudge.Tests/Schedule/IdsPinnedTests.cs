using AftercareNudge.Schedule;
using AftercareNudge.Tests.Storage;

namespace AftercareNudge.Tests.Schedule;

/// <summary>
/// Pins what is stored or published, so moving code cannot change it (issue 20.7). A failure here
/// means stored data or a published format changed: that is a migration, not a refactor.
/// </summary>
/// <remarks>
/// Every id <see cref="Ids"/> mints (its shape) and every form it accepts back (a path, a callback's
/// query, a provider's custom args): stored rows and messages in flight carry them.
/// </remarks>
public sealed class IdsPinnedTests
{
    private const string CheckIn = PinnedApp.CheckInId;
    private const string Sid = PinnedApp.MessageSid;

    [Fact]
    public void Ids_PrefixesAndSuffixes_AreThese()
    {
        Assert.Equal(
            ["ev_", "ci_", "chg_", "-fb", "-nt", "rl-", "dev-"],
            [Ids.EventPrefix, Ids.CheckInPrefix, Ids.ChangePrefix, Ids.FallbackSuffix, Ids.NoticeSuffix, Ids.RelayPrefix, Ids.DevelopmentMessagePrefix]);
        Assert.Equal(64, Ids.MaxMessageIdLength);
    }

    [Fact]
    public void Ids_Minted_HaveTheseShapes()
    {
        Assert.Matches("^ev_[0-9a-f]{24}$", Ids.New(Ids.EventPrefix));
        Assert.Matches("^ci_[0-9a-f]{24}$", Ids.New(Ids.CheckInPrefix));
        Assert.Matches("^chg_[0-9a-f]{24}$", Ids.New(Ids.ChangePrefix));
        Assert.Matches("^dev-[0-9a-f]{32}$", Ids.NewDevelopmentMessageId());
    }

    [Fact]
    public void Ids_FollowUpsAndRelays_AreTheCheckInOrMessageIdWithAffixes()
    {
        Assert.Equal("ci_89abcdef0123456789abcdef-fb", Ids.FallbackId(CheckIn));
        Assert.Equal("ci_89abcdef0123456789abcdef-nt", Ids.NoticeId(CheckIn));
        Assert.Equal("ci_89abcdef0123456789abcdef-fb-nt", Ids.NoticeId(Ids.FallbackId(CheckIn)));
        Assert.Equal("rl-SM0123456789abcdef0123456789abcdef", Ids.RelayId(Sid));
        Assert.Equal(Sid, Ids.RelayedMessageId("rl-SM0123456789abcdef0123456789abcdef"));
        Assert.Equal("rl-dev-0123456789abcdef0123456789abcdef", Ids.RelayId("dev-0123456789abcdef0123456789abcdef"));
    }

    [Theory]
    [InlineData("ev_0123456789abcdef01234567", true)]
    [InlineData("ev_0123456789ABCDEF01234567", false)]
    [InlineData("ev_0123456789abcdef0123456", false)]
    [InlineData("ev_0123456789abcdef012345678", false)]
    [InlineData("ev-0123456789abcdef01234567", false)]
    [InlineData("ci_0123456789abcdef01234567", false)]
    [InlineData("ev_0123456789abcdef0123456g", false)]
    [InlineData("", false)]
    public void IsEventId_AcceptsOnlyEvAnd24LowercaseHexDigits(string id, bool accepted)
    {
        Assert.Equal(accepted, Ids.IsEventId(id));
        Assert.Equal(accepted, Ids.IsOurs(id, Ids.EventPrefix));
    }

    [Theory]
    [InlineData(CheckIn, true)]
    [InlineData(CheckIn + "-fb", true)]
    [InlineData(CheckIn + "-nt", true)]
    [InlineData(CheckIn + "-fb-nt", true)]
    [InlineData("rl-" + Sid, true)]
    [InlineData("rl-dev-0123456789abcdef0123456789abcdef", true)]
    [InlineData("rl-MM_any-Inbound-id", true)]
    [InlineData(CheckIn + "-nt-fb", false)]
    [InlineData(CheckIn + "-fb-fb", false)]
    [InlineData(CheckIn + "-nt-nt", false)]
    [InlineData(CheckIn + "-rl", false)]
    [InlineData("ci_89ABCDEF0123456789abcdef", false)]
    [InlineData("ci_89abcdef0123456789abcde", false)]
    [InlineData("ev_0123456789abcdef01234567", false)]
    [InlineData("chg_0123456789abcdef01234567", false)]
    [InlineData("rl-", false)]
    [InlineData("rl-SM 0123", false)]
    [InlineData("rl-SM/0123", false)]
    [InlineData("rl-SMé0123", false)]
    [InlineData("RL-" + Sid, false)]
    [InlineData(Sid, false)]
    [InlineData("", false)]
    public void IsCheckInId_AcceptsCheckInsTheirFollowUpsAndRelays(string id, bool accepted)
    {
        Assert.Equal(accepted, Ids.IsCheckInId(id));
    }

    [Theory]
    [InlineData("rl-" + Sid, true)]
    [InlineData("rl-dev-0123456789abcdef0123456789abcdef", true)]
    [InlineData("rl-" + CheckIn, true)]
    [InlineData(CheckIn, false)]
    [InlineData("rl-", false)]
    [InlineData("rl-a b", false)]
    public void IsRelayId_IsRlAndAMessageIdWeActOn(string id, bool accepted)
    {
        Assert.Equal(accepted, Ids.IsRelayId(id));
    }

    [Theory]
    [InlineData(Sid, true)]
    [InlineData("dev-0123456789abcdef0123456789abcdef", true)]
    [InlineData("MM_any-Inbound-id", true)]
    [InlineData("a", true)]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", true)]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false)]
    [InlineData("", false)]
    [InlineData("SM 0123", false)]
    [InlineData("SM0123/", false)]
    [InlineData("SM0123.", false)]
    [InlineData("SMé123", false)]
    [InlineData("SM0123\u200b", false)]
    public void IsMessageId_IsUpTo64AsciiLettersDigitsDashesAndUnderscores(string id, bool accepted)
    {
        Assert.Equal(accepted, Ids.IsMessageId(id));
        if (accepted)
        {
            Assert.Equal("rl-" + id, Ids.RelayId(id));
        }
        else
        {
            Assert.Throws<ArgumentException>(() => Ids.RelayId(id));
        }
    }

    [Fact]
    public void RelayedMessageId_NotARelayId_Throws()
    {
        Assert.Throws<ArgumentException>(() => Ids.RelayedMessageId(CheckIn));
        Assert.Throws<ArgumentException>(() => Ids.RelayedMessageId("rl-"));
    }
}
