using System.Text.RegularExpressions;
using AftercareNudge.Dispatch;
using AftercareNudge.Events;

namespace AftercareNudge.Tests.Events;

/// <summary>
/// The shapes of the ids the app mints, as stored rows already carry them (<c>checkin-&lt;id&gt;</c>,
/// the due index, providers' custom args and callback URLs): pinned, so that making one class the
/// authority on them moves none.
/// </summary>
public sealed partial class IdsTests
{
    private const string TwilioSid = "SM0123456789abcdef0123456789abcdef";
    private const string CheckIn = "ci_0123456789abcdef01234567";

    [Theory]
    [InlineData("ev_")]
    [InlineData("ci_")]
    [InlineData("chg_")]
    public void New_EachPrefix_IsThePrefixAnd24LowercaseHexDigits(string prefix)
    {
        var id = Ids.New(prefix);

        Assert.Matches("^" + Regex.Escape(prefix) + "[0-9a-f]{24}$", id);
        Assert.NotEqual(id, Ids.New(prefix));
    }

    [Fact]
    public void Prefixes_AreTheOnesStoredRowsCarry()
    {
        Assert.Equal(("ev_", "ci_", "chg_"), (Ids.EventPrefix, Ids.CheckInPrefix, Ids.ChangePrefix));
    }

    [Fact]
    public void FollowUpIds_AreTheCheckInIdWithASuffix()
    {
        Assert.Equal(CheckIn + "-fb", CheckIn + DeliveryFollowUps.FallbackSuffix);
        Assert.Equal(CheckIn + "-nt", CheckIn + DeliveryFollowUps.NoticeSuffix);
        Assert.Equal(CheckIn + "-fb-nt", CheckIn + DeliveryFollowUps.FallbackSuffix + DeliveryFollowUps.NoticeSuffix);
    }

    [Theory]
    [InlineData(TwilioSid, "rl-" + TwilioSid)]
    [InlineData("dev-0123456789abcdef0123456789abcdef", "rl-dev-0123456789abcdef0123456789abcdef")]
    [InlineData("MM_any-Inbound-id", "rl-MM_any-Inbound-id")]
    public void RelayId_IsRlAndTheRepliedMessageId(string messageId, string relayId)
    {
        Assert.Equal(relayId, ReplyRelays.IdFor(messageId));
    }
}
