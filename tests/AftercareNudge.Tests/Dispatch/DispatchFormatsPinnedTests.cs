using AftercareNudge.Dispatch;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using AftercareNudge.Tests.Storage;

namespace AftercareNudge.Tests.Dispatch;

/// <summary>
/// Pins what is stored or published, so moving code cannot change it (issue 20.7). A failure here
/// means stored data or a published format changed: that is a migration, not a refactor.
/// </summary>
/// <remarks>
/// The due index (shard and row key of every check-in), the rows a follow-up (fallback, notice) adds
/// to an event's schedule, the list of relays waiting for their organiser, and what Twilio's status
/// callbacks and SendGrid's events are read as.
/// </remarks>
public sealed class DispatchFormatsPinnedTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public void DueCheckInIndex_Partition_IsDueAndTheFnv1aShardOfTheCheckInId()
    {
        string[] ids =
        [
            PinnedApp.CheckInId,
            "ci_0123456789abcdef01234567",
            "ci_ffffffffffffffffffffffff",
            "ci_0000000000000000000000ff",
            PinnedApp.CheckInId + "-fb",
            PinnedApp.CheckInId + "-nt",
            PinnedApp.CheckInId + "-fb-nt",
            "rl-" + PinnedApp.MessageSid,
            "é",
        ];

        Assert.Equal("""
            ci_89abcdef0123456789abcdef due-2
            ci_0123456789abcdef01234567 due-2
            ci_ffffffffffffffffffffffff due-2
            ci_0000000000000000000000ff due-2
            ci_89abcdef0123456789abcdef-fb due-1
            ci_89abcdef0123456789abcdef-nt due-3
            ci_89abcdef0123456789abcdef-fb-nt due-2
            rl-SM0123456789abcdef0123456789abcdef due-2
            é due-0
            """, string.Join("\n", ids.Select(id => id + " " + DueCheckInIndex.Partition(id))));
    }

    [Fact]
    public async Task DueCheckInIndex_ARow_IsKeyedByTicksEventAndCheckIn_AndARunAsksEachShardBelowNow()
    {
        var app = new PinnedApp();

        await app.DueIndex.AddAsync([new DueEntry(PinnedApp.EventId, PinnedApp.CheckInId, PinnedApp.Now.AddTicks(1))], Token);
        await foreach (var _ in app.DueIndex.ReadDueAsync(PinnedApp.Now, Token))
        {
        }

        Assert.Equal(4, DueCheckInIndex.Shards);
        Assert.Equal("""
            due-2|0639320760000000001_ev_0123456789abcdef01234567_ci_89abcdef0123456789abcdef
            CheckInId=ci_89abcdef0123456789abcdef
            EventId=ev_0123456789abcdef01234567
            PartitionKey eq 'due-0' and RowKey lt '0639320760000000001'
            PartitionKey eq 'due-1' and RowKey lt '0639320760000000001'
            PartitionKey eq 'due-2' and RowKey lt '0639320760000000001'
            PartitionKey eq 'due-3' and RowKey lt '0639320760000000001'
            """, PinnedApp.Dump(app.Storage.Rows(AppTables.DueCheckIns)) + "\n" + string.Join("\n", app.Storage.Journaled(AppTables.DueCheckIns, "query")));
    }

    [Fact]
    public async Task DeliveryFollowUps_ANotice_IsCheckInIdDashNtToTheOrganizer()
    {
        var app = new PinnedApp();
        var failed = PinnedApp.CheckIn() with { Status = CheckInStatus.Failed, Reason = "twilio-30003", Attempts = 1 };
        await app.StoreAsync(PinnedApp.Event, failed);
        await app.GrantAsync(Channel.Sms, PinnedApp.OrganizerPhone);
        var before = app.Storage.Journal.Count;

        Assert.Equal(CheckInKind.Notice, await app.FollowUps.CreateAsync(failed, Token));

        Assert.Equal("""
            RecipientCheckIns batch-upsert sms-a8acc3a90a7b4e4dc65e93db9240ed26523050ef754d63b75b5161de76781436|ev_0123456789abcdef01234567_ci_89abcdef0123456789abcdef-nt
            DueCheckIns batch-upsert due-3|0639320760000000000_ev_0123456789abcdef01234567_ci_89abcdef0123456789abcdef-nt
            Events add ev_0123456789abcdef01234567|checkin-ci_89abcdef0123456789abcdef-nt
            """, string.Join("\n", app.Storage.Journal.Skip(before).Where(l => !l.Contains(" get ", StringComparison.Ordinal) && !l.Contains(" query ", StringComparison.Ordinal))));
        Assert.Equal("""
            ev_0123456789abcdef01234567|checkin-ci_89abcdef0123456789abcdef-nt
            Attempts=0
            Channel=Sms
            DueAt=2026-12-05T14:00:00.0000000Z
            Kind=Notice
            Message=
            NextAttemptAt=2026-12-05T14:00:00.0000000Z
            Position=0
            RelatesTo=ci_89abcdef0123456789abcdef
            Status=Scheduled
            Timing={"at":null,"after":null,"offset":null}
            To=organizer
            """, PinnedApp.Dump(app.Storage.Rows(AppTables.Events).Where(r => r.RowKey.EndsWith("-nt", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task DeliveryFollowUps_AFallback_IsCheckInIdDashFbOnTheOtherChannel()
    {
        var app = new PinnedApp();
        var person = PinnedApp.Person with { AgreedPlan = AftercarePlan.Version(PinnedApp.Event, PinnedApp.Person) };
        var failed = PinnedApp.CheckIn() with { Status = CheckInStatus.Failed, Reason = "twilio-30003", Attempts = 1 };
        await app.StoreAsync(PinnedApp.Event with { People = [person] }, failed);
        await app.GrantAsync(Channel.Email, PinnedApp.Email);

        Assert.Equal(CheckInKind.Fallback, await app.FollowUps.CreateAsync(failed, Token));

        Assert.Equal("""
            ev_0123456789abcdef01234567|checkin-ci_89abcdef0123456789abcdef-fb
            Attempts=0
            Channel=Email
            DueAt=2026-12-05T14:00:00.0000000Z
            Kind=Fallback
            Message=Home safe?
            NextAttemptAt=2026-12-05T14:00:00.0000000Z
            Position=0
            RelatesTo=ci_89abcdef0123456789abcdef
            Status=Scheduled
            Timing={"at":"2026-12-05T14:00","after":null,"offset":null}
            To=zoe
            """, PinnedApp.Dump(app.Storage.Rows(AppTables.Events).Where(r => r.RowKey.EndsWith("-fb", StringComparison.Ordinal))));
        Assert.Equal("""
            due-1|0639320760000000000_ev_0123456789abcdef01234567_ci_89abcdef0123456789abcdef-fb
            due-2|0639320760000000000_ev_0123456789abcdef01234567_ci_89abcdef0123456789abcdef
            email-8c8fc75db91e982d70b74785056f4a26853e352d9fa0c1bea603ebe352cb25ac|ev_0123456789abcdef01234567_ci_89abcdef0123456789abcdef-fb
            """, string.Join("\n", app.Storage.Keys(AppTables.DueCheckIns).Concat(app.Storage.Keys(AppTables.RecipientCheckIns))));
    }

    [Fact]
    public async Task WaitingRelays_AParkedRelay_IsARowOfItsOrganizerNamedEventUnderscoreRelay()
    {
        var app = new PinnedApp();
        var relay = OrganizerMessages.Row(PinnedApp.EventId, Ids.RelayId(PinnedApp.MessageSid), 0, Channel.Sms, PinnedApp.Now, CheckInKind.Relay, PinnedApp.CheckInId);
        var record = await app.StoreAsync(PinnedApp.Event, PinnedApp.CheckIn(), relay);
        var claimed = await app.Events.UpdateCheckInAsync(
            (await app.Events.GetCheckInAsync(PinnedApp.EventId, relay.Id, Token))! with { Status = CheckInStatus.Sending, Attempts = 1, ClaimedUntil = PinnedApp.Now.AddMinutes(5) },
            Token);

        Assert.True(await app.WaitingRelays().ParkAsync(record, new DueEntry(PinnedApp.EventId, relay.Id, PinnedApp.Now), claimed));

        Assert.Equal("""
            1c335cabcc385ead4bfd68deb3006476|ev_0123456789abcdef01234567_rl-SM0123456789abcdef0123456789abcdef
            EventId=ev_0123456789abcdef01234567
            RelayId=rl-SM0123456789abcdef0123456789abcdef
            """, PinnedApp.Dump(app.Storage.Rows(AppTables.WaitingRelays)));
        Assert.Equal("""
            ev_0123456789abcdef01234567|checkin-rl-SM0123456789abcdef0123456789abcdef
            Attempts=0
            Channel=Sms
            DueAt=2026-12-05T14:00:00.0000000Z
            Kind=Relay
            Message=
            NextAttemptAt=2026-12-05T14:00:00.0000000Z
            Position=0
            Reason=awaiting-organizer
            RelatesTo=ci_89abcdef0123456789abcdef
            Status=Scheduled
            Timing={"at":null,"after":null,"offset":null}
            To=organizer
            """, PinnedApp.Dump(app.Storage.Rows(AppTables.Events).Where(r => r.RowKey == "checkin-" + relay.Id)));
    }

    [Theory]
    [InlineData("delivered", null, "Delivered ")]
    [InlineData("read", "30003", "Delivered ")]
    [InlineData("undelivered", "30003", "Failed twilio-30003")]
    [InlineData("failed", "30008", "Failed twilio-30008")]
    [InlineData("failed", null, "Failed twilio-failed")]
    [InlineData("undelivered", "", "Failed twilio-undelivered")]
    [InlineData("failed", "3O008", "Failed twilio-failed")]
    [InlineData("failed", "12345678901", "Failed twilio-failed")]
    [InlineData("sent", null, "none")]
    [InlineData("queued", null, "none")]
    [InlineData("canceled", null, "none")]
    public void TwilioStatusCallbacks_AStatusAndErrorCode_AreStoredAsThisStatusAndReason(string status, string? errorCode, string stored)
    {
        var report = TwilioStatusCallbacks.Report(status, errorCode);

        Assert.Equal(stored, report is { } r ? r.Status + " " + r.Reason : "none");
    }

    [Fact]
    public void SendGridEvents_TheFieldsRead_AreSendGridsAndOurCustomArgs()
    {
        Assert.Equal(
            ["event", "email", "sg_event_id", "type", "eventId", "checkInId", "sg_message_id"],
            [SendGridEvent.KindField, SendGridEvent.EmailField, SendGridEvent.SgEventIdField, SendGridEvent.BounceTypeField, SendGridEvent.EventIdField, SendGridEvent.CheckInIdField, SendGridEvent.SgMessageIdField]);
    }
}
