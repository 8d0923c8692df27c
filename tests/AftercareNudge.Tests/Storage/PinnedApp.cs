using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AftercareNudge.Consent;
using AftercareNudge.Dispatch;
using AftercareNudge.Events;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Email;
using AftercareNudge.Replies;
using AftercareNudge.Safety;
using AftercareNudge.Schedule;
using AftercareNudge.Security;
using AftercareNudge.Storage;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AftercareNudge.Tests.Storage;

/// <summary>
/// The app's stores over <see cref="InMemoryTables"/> and a frozen clock, built by hand as the app's
/// container builds them, for the pinning tests: each drives a real entry point and reads the keys
/// it wrote. Messages go to <see cref="Sender"/>, which answers as told.
/// </summary>
internal sealed class PinnedApp
{
    /// <summary>A Saturday afternoon in London (GMT), outside every default quiet hour.</summary>
    public static readonly DateTimeOffset Now = new(2026, 12, 5, 14, 0, 0, TimeSpan.Zero);

    public const string ClientId = "clientA";
    public const string EventId = "ev_0123456789abcdef01234567";
    public const string CheckInId = "ci_89abcdef0123456789abcdef";
    public const string PersonKey = "zoe";
    public const string Phone = "+447911123456";
    public const string Email = "zoé@example.com";
    public const string OrganizerPhone = "+447700900123";
    public const string OrganizerEmail = "sam@example.com";
    public const string MessageSid = "SM0123456789abcdef0123456789abcdef";

    public PinnedApp()
    {
        Tables = Storage.AppTables();
        DueIndex = new DueCheckInIndex(Tables);
        Events = new EventStore(Tables, DueIndex);
        Consents = new ConsentStore(Tables, Time, [], DomainEvents<ConsentChanged>.None);
        Recipients = new RecipientCheckIns(Tables);
        Gate = new ConsentGate(Consents);
        FollowUps = new DeliveryFollowUps(Events, Gate, Recipients, DueIndex, Escalations(), Time, NullLogger<DeliveryFollowUps>.Instance);
        Skips = new ConsentSkips(Recipients, Events, new DomainEvents<SkippedByRecipient>([FollowUps]), DomainEvents<CheckInFinished>.None, NullLogger<ConsentSkips>.Instance);
        OptOuts = new OptOuts(Consents, Skips, NullLogger<OptOuts>.Instance);
    }

    public InMemoryTables Storage { get; } = new();

    public FakeTimeProvider Time { get; } = new(Now);

    public AppTables Tables { get; }

    public DueCheckInIndex DueIndex { get; }

    public EventStore Events { get; }

    public ConsentGate Gate { get; }

    public ConsentStore Consents { get; }

    public RecipientCheckIns Recipients { get; }

    public DeliveryFollowUps FollowUps { get; }

    public ConsentSkips Skips { get; }

    public OptOuts OptOuts { get; }

    /// <summary>The SMS and email provider: one, so a test tells it once how to answer.</summary>
    public RecordingSender Sender { get; } = new();

    public static string OrganizerId => ConsentStore.OrganizerId(ClientId, Organizer);

    public static Participant Organizer => new(Participant.OrganizerKey, "Sam", OrganizerPhone, OrganizerEmail, "Europe/London");

    public static Participant Person => new(PersonKey, "Zoé", Phone, Email, "Europe/London", Needs: "A lift home.");

    public static EventRecord Event => new(
        EventId,
        ClientId,
        OrganizerId,
        "Dinner",
        "date",
        "Europe/London",
        "2026-12-05T19:00",
        "2026-12-05T23:00",
        new DateTimeOffset(2026, 12, 5, 19, 0, 0, TimeSpan.Zero),
        new DateTimeOffset(2026, 12, 5, 23, 0, 0, TimeSpan.Zero),
        Organizer,
        [Person],
        Now,
        null,
        Plan: "Blankets and tea.");

    /// <summary>A text to <see cref="PersonKey"/> due at <paramref name="due"/> (now by default).</summary>
    public static CheckInRecord CheckIn(DateTimeOffset? due = null, string id = CheckInId) => new(
        EventId,
        id,
        0,
        PersonKey,
        Channel.Sms,
        "Home safe?",
        new CheckInTiming("2026-12-05T14:00", null, null),
        due ?? Now,
        due ?? Now,
        CheckInStatus.Scheduled,
        null,
        0,
        null,
        null,
        null);

    public ClientQuotas Quotas() => new(Tables, Options.Create(new QuotaOptions()), Time);

    public PurgeIndex PurgeIndex() => new(Tables);

    public AddressIndex AddressIndex() => new(Tables);

    public ClientEventIndex ClientEvents() => new(Tables, Time);

    public LinkTokens LinkTokens() => new(Tables, Time);

    public HeldConsentRequests Held() => new(Tables);

    public ReplyChoices ReplyChoices() => new(Tables, Time);

    public ReplyAcknowledgements Acknowledgements() => new(Tables, Time);

    public ConsentRequestCap Cap() => new(Tables, Consents, Time);

    public IdempotencyKeys IdempotencyKeys() => new(Tables, Time);

    public WaitingRelays WaitingRelays() => new(Tables, Events, DueIndex, Recipients, Time, NullLogger<WaitingRelays>.Instance);

    public MissingConsentNotices MissingConsentNotices() => new(
        Tables, Events, Gate, Sender, Sender, Options.Create(new MissingConsentOptions()), Time, NullLogger<MissingConsentNotices>.Instance);

    public InboundSms InboundSms() => new(
        new SmsKeywordAnswers(Consents, Events, OptOuts, Skips, Held(), Options.Create(new ServiceOptions()), Options.Create(new ApiKeyOptions()), Time),
        Recipients,
        Events,
        new ReplyRelays(Events, Recipients, DueIndex, new DomainEvents<RelayDue>([new RelaysAtOnce(Dispatcher())]), Time, NullLogger<ReplyRelays>.Instance),
        Acknowledgements(),
        ReplyChoices(),
        new AwaitedAnswers(Recipients, Events, DueIndex, new AlertFollowUps(Events, Recipients, DueIndex, Time), Time, NullLogger<AwaitedAnswers>.Instance, new DomainEvents<RelayDue>([new RelaysAtOnce(Dispatcher())]), DomainEvents<SafetyNetChanged>.None, DomainEvents<CheckInFinished>.None),
        new ContactAgreements(Events, Recipients),
        Tables,
        Time,
        NullLogger<InboundSms>.Instance,
        DomainEvents<ReplyReceived>.None);

    /// <summary>SendGrid's event webhook as it reaches us, signed with <paramref name="key"/> (what <see cref="SendGridEvents"/> verifies).</summary>
    public SendGridEvents SendGridEvents(ECDsa key) => new(
        Options.Create(new SendGridOptions { EventWebhookPublicKey = Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()) }),
        Time,
        OptOuts,
        new DeliveryReports(Events, FollowUps, Escalations(), DomainEvents<CheckInFinished>.None),
        Tables,
        NullLogger<SendGridEvents>.Instance);

    /// <summary>A SendGrid event webhook request with these events, signed now with <paramref name="key"/>.</summary>
    public HttpRequest SendGridRequest(ECDsa key, string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var timestamp = Time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Post;
        context.Request.ContentType = "application/json";
        context.Request.Body = new MemoryStream(body);
        context.Request.ContentLength = body.Length;
        context.Request.Headers[SendGridSignature.TimestampHeader] = timestamp;
        context.Request.Headers[SendGridSignature.SignatureHeader] = Convert.ToBase64String(
            key.SignData([.. Encoding.UTF8.GetBytes(timestamp), .. body], HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        return context.Request;
    }

    public Dispatcher Dispatcher() => new(
        DueIndex,
        Events,
        Consents,
        Gate,
        new PendingChanges(Events, DueIndex, NullLogger<PendingChanges>.Instance),
        Sender,
        Sender,
        FollowUps,
        new AftercareReminders(Events, Gate, Time),
        WaitingRelays(),
        Recipients,
        Quotas(),
        new SafetySteps(Events, Consents, Time, DomainEvents<SafetyNetChanged>.None, new AlertFollowUps(Events, Recipients, DueIndex, Time)),
        Options.Create(new DispatchOptions()),
        Time,
        NullLogger<Dispatcher>.Instance,
        DomainEvents<CheckInFinished>.None,
        Escalations());

    /// <summary>What becomes of an alert that fails (its fallback), and what the client is told: here, nothing.</summary>
    public EscalationOutcomes Escalations() =>
        new(Events, Consents, Recipients, DueIndex, Time, NullLogger<EscalationOutcomes>.Instance, DomainEvents<SafetyNetChanged>.None);

    /// <summary>The event and its check-ins as registration writes them (the due index first, then the event's partition).</summary>
    public async Task<EventRecord> StoreAsync(EventRecord record, params CheckInRecord[] checkIns)
    {
        await Events.CreateAsync(record, checkIns, TestContext.Current.CancellationToken);
        return (await Events.GetEventAsync(record.Id, TestContext.Current.CancellationToken))!;
    }

    /// <summary>A grant in force for <paramref name="address"/> from the sample organiser.</summary>
    public Task GrantAsync(Channel channel, string address) =>
        Consents.RecordAsync(new ConsentDecision(channel, address, OrganizerId, ConsentState.Granted, "web:pinned", "Agreed."), TestContext.Current.CancellationToken);

    /// <summary>A row as <c>Name=value</c> lines in name order, instants in UTC (<c>o</c>): the columns a store writes.</summary>
    public static string Columns(TableEntity row) => string.Join(
        "\n",
        row.Where(p => p.Key is not ("PartitionKey" or "RowKey" or "Timestamp" or "odata.etag"))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => p.Key + "=" + p.Value switch
            {
                DateTimeOffset d => d.UtcDateTime.ToString("o", CultureInfo.InvariantCulture),
                DateTime d => d.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture),
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                var v => v?.ToString(),
            }));

    /// <summary>An enum's members as <c>Stored=json</c>: the name a row stores (<c>ToString()</c>), then the one the API answers.</summary>
    public static string EnumNames<T>()
        where T : struct, Enum =>
        string.Join(",", Enum.GetValues<T>().Select(v => v + "=" + JsonSerializer.Serialize(v).Trim('"')));

    /// <summary>Each row's keys, then its columns.</summary>
    public static string Dump(IEnumerable<TableEntity> rows) =>
        string.Join("\n\n", rows.Select(r => r.PartitionKey + "|" + r.RowKey + "\n" + Columns(r)));

    /// <summary>A row's column names in name order, for rows whose values are wording or random.</summary>
    public static string ColumnNames(TableEntity row) => string.Join(
        ",",
        row.Keys.Where(k => k is not ("PartitionKey" or "RowKey" or "Timestamp" or "odata.etag")).Order(StringComparer.Ordinal));
}

/// <summary>An SMS and email sender that keeps what it was given and answers with <see cref="Answer"/> (or throws <see cref="Throw"/>).</summary>
internal sealed class RecordingSender : ISmsSender, IEmailSender
{
    public List<object> Sent { get; } = [];

    public SendResult Answer { get; set; } = SendResult.Sent("SMpinned");

    public Exception? Throw { get; set; }

    public Task<SendResult> SendAsync(SmsMessage message, CancellationToken cancellationToken) => Record(message);

    public Task<SendResult> SendAsync(EmailMessage message, CancellationToken cancellationToken) => Record(message);

    private Task<SendResult> Record(object message)
    {
        Sent.Add(message);
        return Throw is { } e ? Task.FromException<SendResult>(e) : Task.FromResult(Answer);
    }
}
