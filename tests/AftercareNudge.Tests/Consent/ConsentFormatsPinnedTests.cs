using System.Security.Cryptography;
using System.Text;
using AftercareNudge.Consent;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Sms;
using AftercareNudge.Replies;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using AftercareNudge.Tests.Storage;

namespace AftercareNudge.Tests.Consent;

/// <summary>
/// Pins what is stored or published, so moving code cannot change it (issue 20.7). A failure here
/// means stored data or a published format changed: that is a migration, not a refactor.
/// </summary>
/// <remarks>
/// The rows Consent writes, through its own entry points over <see cref="InMemoryTables"/>: consents
/// and the ledger, link tokens and their index, held requests and missing-consent notices (one table),
/// recipients' check-ins, inbound messages and the acknowledgement window, reply choices, request slots.
/// </remarks>
public sealed class ConsentFormatsPinnedTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Consents_PendingGrantAndOptOut_AreRowsOfTheAddressKeyNamedOrgOrGlobal()
    {
        var app = new PinnedApp();

        await app.Consents.EnsurePendingAsync(Channel.Sms, PinnedApp.Phone, PinnedApp.OrganizerId, Token);
        await app.GrantAsync(Channel.Email, PinnedApp.Email);
        await app.Consents.OptOutAsync(new ConsentDecision(Channel.Sms, PinnedApp.Phone, null, ConsentState.OptedOut, "sms:" + PinnedApp.MessageSid, "Opted out."), "", Token);

        Assert.Equal("""
            email-8c8fc75db91e982d70b74785056f4a26853e352d9fa0c1bea603ebe352cb25ac|org-1c335cabcc385ead4bfd68deb3006476
            Channel=Email
            State=Granted
            UpdatedAt=2026-12-05T14:00:00.0000000Z

            sms-20b18ac9de7b3aad174961827d8e451c410af9aedfd1d699927f4b29b81aa1fa|global
            Channel=Sms
            OptedOutHow=sms:SM0123456789abcdef0123456789abcdef
            State=OptedOut
            UpdatedAt=2026-12-05T14:00:00.0000000Z

            sms-20b18ac9de7b3aad174961827d8e451c410af9aedfd1d699927f4b29b81aa1fa|org-1c335cabcc385ead4bfd68deb3006476
            Channel=Sms
            State=Pending
            UpdatedAt=2026-12-05T14:00:00.0000000Z
            """, PinnedApp.Dump(app.Storage.Rows(AppTables.Consents)));
    }

    [Fact]
    public async Task ConsentLedger_EveryAction_IsALineKeyedByInvertedTicksAndTwelveHexDigits()
    {
        var app = new PinnedApp();
        await app.Consents.RecordRequestAsync(
            new ConsentRequestSent(Channel.Sms, PinnedApp.Phone, PinnedApp.OrganizerId, "Sam", PinnedApp.ClientId, PinnedApp.EventId, PinnedApp.PersonKey, "sms:SMrequest", "Reply YES."),
            Token);
        app.Time.Advance(TimeSpan.FromSeconds(1));
        await app.Consents.RecordAsync(new ConsentDecision(Channel.Sms, PinnedApp.Phone, PinnedApp.OrganizerId, ConsentState.Granted, "sms:SMyes", "Reply YES.", "Sam"), Token);
        app.Time.Advance(TimeSpan.FromSeconds(1));
        await app.Consents.RecordAsync(new ConsentDecision(Channel.Sms, PinnedApp.Phone, "other-organizer", ConsentState.Declined, "sms:SMno", "Reply NO.", "Kit"), Token);
        app.Time.Advance(TimeSpan.FromSeconds(1));
        await app.Consents.OptOutAsync(new ConsentDecision(Channel.Sms, PinnedApp.Phone, null, ConsentState.OptedOut, "sms:SMstop", "Opted out."), "", Token);
        app.Time.Advance(TimeSpan.FromSeconds(1));
        await app.Consents.OptInAsync(Channel.Sms, PinnedApp.Phone, "sms:SMstart", "Opted in.", Token);

        var rows = app.Storage.Rows(AppTables.ConsentLedger);

        Assert.All(rows, r => Assert.Matches("^[0-9]{19}-[0-9a-f]{12}$", r.RowKey));
        Assert.Equal("""
            sms-20b18ac9de7b3aad174961827d8e451c410af9aedfd1d699927f4b29b81aa1fa|2516058215959999999-…
            Action=opted-in
            Address=+447911123456
            Channel=Sms
            How=sms:SMstart
            RecordedAt=2026-12-05T14:00:04.0000000Z
            ShownText=Opted in.

            sms-20b18ac9de7b3aad174961827d8e451c410af9aedfd1d699927f4b29b81aa1fa|2516058215969999999-…
            Action=opted-out
            Address=+447911123456
            Channel=Sms
            How=sms:SMstop
            RecordedAt=2026-12-05T14:00:03.0000000Z
            ShownText=Opted out.

            sms-20b18ac9de7b3aad174961827d8e451c410af9aedfd1d699927f4b29b81aa1fa|2516058215979999999-…
            Action=declined
            Address=+447911123456
            Channel=Sms
            How=sms:SMno
            OrganizerId=other-organizer
            OrganizerName=Kit
            RecordedAt=2026-12-05T14:00:02.0000000Z
            ShownText=Reply NO.

            sms-20b18ac9de7b3aad174961827d8e451c410af9aedfd1d699927f4b29b81aa1fa|2516058215989999999-…
            Action=granted
            Address=+447911123456
            Channel=Sms
            How=sms:SMyes
            OrganizerId=1c335cabcc385ead4bfd68deb3006476
            OrganizerName=Sam
            RecordedAt=2026-12-05T14:00:01.0000000Z
            ShownText=Reply YES.

            sms-20b18ac9de7b3aad174961827d8e451c410af9aedfd1d699927f4b29b81aa1fa|2516058215999999999-…
            Action=requested
            Address=+447911123456
            Channel=Sms
            How=sms:SMrequest
            OrganizerId=1c335cabcc385ead4bfd68deb3006476
            OrganizerName=Sam
            RecordedAt=2026-12-05T14:00:00.0000000Z
            ShownText=Reply YES.
            """, string.Join("\n\n", rows.Select(r => r.PartitionKey + "|" + r.RowKey[..19] + "-…\n" + PinnedApp.Columns(r))));
    }

    [Fact]
    public async Task Consents_Reads_AskForTheGlobalAndOrganizerRowsAndLedgerLinesBelowAnInstant()
    {
        var app = new PinnedApp();

        await app.Consents.GetAsync(Channel.Sms, PinnedApp.Phone, PinnedApp.OrganizerId, Token);
        await app.Consents.RequestTimesSinceAsync(Channel.Sms, PinnedApp.Phone, PinnedApp.Now.AddDays(-1), Token);

        Assert.Equal("""
            Consents query PartitionKey eq 'sms-20b18ac9de7b3aad174961827d8e451c410af9aedfd1d699927f4b29b81aa1fa' and (RowKey eq 'global' or RowKey eq 'org-1c335cabcc385ead4bfd68deb3006476')
            ConsentLedger query PartitionKey eq 'sms-20b18ac9de7b3aad174961827d8e451c410af9aedfd1d699927f4b29b81aa1fa' and RowKey lt '2516059079999999999' and Action eq 'requested'
            """, string.Join("\n", app.Storage.Journal));
    }

    [Fact]
    public async Task HeldConsentRequests_AreInPartitionHeld_KeyedByTicksEventPersonAndChannel()
    {
        var app = new PinnedApp();
        var held = app.Held();

        await held.HoldAsync(new HeldConsentRequest(PinnedApp.EventId, PinnedApp.PersonKey, Channel.Email, PinnedApp.Now.AddHours(3)), Token);
        await foreach (var _ in held.TakeDueAsync(PinnedApp.Now, Token))
        {
        }

        await held.RemoveAsync(PinnedApp.EventId, (_, _) => true, Token);

        Assert.Equal("""
            HeldConsentRequests upsert held|0639320868000000000_ev_0123456789abcdef01234567_zoe_Email
            HeldConsentRequests query PartitionKey eq 'held' and RowKey lt '0639320760000000001'
            HeldConsentRequests query PartitionKey eq 'held' and EventId eq 'ev_0123456789abcdef01234567'
            HeldConsentRequests delete held|0639320868000000000_ev_0123456789abcdef01234567_zoe_Email
            """, string.Join("\n", app.Storage.Journal));
    }

    [Fact]
    public async Task LinkTokens_AConsentLink_IsTheAsciiHashOfItsValueInPartitionToken_IndexedByAddressAndEvent()
    {
        var app = new PinnedApp();
        var token = new LinkToken(
            LinkPurpose.Consent,
            Channel.Email,
            PinnedApp.Email,
            PinnedApp.OrganizerId,
            "Sam",
            false,
            "Agree to check-ins from Sam.",
            PinnedApp.Now + LinkTokens.ConsentLifetime,
            PinnedApp.EventId,
            PinnedApp.PersonKey,
            "020d974ac9db9a39",
            "Blankets and tea.",
            "A lift home.");

        var value = await app.LinkTokens().CreateAsync(token, Token);

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(value)));
        Assert.Matches("^[A-Za-z0-9_-]{43}$", value);
        Assert.Equal("""
            addr-email-8c8fc75db91e982d70b74785056f4a26853e352d9fa0c1bea603ebe352cb25ac|<hash>
            EventId=ev_0123456789abcdef01234567
            OrganizerId=1c335cabcc385ead4bfd68deb3006476

            event-ev_0123456789abcdef01234567|<hash>
            AddressKey=email-8c8fc75db91e982d70b74785056f4a26853e352d9fa0c1bea603ebe352cb25ac
            """, PinnedApp.Dump(app.Storage.Rows(AppTables.LinkTokenIndex)).Replace(hash, "<hash>", StringComparison.Ordinal));
        Assert.Equal("""
            token|<hash>
            Address=zoé@example.com
            Channel=Email
            EventId=ev_0123456789abcdef01234567
            ExpiresAt=2026-12-19T14:00:00.0000000Z
            Needs=A lift home.
            OrganizerId=1c335cabcc385ead4bfd68deb3006476
            OrganizerName=Sam
            PersonKey=zoe
            Plan=Blankets and tea.
            PlanVersion=020d974ac9db9a39
            Purpose=Consent
            ShownText=Agree to check-ins from Sam.
            ToOrganizer=False
            """, PinnedApp.Dump(app.Storage.Rows(AppTables.LinkTokens)).Replace(hash, "<hash>", StringComparison.Ordinal));
    }

    [Fact]
    public async Task LinkTokens_AnUnsubscribeLink_HasNoIndexRows()
    {
        var app = new PinnedApp();
        var token = new LinkToken(LinkPurpose.Unsubscribe, Channel.Email, PinnedApp.Email, null, null, false, UnsubscribeLinks.UnsubscribePageText, PinnedApp.Now + LinkTokens.UnsubscribeLifetime);

        var value = await app.LinkTokens().CreateAsync(token, Token);

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(value)));
        Assert.Empty(app.Storage.Rows(AppTables.LinkTokenIndex));
        Assert.Equal("""
            token|<hash>
            Address=zoé@example.com
            Channel=Email
            ExpiresAt=2028-01-09T14:00:00.0000000Z
            Purpose=Unsubscribe
            ShownText=Stop every email from AftercareNudge to this address, from everyone.
            ToOrganizer=False
            """, PinnedApp.Dump(app.Storage.Rows(AppTables.LinkTokens)).Replace(hash, "<hash>", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MissingConsentNotices_WaitingAndDoneRows_AreInTheHeldRequestsTable()
    {
        var app = new PinnedApp();
        var checkIn = PinnedApp.CheckIn(PinnedApp.Now.AddHours(6));
        var record = await app.StoreAsync(PinnedApp.Event, checkIn);
        var notices = app.MissingConsentNotices();

        await notices.PlanAsync(record, [checkIn], Token);
        var waiting = PinnedApp.Dump(app.Storage.Rows(AppTables.HeldConsentRequests));
        app.Time.SetUtcNow(PinnedApp.Now.AddHours(4));
        await notices.SendDueAsync(Token);

        Assert.Equal("""
            missing-consent|0639320904000000000_ev_0123456789abcdef01234567_zoe
            EventId=ev_0123456789abcdef01234567
            PersonKey=zoe

            missing-consent-done|ev_0123456789abcdef01234567_zoe
            EventId=ev_0123456789abcdef01234567
            Outcome=organizer-no-consent
            """, waiting + "\n\n" + PinnedApp.Dump(app.Storage.Rows(AppTables.HeldConsentRequests)));
    }

    /// <summary>
    /// What a done row's <c>Outcome</c> says. Also logged but never stored: <c>held-for-quiet-hours</c>
    /// (it waits again), <c>already-done</c>, <c>failed</c>.
    /// </summary>
    [Theory]
    [InlineData("event-gone", "event-gone")]
    [InlineData("everyone-agreed", "everyone-agreed")]
    [InlineData("organizer-no-consent", "organizer-no-consent")]
    [InlineData("quiet-hours-until-due", "quiet-hours-until-due")]
    [InlineData("sent", "sent")]
    [InlineData("failed", "failed:twilio-21211")]
    public async Task MissingConsentNotices_StoredOutcomes_AreTheseWords(string scenario, string outcome)
    {
        var app = new PinnedApp();
        var checkIn = PinnedApp.CheckIn(PinnedApp.Now.AddHours(6));
        var record = scenario == "event-gone" ? PinnedApp.Event : await app.StoreAsync(PinnedApp.Event, checkIn);
        var notices = app.MissingConsentNotices();
        await notices.PlanAsync(record, [checkIn], Token);

        switch (scenario)
        {
            case "everyone-agreed":
                await app.GrantAsync(Channel.Sms, PinnedApp.Phone);
                break;
            case "quiet-hours-until-due":
                await app.Events.ChangeEventAsync(PinnedApp.EventId, e => e with { Organizer = e.Organizer with { QuietHours = "17:00-23:00" } }, Token);
                break;
            case "sent":
                await app.GrantAsync(Channel.Sms, PinnedApp.OrganizerPhone);
                break;
            case "failed":
                await app.GrantAsync(Channel.Sms, PinnedApp.OrganizerPhone);
                app.Sender.Answer = SendResult.Permanent("twilio-21211");
                break;
            default:
                break;
        }

        app.Time.SetUtcNow(PinnedApp.Now.AddHours(4));
        await notices.SendDueAsync(Token);

        Assert.Equal(outcome, await notices.OutcomeAsync(PinnedApp.EventId, PinnedApp.PersonKey, Token));
    }

    [Fact]
    public async Task RecipientCheckIns_AreRowsOfTheAddressKey_NamedEventUnderscoreCheckIn()
    {
        var app = new PinnedApp();
        var record = PinnedApp.Event;

        await app.Recipients.AddAsync(record, [PinnedApp.CheckIn(), PinnedApp.CheckIn(id: "ci_0000000000000000000000ff") with { Channel = Channel.Email }], Token);
        await app.Recipients.RemoveEventAsync(AddressKeys.For(Channel.Sms, PinnedApp.Phone), "ev_ffffffffffffffffffffffff", Token);

        Assert.Equal("""
            email-8c8fc75db91e982d70b74785056f4a26853e352d9fa0c1bea603ebe352cb25ac|ev_0123456789abcdef01234567_ci_0000000000000000000000ff
            CheckInId=ci_0000000000000000000000ff
            EventId=ev_0123456789abcdef01234567

            sms-20b18ac9de7b3aad174961827d8e451c410af9aedfd1d699927f4b29b81aa1fa|ev_0123456789abcdef01234567_ci_89abcdef0123456789abcdef
            CheckInId=ci_89abcdef0123456789abcdef
            EventId=ev_0123456789abcdef01234567
            PartitionKey eq 'sms-20b18ac9de7b3aad174961827d8e451c410af9aedfd1d699927f4b29b81aa1fa' and RowKey ge 'ev_ffffffffffffffffffffffff_' and RowKey lt 'ev_ffffffffffffffffffffffff`'
            """, PinnedApp.Dump(app.Storage.Rows(AppTables.RecipientCheckIns)) + "\n" + string.Join("\n", app.Storage.Journaled(AppTables.RecipientCheckIns, "query")));
    }

    [Fact]
    public async Task InboundMessages_AMessage_IsARowOfTheSendersAddressKeyNamedByItsSid()
    {
        var app = new PinnedApp();

        await app.InboundSms().HandleAsync(new IncomingSms(PinnedApp.Phone, "HELP", PinnedApp.MessageSid, null), Token);

        var row = Assert.Single(app.Storage.Rows(AppTables.InboundMessages));
        Assert.Equal("""
            sms-20b18ac9de7b3aad174961827d8e451c410af9aedfd1d699927f4b29b81aa1fa|SM0123456789abcdef0123456789abcdef
            HandledAt,Keyword,Reply
            Keyword=Help
            """, row.PartitionKey + "|" + row.RowKey + "\n" + PinnedApp.ColumnNames(row) + "\nKeyword=" + row.GetString("Keyword"));
    }

    [Fact]
    public async Task InboundMessages_TheAcknowledgementWindow_IsRowAckWindowAboutEventAndOutcome()
    {
        var app = new PinnedApp();

        await app.Acknowledgements().TryOpenWindowAsync(PinnedApp.Phone, ReplyAcknowledgements.Conversation(PinnedApp.EventId, RelayOutcome.PassedOn), Token);

        Assert.Equal("""
            sms-20b18ac9de7b3aad174961827d8e451c410af9aedfd1d699927f4b29b81aa1fa|ack-window
            About=ev_0123456789abcdef01234567:passed-on
            AckedAt=2026-12-05T14:00:00.0000000Z
            """, PinnedApp.Dump(app.Storage.Rows(AppTables.InboundMessages)));
        Assert.Equal(
            """
            NotRelayed ev_0123456789abcdef01234567:kept
            PassedOn ev_0123456789abcdef01234567:passed-on
            Pending ev_0123456789abcdef01234567:passed-on
            CouldNotPassOn ev_0123456789abcdef01234567:not-passed-on
            AwaitingOrganizer ev_0123456789abcdef01234567:awaiting-organizer
            """,
            string.Join("\n", Enum.GetValues<RelayOutcome>().Select(o => o + " " + ReplyAcknowledgements.Conversation(PinnedApp.EventId, o))));
    }

    [Fact]
    public async Task InboundSms_AStop_IsRecordedAsSmsAndTheSid()
    {
        var app = new PinnedApp();

        await app.InboundSms().HandleAsync(new IncomingSms(PinnedApp.Phone, "STOP", PinnedApp.MessageSid, null), Token);

        var global = Assert.Single(app.Storage.Rows(AppTables.Consents));
        var line = Assert.Single(app.Storage.Rows(AppTables.ConsentLedger));
        Assert.Equal("""
            global sms:SM0123456789abcdef0123456789abcdef
            opted-out sms:SM0123456789abcdef0123456789abcdef
            """, global.RowKey + " " + global.GetString("OptedOutHow") + "\n" + line.GetString("Action") + " " + line.GetString("How"));
    }

    [Fact]
    public async Task SendGridEvents_AnUnsubscribe_IsRecordedAsSendGridKindAndEventId()
    {
        var app = new PinnedApp();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        await app.SendGridEvents(key).HandleAsync(
            app.SendGridRequest(key, "[{\"event\":\"unsubscribe\",\"email\":\"" + PinnedApp.Email + "\",\"sg_event_id\":\"sg-1\"}]"),
            Token);

        var line = Assert.Single(app.Storage.Rows(AppTables.ConsentLedger));
        Assert.Equal("email-8c8fc75db91e982d70b74785056f4a26853e352d9fa0c1bea603ebe352cb25ac opted-out sendgrid:unsubscribe:sg-1", line.PartitionKey + " " + line.GetString("Action") + " " + line.GetString("How"));
    }

    [Fact]
    public async Task ReplyChoices_TheQuestionAndEachKeptReply_AreRowsOfTheNumbersAddressKey()
    {
        var app = new PinnedApp();
        ReplyOption[] options =
        [
            new(PinnedApp.EventId, PinnedApp.CheckInId, "Sam", PinnedApp.ClientId),
            new("ev_ffffffffffffffffffffffff", "ci_ffffffffffffffffffffffff", "Zoé", null),
        ];

        await app.ReplyChoices().KeepAsync(PinnedApp.Phone, new KeptReply(PinnedApp.MessageSid, "On my way.", PinnedApp.Now), options, Token);

        Assert.Equal("""
            sms-20b18ac9de7b3aad174961827d8e451c410af9aedfd1d699927f4b29b81aa1fa|choice
            ExpiresAt=2026-12-12T14:00:00.0000000Z
            Options=[{"EventId":"ev_0123456789abcdef01234567","CheckInId":"ci_89abcdef0123456789abcdef","OrganizerName":"Sam","ClientId":"clientA"},{"EventId":"ev_ffffffffffffffffffffffff","CheckInId":"ci_ffffffffffffffffffffffff","OrganizerName":"Zo\u00E9","ClientId":null}]

            sms-20b18ac9de7b3aad174961827d8e451c410af9aedfd1d699927f4b29b81aa1fa|reply-SM0123456789abcdef0123456789abcdef
            Body=On my way.
            ReceivedAt=2026-12-05T14:00:00.0000000Z
            """, PinnedApp.Dump(app.Storage.Rows(AppTables.ReplyChoices)));
    }

    [Fact]
    public async Task ConsentRequestSlots_AreRowsSlot0To2OfTheAddressKey()
    {
        var app = new PinnedApp();
        var cap = app.Cap();

        for (var i = 0; i < 4; i++)
        {
            await cap.TryClaimAsync(Channel.Sms, PinnedApp.Phone, Token);
        }

        Assert.Equal("""
            sms-20b18ac9de7b3aad174961827d8e451c410af9aedfd1d699927f4b29b81aa1fa|slot-0
            ClaimedAt=2026-12-05T14:00:00.0000000Z

            sms-20b18ac9de7b3aad174961827d8e451c410af9aedfd1d699927f4b29b81aa1fa|slot-1
            ClaimedAt=2026-12-05T14:00:00.0000000Z

            sms-20b18ac9de7b3aad174961827d8e451c410af9aedfd1d699927f4b29b81aa1fa|slot-2
            ClaimedAt=2026-12-05T14:00:00.0000000Z
            """, PinnedApp.Dump(app.Storage.Rows(AppTables.ConsentRequestSlots)));
    }

    [Fact]
    public void ConsentEnums_StoredAndPublishedNames()
    {
        Assert.Equal("Pending=pending,Granted=granted,Declined=declined,OptedOut=opted-out,NotNeeded=not-needed,Undeliverable=undeliverable", PinnedApp.EnumNames<ConsentState>());
        Assert.Equal(["Consent", "Unsubscribe", "TrustedContact"], Enum.GetNames<LinkPurpose>());
        Assert.Equal("Yes,No,Stop,Start,Help,Other", string.Join(",", Enum.GetNames<SmsKeyword>()));
    }
}
