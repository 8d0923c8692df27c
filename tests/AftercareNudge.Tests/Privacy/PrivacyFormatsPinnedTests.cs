using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Outbox;
using AftercareNudge.Notifications;
using AftercareNudge.Privacy;
using AftercareNudge.Schedule;
using AftercareNudge.Security;
using AftercareNudge.Storage;
using AftercareNudge.Tests.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AftercareNudge.Tests.Privacy;

/// <summary>
/// Pins what is stored or published, so moving code cannot change it (issue 20.7). A failure here
/// means stored data or a published format changed: that is a migration, not a refactor.
/// </summary>
/// <remarks>
/// The purge index, the address index, and what erasure and the purge leave in an event: the names
/// and keys that replace a person.
/// </remarks>
public sealed class PrivacyFormatsPinnedTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PurgeIndex_ARow_IsInPartitionPurge_KeyedByTicksAndEventId()
    {
        var app = new PinnedApp();
        var index = app.PurgeIndex();

        await index.AddAsync(new PurgeEntry(PinnedApp.EventId, PinnedApp.Now.AddDays(30)), Token);
        await index.MoveAsync(new PurgeEntry(PinnedApp.EventId, PinnedApp.Now.AddDays(30)), PinnedApp.Now.AddDays(31), Token);
        await foreach (var _ in index.ReadDueAsync(PinnedApp.Now, Token))
        {
        }

        Assert.Equal("""
            PurgeIndex upsert purge|0639346680000000000_ev_0123456789abcdef01234567
            PurgeIndex upsert purge|0639347544000000000_ev_0123456789abcdef01234567
            PurgeIndex delete purge|0639346680000000000_ev_0123456789abcdef01234567
            PurgeIndex query PartitionKey eq 'purge' and RowKey lt '0639320760000000001'
            """, string.Join("\n", app.Storage.Journal));
    }

    [Fact]
    public async Task AddressIndex_EveryAddressInAnEvent_HasRowsEvAndOrgOfItsAddressKey()
    {
        var app = new PinnedApp();
        var index = app.AddressIndex();

        await index.AddAsync(PinnedApp.Event, Token);
        await index.ForClientAsync(AddressKeys.For(Channel.Sms, PinnedApp.Phone), PinnedApp.ClientId, Token);
        await index.EventsAsync(AddressKeys.For(Channel.Sms, PinnedApp.Phone), Token);

        Assert.Equal("""
            email-8c8fc75db91e982d70b74785056f4a26853e352d9fa0c1bea603ebe352cb25ac|ev-ev_0123456789abcdef01234567
            ClientId=clientA
            OrganizerId=1c335cabcc385ead4bfd68deb3006476

            email-8c8fc75db91e982d70b74785056f4a26853e352d9fa0c1bea603ebe352cb25ac|org-1c335cabcc385ead4bfd68deb3006476
            ClientId=clientA

            email-cd25a6171969f2a3c6e35c7667e3908ef1bd2424241db04411a0eec454ca6c16|ev-ev_0123456789abcdef01234567
            ClientId=clientA
            OrganizerId=1c335cabcc385ead4bfd68deb3006476

            email-cd25a6171969f2a3c6e35c7667e3908ef1bd2424241db04411a0eec454ca6c16|org-1c335cabcc385ead4bfd68deb3006476
            ClientId=clientA

            sms-20b18ac9de7b3aad174961827d8e451c410af9aedfd1d699927f4b29b81aa1fa|ev-ev_0123456789abcdef01234567
            ClientId=clientA
            OrganizerId=1c335cabcc385ead4bfd68deb3006476

            sms-20b18ac9de7b3aad174961827d8e451c410af9aedfd1d699927f4b29b81aa1fa|org-1c335cabcc385ead4bfd68deb3006476
            ClientId=clientA

            sms-a8acc3a90a7b4e4dc65e93db9240ed26523050ef754d63b75b5161de76781436|ev-ev_0123456789abcdef01234567
            ClientId=clientA
            OrganizerId=1c335cabcc385ead4bfd68deb3006476

            sms-a8acc3a90a7b4e4dc65e93db9240ed26523050ef754d63b75b5161de76781436|org-1c335cabcc385ead4bfd68deb3006476
            ClientId=clientA
            """, PinnedApp.Dump(app.Storage.Rows(AppTables.AddressIndex)));
        Assert.Equal("""
            PartitionKey eq 'sms-20b18ac9de7b3aad174961827d8e451c410af9aedfd1d699927f4b29b81aa1fa' and ClientId eq 'clientA'
            PartitionKey eq 'sms-20b18ac9de7b3aad174961827d8e451c410af9aedfd1d699927f4b29b81aa1fa' and RowKey ge 'ev-' and RowKey lt 'ev.'
            """, string.Join("\n", app.Storage.Journaled(AppTables.AddressIndex, "query")));
    }

    [Fact]
    public async Task AddressErasure_AnErasedPerson_IsRenamedAndRekeyed()
    {
        var app = new PinnedApp();
        var checkIn = PinnedApp.CheckIn(PinnedApp.Now.AddHours(6));
        await app.AddressIndex().AddAsync(PinnedApp.Event, Token);
        await app.Recipients.AddAsync(PinnedApp.Event, [checkIn], Token);
        await app.StoreAsync(PinnedApp.Event, checkIn);

        await Erasure(app).EraseAsync(new ApiClient(PinnedApp.ClientId), Channel.Sms, PinnedApp.Phone, Token);

        Assert.Equal("""
            ev_0123456789abcdef01234567|checkin-ci_89abcdef0123456789abcdef
            Attempts=0
            Channel=Sms
            DueAt=2026-12-05T20:00:00.0000000Z
            Kind=CheckIn
            Message=
            NextAttemptAt=2026-12-05T20:00:00.0000000Z
            Position=0
            Reason=erased
            Status=Cancelled
            Timing={"at":"2026-12-05T14:00","after":null,"offset":null}
            To=erased.1

            ev_0123456789abcdef01234567|event
            ClientId=clientA
            CreatedAt=2026-12-05T14:00:00.0000000Z
            EndsAt=2026-12-05T23:00:00.0000000Z
            EndsAtLocal=2026-12-05T23:00
            Kind=date
            Organizer={"key":"organizer","name":"Sam","phone":"\u002B447700900123","email":"sam@example.com","timeZone":"Europe/London","quietHours":null,"needs":null,"agreedPlan":null,"quietHoursFromRecipient":false,"askedPlan":null,"zoneFromEvent":false,"repliesBy":null}
            OrganizerId=1c335cabcc385ead4bfd68deb3006476
            People=[{"key":"erased.1","name":"(erased)","phone":null,"email":"zo\u00E9@example.com","timeZone":"Europe/London","quietHours":null,"needs":null,"agreedPlan":null,"quietHoursFromRecipient":false,"askedPlan":null,"zoneFromEvent":false,"repliesBy":null}]
            Plan=Blankets and tea.
            StartsAt=2026-12-05T19:00:00.0000000Z
            StartsAtLocal=2026-12-05T19:00
            TimeZone=Europe/London
            Title=Dinner
            """, PinnedApp.Dump(app.Storage.Rows(AppTables.Events)));
    }

    [Fact]
    public void Privacy_TheWordsThatReplaceAPerson_AreThese()
    {
        Assert.Equal(["(erased)", "opt-out", "(deleted)"], [AddressErasure.Erased, AddressErasure.OptOut, EventPurge.Deleted]);
    }

    private static AddressErasure Erasure(PinnedApp app) => new(
        app.Events,
        new PendingChanges(app.Events, app.DueIndex, NullLogger<PendingChanges>.Instance),
        app.Recipients,
        app.AddressIndex(),
        app.ClientEvents(),
        app.Held(),
        app.LinkTokens(),
        app.Consents,
        app.Cap(),
        app.InboundSms(),
        new OutboxSender(app.Tables, app.Time, NullLogger<OutboxSender>.Instance),
        Options.Create(new DeliveryOptions { TwilioConfigured = true, SendGridConfigured = true }),
        Options.Create(new ApiKeyOptions()),
        NullLogger<AddressErasure>.Instance,
        Notifications(app),
        new AftercareNudge.Safety.SafetyCancellations(app.Events, new AftercareNudge.Safety.AlertFollowUps(app.Events, app.Recipients, app.DueIndex, app.Time), AftercareNudge.Schedule.DomainEvents<AftercareNudge.Schedule.RelayDue>.None));

    /// <summary>Client webhooks with none configured: erasure asks them to forget, and there is nothing to forget.</summary>
    private static WebhookNotifications Notifications(PinnedApp app) =>
        new(app.Tables, app.Events, app.AddressIndex(), app.Recipients, Options.Create(new WebhookOptions()), app.Time, NullLogger<WebhookNotifications>.Instance);
}
