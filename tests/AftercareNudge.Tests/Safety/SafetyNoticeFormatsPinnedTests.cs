using AftercareNudge.Safety;
using AftercareNudge.Storage;
using AftercareNudge.Tests.Storage;

namespace AftercareNudge.Tests.Safety;

/// <summary>
/// How the organiser's notices about their trusted contacts, and the contacts' held requests, are
/// stored: rows of ids (and the terms' hash) in the held-requests table, read back by instances of
/// other versions. Changing these keys strands what waits.
/// </summary>
public sealed class SafetyNoticeFormatsPinnedTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SafetyNotices_WaitingAndDoneRows_AreInTheHeldRequestsTable()
    {
        var app = new PinnedApp();
        var list = new SafetyNoticeList(app.Tables);

        await list.PutAsync(PinnedApp.Now.AddHours(1), PinnedApp.EventId, PinnedApp.PersonKey, ContactNoticeReasons.Before, Token);
        var waiting = PinnedApp.Dump(app.Storage.Rows(AppTables.HeldConsentRequests));
        await foreach (var _ in list.TakeDueAsync(PinnedApp.Now.AddHours(1), Token))
        {
        }

        Assert.True(await list.TryMarkDoneAsync(PinnedApp.EventId, PinnedApp.PersonKey, ContactNoticeReasons.NotAgreed, "sent", Token));
        Assert.False(await list.TryMarkDoneAsync(PinnedApp.EventId, PinnedApp.PersonKey, ContactNoticeReasons.NotAgreed, "sent", Token));

        Assert.Equal("""
            safety-notice|0639320796000000000_ev_0123456789abcdef01234567_zoe_before
            EventId=ev_0123456789abcdef01234567
            PersonKey=zoe
            Reason=before

            safety-notice-done|ev_0123456789abcdef01234567_zoe_not-agreed
            EventId=ev_0123456789abcdef01234567
            Outcome=sent
            """, waiting + "\n\n" + PinnedApp.Dump(app.Storage.Rows(AppTables.HeldConsentRequests)));
    }

    [Fact]
    public void ContactNoticeReasons_AreTheseWords()
    {
        Assert.Equal(
            ["not-agreed", "quiet-hours", "left", "before"],
            [ContactNoticeReasons.NotAgreed, ContactNoticeReasons.QuietHours, ContactNoticeReasons.Left, ContactNoticeReasons.Before]);
    }

    [Fact]
    public async Task HeldContactRequests_AreInPartitionHeldContact_KeyedByTicksEventAndContact_WithTheTerms()
    {
        var app = new PinnedApp();
        var held = new HeldContactRequests(app.Tables);

        await held.HoldAsync(new HeldContactRequest(PinnedApp.EventId, PinnedApp.PersonKey, "0a1b2c3d", PinnedApp.Now.AddHours(1)), Token);
        var waiting = PinnedApp.Dump(app.Storage.Rows(AppTables.HeldConsentRequests));
        var taken = new List<HeldContactRequest>();
        await foreach (var request in held.TakeDueAsync(PinnedApp.Now.AddHours(1), Token))
        {
            taken.Add(request);
        }

        Assert.Equal("""
            held-contact|0639320796000000000_ev_0123456789abcdef01234567_zoe
            EventId=ev_0123456789abcdef01234567
            PersonKey=zoe
            Terms=0a1b2c3d
            """, waiting);
        Assert.Equal((PinnedApp.EventId, PinnedApp.PersonKey, "0a1b2c3d"), (taken.Single().EventId, taken.Single().ContactKey, taken.Single().Terms));
        Assert.Empty(app.Storage.Rows(AppTables.HeldConsentRequests));
    }
}
