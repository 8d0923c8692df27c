using AftercareNudge.Events;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using AftercareNudge.Tests.Storage;

namespace AftercareNudge.Tests.Events;

/// <summary>
/// Pins what is stored or published, so moving code cannot change it (issue 20.7). A failure here
/// means stored data or a published format changed: that is a migration, not a refactor.
/// </summary>
/// <remarks>
/// The Events table (an event's partition: <c>event</c>, <c>checkin-…</c>, <c>reply-…</c>,
/// <c>change-…</c>), a client's event index, Idempotency-Key rows, and the list's continuation token.
/// </remarks>
public sealed class EventFormatsPinnedTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Events_AnEventAndItsCheckIn_AreRowsEventAndCheckinOfThePartitionEventId()
    {
        var app = new PinnedApp();
        var organizer = PinnedApp.Organizer with { QuietHours = "22:00-07:00", RepliesBy = Channel.Email };
        var person = PinnedApp.Person with { AgreedPlan = "020d974ac9db9a39", QuietHoursFromRecipient = true, AskedPlan = "020d974ac9db9a39", ZoneFromEvent = true };
        var checkIn = PinnedApp.CheckIn() with
        {
            Reason = CheckInReasons.QuietHours,
            Attempts = 1,
            ClaimedUntil = PinnedApp.Now.AddMinutes(5),
            SentAt = PinnedApp.Now.AddSeconds(1),
            ProviderMessageId = PinnedApp.MessageSid,
            Kind = CheckInKind.Reminder,
            RelatesTo = "ci_ffffffffffffffffffffffff",
            PendingDelivery = new DeliveryReport(CheckInStatus.Failed, "twilio-30003", PinnedApp.MessageSid),
            MovedAt = PinnedApp.Now.AddMinutes(-1),
        };

        await app.Events.CreateAsync(
            PinnedApp.Event with { Organizer = organizer, People = [person], CancelledAt = PinnedApp.Now.AddDays(1), PendingChange = "chg_0123456789abcdef01234567", PurgedAt = PinnedApp.Now.AddDays(2) },
            [checkIn],
            Token);

        Assert.Equal("""
            ev_0123456789abcdef01234567|checkin-ci_89abcdef0123456789abcdef
            Attempts=1
            Channel=Sms
            ClaimedUntil=2026-12-05T14:05:00.0000000Z
            DueAt=2026-12-05T14:00:00.0000000Z
            Kind=Reminder
            Message=Home safe?
            MovedAt=2026-12-05T13:59:00.0000000Z
            NextAttemptAt=2026-12-05T14:00:00.0000000Z
            PendingDelivery={"status":"failed","reason":"twilio-30003","messageId":"SM0123456789abcdef0123456789abcdef"}
            Position=0
            ProviderMessageId=SM0123456789abcdef0123456789abcdef
            Reason=quiet-hours
            RelatesTo=ci_ffffffffffffffffffffffff
            SentAt=2026-12-05T14:00:01.0000000Z
            Status=Scheduled
            Timing={"at":"2026-12-05T14:00","after":null,"offset":null}
            To=zoe

            ev_0123456789abcdef01234567|event
            CancelledAt=2026-12-06T14:00:00.0000000Z
            ClientId=clientA
            CreatedAt=2026-12-05T14:00:00.0000000Z
            EndsAt=2026-12-05T23:00:00.0000000Z
            EndsAtLocal=2026-12-05T23:00
            Kind=date
            Organizer={"key":"organizer","name":"Sam","phone":"\u002B447700900123","email":"sam@example.com","timeZone":"Europe/London","quietHours":"22:00-07:00","needs":null,"agreedPlan":null,"quietHoursFromRecipient":false,"askedPlan":null,"zoneFromEvent":false,"repliesBy":"email"}
            OrganizerId=1c335cabcc385ead4bfd68deb3006476
            PendingChange=chg_0123456789abcdef01234567
            People=[{"key":"zoe","name":"Zo\u00E9","phone":"\u002B447911123456","email":"zo\u00E9@example.com","timeZone":"Europe/London","quietHours":null,"needs":"A lift home.","agreedPlan":"020d974ac9db9a39","quietHoursFromRecipient":true,"askedPlan":"020d974ac9db9a39","zoneFromEvent":true,"repliesBy":null}]
            Plan=Blankets and tea.
            PurgedAt=2026-12-07T14:00:00.0000000Z
            StartsAt=2026-12-05T19:00:00.0000000Z
            StartsAtLocal=2026-12-05T19:00
            TimeZone=Europe/London
            Title=Dinner
            """, PinnedApp.Dump(app.Storage.Rows(AppTables.Events)));
    }

    [Fact]
    public async Task Events_AReply_IsRowReplyAndTheMessageSid()
    {
        var app = new PinnedApp();

        await app.Events.AddReplyAsync(PinnedApp.EventId, new CheckInReply(PinnedApp.CheckInId, "On my way.", PinnedApp.Now), PinnedApp.MessageSid, Token);

        Assert.Equal("""
            ev_0123456789abcdef01234567|reply-SM0123456789abcdef0123456789abcdef
            Body=On my way.
            CheckInId=ci_89abcdef0123456789abcdef
            ReceivedAt=2026-12-05T14:00:00.0000000Z
            """, PinnedApp.Dump(app.Storage.Rows(AppTables.Events)));
    }

    [Fact]
    public async Task Events_AChangeJournal_IsRowChangeAndTheCheckInId_HoldingTheChangeAsJson()
    {
        var app = new PinnedApp();
        var record = await app.StoreAsync(PinnedApp.Event);
        var change = new CheckInChange(
            "chg_0123456789abcdef01234567",
            PinnedApp.CheckInId,
            CheckInChangeKind.Edit,
            "Home safe, Zoé?",
            new CheckInTiming(null, "end", "PT30M"),
            PinnedApp.Now.AddHours(1),
            PinnedApp.Now,
            PinnedApp.Now,
            PinnedApp.PersonKey,
            Channel.Email,
            2);

        // A safety ladder's row names its kind and the armed check-in it belongs to; an arming edit says so.
        var rung = new CheckInChange(change.ChangeId, "ci_89abcdef0123456789abcdef-al1", CheckInChangeKind.Add, "", new CheckInTiming(null, null, null), PinnedApp.Now.AddHours(2), To: PinnedApp.PersonKey, Channel: Channel.Sms, Position: 2, Kind: CheckInKind.Alert, RelatesTo: PinnedApp.CheckInId);
        var arming = new CheckInChange(change.ChangeId, "ci_eeeeeeeeeeeeeeeeeeeeeeee", CheckInChangeKind.Edit, "Home?", new CheckInTiming(null, "end", "PT1H"), AwaitsReply: true);

        await app.Events.BeginChangeAsync(record with { PendingChange = change.ChangeId }, [change, change with { CheckInId = "ci_ffffffffffffffffffffffff", What = CheckInChangeKind.Add }, rung, arming], Token);

        Assert.Equal("""
            ev_0123456789abcdef01234567|change-ci_89abcdef0123456789abcdef
            Change={"changeId":"chg_0123456789abcdef01234567","checkInId":"ci_89abcdef0123456789abcdef","what":"Edit","message":"Home safe, Zo\u00E9?","timing":{"at":null,"after":"end","offset":"PT30M"},"dueAt":"2026-12-05T15:00:00+00:00","oldNextAttemptAt":"2026-12-05T14:00:00+00:00","movedAt":"2026-12-05T14:00:00+00:00","to":"zoe","channel":"email","position":2}

            ev_0123456789abcdef01234567|change-ci_89abcdef0123456789abcdef-al1
            Change={"changeId":"chg_0123456789abcdef01234567","checkInId":"ci_89abcdef0123456789abcdef-al1","what":"Add","message":"","timing":{"at":null,"after":null,"offset":null},"dueAt":"2026-12-05T16:00:00+00:00","oldNextAttemptAt":null,"movedAt":null,"to":"zoe","channel":"sms","position":2,"kind":"alert","relatesTo":"ci_89abcdef0123456789abcdef"}

            ev_0123456789abcdef01234567|change-ci_eeeeeeeeeeeeeeeeeeeeeeee
            Change={"changeId":"chg_0123456789abcdef01234567","checkInId":"ci_eeeeeeeeeeeeeeeeeeeeeeee","what":"Edit","message":"Home?","timing":{"at":null,"after":"end","offset":"PT1H"},"dueAt":null,"oldNextAttemptAt":null,"movedAt":null,"to":null,"channel":null,"position":0,"awaitsReply":true}

            ev_0123456789abcdef01234567|change-ci_ffffffffffffffffffffffff
            Change={"changeId":"chg_0123456789abcdef01234567","checkInId":"ci_ffffffffffffffffffffffff","what":"Add","message":"Home safe, Zo\u00E9?","timing":{"at":null,"after":"end","offset":"PT30M"},"dueAt":"2026-12-05T15:00:00+00:00","oldNextAttemptAt":"2026-12-05T14:00:00+00:00","movedAt":"2026-12-05T14:00:00+00:00","to":"zoe","channel":"email","position":2}
            """, PinnedApp.Dump(app.Storage.Rows(AppTables.Events).Where(r => r.RowKey.StartsWith("change-", StringComparison.Ordinal))));
        Assert.Equal("Add,Edit,Remove", string.Join(",", Enum.GetNames<CheckInChangeKind>()));
        var read = (await app.Events.GetWithChangesAsync(record.Id, Token))!.Value.Changes;
        Assert.Equal([change, rung, arming], read.Where(c => c.CheckInId != "ci_ffffffffffffffffffffffff"));
    }

    [Fact]
    public async Task ClientEvents_AnEventsRow_IsTheClientPartitionKeyedByStartTicksAndEventId()
    {
        var app = new PinnedApp();
        var index = app.ClientEvents();

        // A start to the tick is stored to the millisecond, as the Events table keeps it.
        await index.AddAsync(PinnedApp.Event with { StartsAtUtc = PinnedApp.Event.StartsAtUtc.AddTicks(12345) }, Token);
        await index.MarkBackfilledAsync(PinnedApp.ClientId, 7, Token);
        await index.ReadAsync(PinnedApp.ClientId, ClientEventIndex.AfterKey(PinnedApp.Now), 20, Token);

        Assert.Equal("""
            clientA|0639320940000010000_ev_0123456789abcdef01234567
            EventId=ev_0123456789abcdef01234567
            OrganizerEmail=email-cd25a6171969f2a3c6e35c7667e3908ef1bd2424241db04411a0eec454ca6c16
            OrganizerSms=sms-a8acc3a90a7b4e4dc65e93db9240ed26523050ef754d63b75b5161de76781436
            WrittenAt=2026-12-05T14:00:00.0000000Z

            clientA|~backfilled
            At=2026-12-05T14:00:00.0000000Z
            Rows=7
            PartitionKey eq 'clientA' and RowKey gt '0639320760000000000_~' and RowKey lt '~'
            """, PinnedApp.Dump(app.Storage.Rows(AppTables.ClientEvents)) + "\n" + string.Join("\n", app.Storage.Journaled(AppTables.ClientEvents, "query")));
    }

    [Fact]
    public void ClientEvents_RowKeyAfterKeyAndBackfillMarker_AreTheseStrings()
    {
        Assert.Equal("0639320760000000000_ev_0123456789abcdef01234567", ClientEventIndex.RowKey(PinnedApp.Now, PinnedApp.EventId));
        Assert.Equal("0639320760000000000_~", ClientEventIndex.AfterKey(PinnedApp.Now));
        Assert.Equal("~backfilled", ClientEventIndex.BackfillMarker);
        Assert.True(ClientEventIndex.IsRowKey("0639320976000000000_" + PinnedApp.EventId));
        Assert.False(ClientEventIndex.IsRowKey("0639320976000000000_ev_0123"));
        Assert.False(ClientEventIndex.IsRowKey("~backfilled"));
    }

    [Fact]
    public async Task IdempotencyKeys_AClaimThenItsCompletion_AreOneRowOfTheClient()
    {
        var app = new PinnedApp();
        var keys = app.IdempotencyKeys();
        var bodyHash = IdempotencyKeys.BodyHash("{}"u8.ToArray());
        var lookup = await keys.FindAsync(PinnedApp.ClientId, "order-42", bodyHash, Token);

        var claim = await keys.ClaimAsync(PinnedApp.ClientId, "order-42", bodyHash, lookup, PinnedApp.EventId, Token);
        var claimed = PinnedApp.Dump(app.Storage.Rows(AppTables.IdempotencyKeys));
        app.Time.Advance(TimeSpan.FromSeconds(2));
        await keys.CompleteAsync(claim!, Token);

        Assert.Equal("""
            clientA|3bf8b157c4238eefe5ae4a66eca81c6b887d4dcedb58dd674271859f4dc2edfd
            BodyHash=44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a
            ClaimedAt=2026-12-05T14:00:00.0000000Z
            EventId=ev_0123456789abcdef01234567
            FirstUsedAt=2026-12-05T14:00:00.0000000Z
            State=claimed

            clientA|3bf8b157c4238eefe5ae4a66eca81c6b887d4dcedb58dd674271859f4dc2edfd
            BodyHash=44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a
            ClaimedAt=2026-12-05T14:00:00.0000000Z
            CompletedAt=2026-12-05T14:00:02.0000000Z
            EventId=ev_0123456789abcdef01234567
            FirstUsedAt=2026-12-05T14:00:00.0000000Z
            State=registered
            """, claimed + "\n\n" + PinnedApp.Dump(app.Storage.Rows(AppTables.IdempotencyKeys)));
    }

    [Theory]
    [InlineData("0639320976000000000_ev_0123456789abcdef01234567", "MDYzOTMyMDk3NjAwMDAwMDAwMF9ldl8wMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc")]
    public void EventListQuery_ContinuationToken_IsBase64UrlOfTheRowKey(string rowKey, string token)
    {
        Assert.Equal(token, EventListQuery.Token(rowKey));
        Assert.Equal(rowKey, EventListQuery.ReadToken(token));
    }

    [Fact]
    public void EventListQuery_ParameterNames_AreThese()
    {
        Assert.Equal(
            ["status", "organizerPhone", "organizerEmail", "startsAfter", "pageSize", "continuationToken"],
            [EventListQuery.StatusName, EventListQuery.OrganizerPhoneName, EventListQuery.OrganizerEmailName, EventListQuery.StartsAfterName, EventListQuery.PageSizeName, EventListQuery.ContinuationTokenName]);
    }

    [Fact]
    public async Task AddressKeysOfTheOrganizer_InTheClientIndex_AreConsentStoreAddressKeys()
    {
        var app = new PinnedApp();

        await app.ClientEvents().AddAsync(PinnedApp.Event, Token);

        var row = Assert.Single(app.Storage.Rows(AppTables.ClientEvents));
        Assert.Equal(AddressKeys.For(Channel.Sms, PinnedApp.OrganizerPhone), row.GetString("OrganizerSms"));
        Assert.Equal(AddressKeys.For(Channel.Email, PinnedApp.OrganizerEmail), row.GetString("OrganizerEmail"));
    }
}
