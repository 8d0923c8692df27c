using System.Text.RegularExpressions;
using AftercareNudge.Dispatch;
using AftercareNudge.Schedule;

namespace AftercareNudge.Tests.Schedule;

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
    public void NewDevelopmentMessageId_IsDevAnd32LowercaseHexDigits_AsTheDevRouteAlwaysMadeThem()
    {
        var id = Ids.NewDevelopmentMessageId();

        Assert.Matches("^dev-[0-9a-f]{32}$", id);
        Assert.True(Ids.IsMessageId(id));
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
        Assert.Equal(relayId, Ids.RelayId(messageId));
        Assert.Equal(messageId, Ids.RelayedMessageId(relayId));
    }

    [Theory]
    [InlineData("rl-" + TwilioSid)]
    [InlineData("rl-dev-0123456789abcdef0123456789abcdef")]
    [InlineData("rl-MM_any-Inbound-id")]
    [InlineData("rl-SM0123-nt")]
    public void IsCheckInId_ARelayOfAnyMessageIdWeActOn_IsAccepted(string relayId)
    {
        Assert.True(Ids.IsRelayId(relayId));
        Assert.True(Ids.IsCheckInId(relayId));
    }

    [Theory]
    [InlineData("-rm")]
    [InlineData("-al1")]
    [InlineData("-al5")]
    [InlineData("-ac3")]
    [InlineData("-al2-fb")]
    [InlineData("-ur1")]
    [InlineData("-cx5")]
    public void IsCheckInId_ARungOfAnArmedCheckInsLadder_IsAccepted(string suffix)
    {
        Assert.True(Ids.IsCheckInId(CheckIn + suffix));
        Assert.Equal(CheckIn + "-ac2", SafetyLadder.AllClearId(SafetyLadder.AlertId(CheckIn, 2)));
    }

    [Fact]
    public void AlertFallback_IsAnIdWeRead_AndItsAllClearIsTheContactsOne()
    {
        var fallback = SafetyLadder.FallbackId(SafetyLadder.AlertId(CheckIn, 2));

        Assert.Equal(CheckIn + "-al2-fb", fallback);
        Assert.True(Ids.IsCheckInId(fallback));
        Assert.True(SafetyLadder.IsFallbackId(fallback));
        Assert.False(SafetyLadder.IsFallbackId(SafetyLadder.AlertId(CheckIn, 2)));
        Assert.Equal(CheckIn + "-ac2", SafetyLadder.AllClearId(fallback));
        Assert.Throws<ArgumentException>(() => SafetyLadder.FallbackId(fallback));
    }

    [Theory]
    [InlineData("-ac2")]
    [InlineData("-ur2")]
    [InlineData("-cx2")]
    public void AlertIdOf_WhatFollowsAnAlert_NamesThatAlert(string suffix) =>
        Assert.Equal(SafetyLadder.AlertId(CheckIn, 2), SafetyLadder.AlertIdOf(CheckIn + suffix));

    [Fact]
    public void FollowUpIds_OfOneAlert_AreFixedAndDistinct()
    {
        var alert = SafetyLadder.AlertId(CheckIn, 3);
        Assert.Equal([CheckIn + "-ac3", CheckIn + "-ur3", CheckIn + "-cx3"], new[] { SafetyLadder.AllClearId(alert), SafetyLadder.UrgentId(alert), SafetyLadder.CancelledId(alert) });
        Assert.Throws<ArgumentException>(() => SafetyLadder.AlertIdOf(CheckIn + "-rm"));
    }

    [Theory]
    [InlineData("-al")]
    [InlineData("-al0")]
    [InlineData("-al10")]
    [InlineData("-rm-rm")]
    [InlineData("-xx1")]
    [InlineData("-ur0")]
    [InlineData("-cx")]
    public void IsCheckInId_ALadderSuffixWeNeverMake_IsRefused(string suffix) => Assert.False(Ids.IsCheckInId(CheckIn + suffix));

    [Theory]
    [InlineData("rl-")]
    [InlineData("rl-SM 0123")]
    [InlineData("rl-SM/0123")]
    [InlineData("rl-SM\u00e90123")]
    [InlineData("rl-" + TwilioSid + TwilioSid)]
    [InlineData("RL-" + TwilioSid)]
    [InlineData("rl-" + TwilioSid + "\u202e")]
    [InlineData(TwilioSid)]
    [InlineData(CheckIn + "-rl")]
    public void IsCheckInId_NotARelayWeCouldHaveMade_IsRefused(string id)
    {
        id = Regex.Unescape(id);

        Assert.False(Ids.IsRelayId(id));
        Assert.False(Ids.IsCheckInId(id));
    }

    [Theory]
    [InlineData("")]
    [InlineData("SM 0123")]
    [InlineData("SM0123/")]
    [InlineData("SM0123\u200b")]
    public void RelayId_NotAMessageIdWeActOn_Throws(string messageId)
    {
        Assert.Throws<ArgumentException>(() => Ids.RelayId(Regex.Unescape(messageId)));
    }

    [Fact]
    public void IsMessageId_UpTo64LettersDigitsDashesAndUnderscores()
    {
        Assert.True(Ids.IsMessageId(new string('a', 64)));
        Assert.False(Ids.IsMessageId(new string('a', 65)));
        Assert.True(Ids.IsMessageId("dev-" + Guid.NewGuid().ToString("N")));
        Assert.False(Ids.IsMessageId(null));
    }
}
