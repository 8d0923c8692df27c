using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using AftercareNudge.Consent;
using AftercareNudge.Events;
using AftercareNudge.Hosting;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AftercareNudge.IntegrationTests.Hosting;

/// <summary>
/// Every log line of a whole life of an event, through the real app with both providers configured
/// (every category, every level down to Trace, with scopes and exception texts), holds no phone
/// number, email address, name, message text, plan, needs, title or link token.
/// </summary>
public sealed partial class LogPrivacyTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string MarisolPhone = "+447911123456";
    private const string ThaddeusPhone = "+447911123458";
    private const string MarisolEmail = "marisol.quintanilla@example.com";
    private const string ThaddeusEmail = "thaddeus.brightwater@example.org";
    private const string WrenEmail = "wren.abernathy@example.net";
    private const string Title = "Larkspur evening upstairs";
    private const string PlanBefore = "Quince tea, the periwinkle blanket and no screens.";
    private const string PlanAfter = "Quince tea, the periwinkle blanket, no screens and a slow walk.";
    private const string MarisolNeeds = "Ten quiet minutes with the marmalade cat.";
    private const string ThaddeusNeeds = "A weighted blanket and a cardamom bun.";
    private const string CheckInToMarisol = "How is the lavender evening landing for you?";
    private const string CheckInToThaddeus = "Thinking of you and the saffron candles.";
    private const string EmailToThaddeus = "Morning note: the juniper walk is still on if you want it.";
    private const string ReplyFromMarisol = "Bit wobbly but the tangerine bath helped";
    private const string ReplyFromThaddeus = "All good here, the hazelnut cocoa worked";
    private const string StopFromThaddeus = "stop texting me please";
    private const string Sid = "SM0123456789abcdef0123456789abcdef";

    private static readonly string[] Names = ["Marisol", "Quintanilla", "Thaddeus", "Brightwater", "Wrenfield", "Abernathy"];

    private readonly LogCollector _logs = new();
    private readonly ECDsa _sendGridKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ScriptedSender _sender = new(SendResult.Sent(Sid), SendResult.Permanent("twilio-21211"), SendResult.Sent("sg-email-1"));
    private int _inbound;
    protected override AppFactory CreateApp() => AppFactory.WithProviders(
        Azurite,
        () => _sender,
        new Dictionary<string, string?> { ["SendGrid:EventWebhookPublicKey"] = SendGridWebhook.PublicKey(_sendGridKey) },
        services =>
        {
            // Emails leave with their unsubscribe link, as the app sends them.
            services.AddTransient<IEmailSender>(sp => new UnsubscribeLinks(
                _sender,
                sp.GetRequiredService<LinkTokens>(),
                sp.GetRequiredService<IOptions<PublicOptions>>(),
                sp.GetRequiredService<TimeProvider>()));

            // Only the collector, and it hears everything: a level an operator may turn on must not leak either.
            services.RemoveAll<ILoggerProvider>();
            services.AddSingleton<ILoggerProvider>(_logs);
            services.AddLogging(logging => logging
                .AddFilter((string?)null, LogLevel.Trace)
                .AddFilter("Microsoft", LogLevel.Trace)
                .AddFilter("Microsoft.AspNetCore", LogLevel.Trace)
                .AddFilter("System", LogLevel.Trace)
                .AddFilter("System.Net.Http.HttpClient", LogLevel.Trace));
        });

    public override async ValueTask DisposeAsync()
    {
        _sendGridKey.Dispose();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task AWholeLifeOfAnEvent_LogsNoPhoneEmailNameMessageTextOrLinkToken()
    {
        var secrets = await RunTheWholeLifeAsync();

        var entries = _logs.Entries;
        // It heard everything: the framework's Trace lines, the app's own lines with their scopes, its warnings.
        Assert.Contains(entries, e => e.Level == LogLevel.Trace && e.Category.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.EventId == 500 && e.Scopes.Contains("InvocationId=", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.Level == LogLevel.Warning && e.Category.StartsWith("AftercareNudge", StringComparison.Ordinal));
        var leaks = (
            from secret in secrets
            from entry in entries
            where entry.AllText.Contains(secret, StringComparison.OrdinalIgnoreCase)
            select $"'{secret}' in {entry.AllText}").Distinct().ToList();
        Assert.True(leaks.Count == 0, string.Join("\n\n", leaks.Take(10)));
    }

    /// <summary>Registers, consents every way there is, changes the plan, sends (some failing), hears back, stops, starts, unsubscribes and cancels. Returns everything that must not be logged.</summary>
    private async Task<List<string>> RunTheWholeLifeAsync()
    {
        var secrets = new List<string> { Title, PlanBefore, PlanAfter, MarisolNeeds, ThaddeusNeeds, CheckInToMarisol, CheckInToThaddeus, EmailToThaddeus, ReplyFromMarisol, ReplyFromThaddeus, StopFromThaddeus };
        secrets.AddRange(Names);
        foreach (var phone in (string[])[MarisolPhone, ThaddeusPhone])
        {
            var national = "0" + phone[3..];
            secrets.AddRange([phone, phone[1..], national, national[..5] + " " + national[5..], phone[3..]]);
        }

        foreach (var email in (string[])[MarisolEmail, ThaddeusEmail, WrenEmail])
        {
            secrets.AddRange([email, Uri.EscapeDataString(email), email.Split('@')[0]]);
        }

        // Distinctive words, in case a text is logged cut short.
        secrets.AddRange(["Larkspur", "periwinkle", "marmalade", "cardamom", "lavender", "saffron", "juniper", "tangerine", "hazelnut"]);

        Assert.Equal(HttpStatusCode.OK, (await App.CreateClient().GetAsync("/api/health", Ct)).StatusCode);

        // Refused input carries the same data: it must not reach the logs on its way back out.
        var bad = Registration();
        bad["people"]![0]!["phone"] = "+44 7911 123458 ext Thaddeus";
        bad["organizer"]!["email"] = "marisol.quintanilla@@example.com";
        bad["timeZone"] = "Larkspur/Upstairs";
        var refused = await ApiClient().PostAsJsonAsync("/api/events", bad, AppFactory.Json, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);

        var view = await App.RegisterAsync(Registration());

        await SmsAsync(MarisolPhone, "YES");
        await SmsAsync(ThaddeusPhone, "yes");
        var forged = await SmsAsync(ThaddeusPhone, "YES", signed: false);
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        secrets.AddRange(await AgreeOnEveryConsentPageAsync(0));

        var sentBeforeChange = _sender.All.Count;
        var patched = await ApiClient().PatchAsJsonAsync($"/api/events/{view.Id}", new JsonObject { ["aftercare"] = new JsonObject { ["plan"] = PlanAfter } }, AppFactory.Json, Ct);
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        secrets.AddRange(await AgreeOnEveryConsentPageAsync(sentBeforeChange));

        // 14:30: the organiser's text goes out (through the timer as the host fires it and the send queue), and is delivered.
        AdvanceTo(14, 30);
        await FireTimerAsync();
        var toMarisol = await App.FinishedAsync(view.Id, CheckIn(await App.GetEventAsync(view.Id), "organizer", Channel.Sms).Id);
        Assert.Equal(CheckInStatus.Sent, toMarisol.Status);
        await StatusAsync(view.Id, toMarisol.Id, "sent");
        await StatusAsync(view.Id, toMarisol.Id, "delivered");
        await SmsAsync(MarisolPhone, ReplyFromMarisol);

        // 15:00: Wrenfield's reminder; 15:30: Thaddeus's text is refused, and goes out by email instead.
        AdvanceTo(15, 0);
        await App.DispatchAsync();
        AdvanceTo(15, 30);
        await App.DispatchAsync();
        await App.DispatchAsync();
        var afterFallback = await App.GetEventAsync(view.Id);
        Assert.Contains(afterFallback.CheckIns, c => c.Kind == CheckInKind.Fallback);
        await SmsAsync(ThaddeusPhone, ReplyFromThaddeus);

        // Thaddeus stops everything, then starts again.
        await SmsAsync(ThaddeusPhone, StopFromThaddeus);
        await SmsAsync(ThaddeusPhone, "START");

        // 16:30: the email to Thaddeus goes out and bounces, reported by SendGrid with his address in it.
        AdvanceTo(16, 30);
        await App.DispatchAsync();
        var emailToThaddeus = CheckIn(await App.GetEventAsync(view.Id), "thad", Channel.Email);
        Assert.Equal(CheckInStatus.Sent, emailToThaddeus.Status);
        var bounced = await SendGridAsync(view.Id, emailToThaddeus.Id, "bounce");
        Assert.True(bounced.IsSuccessStatusCode);
        await App.DispatchAsync();
        await App.DispatchAsync();

        // Wrenfield unsubscribes with the link in the reminder.
        var reminder = Sent<EmailMessage>().Single(m => m.Kind == MessageKinds.Reminder);
        var unsubscribe = reminder.UnsubscribeUrl!;
        secrets.Add(unsubscribe.Segments[^1]);
        Assert.Equal(HttpStatusCode.OK, (await Browser().GetAsync(unsubscribe.PathAndQuery, Ct)).StatusCode);
        var unsubscribed = await Browser().PostAsync(unsubscribe.PathAndQuery, new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]), Ct);
        Assert.Equal(HttpStatusCode.OK, unsubscribed.StatusCode);

        var cancelled = await ApiClient().DeleteAsync($"/api/events/{view.Id}", Ct);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);

        // Thaddeus asks to be forgotten (his address is in the path), then the event's content is purged.
        var erased = await ApiClient().DeleteAsync($"/api/people/{Uri.EscapeDataString(ThaddeusEmail)}", Ct);
        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        var erasedPhone = await ApiClient().DeleteAsync($"/api/people/{Uri.EscapeDataString(ThaddeusPhone)}", Ct);
        Assert.Equal(HttpStatusCode.OK, erasedPhone.StatusCode);
        App.Time.Advance(TimeSpan.FromDays(40));
        await using (var scope = App.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<AftercareNudge.Privacy.EventPurge>().RunAsync(Ct);
        }

        // What the app actually sent is secret too: every SMS body and email text.
        secrets.AddRange(Sent<SmsMessage>().Select(m => m.Body).Where(b => b.Length > 40));
        return secrets;
    }

    private JsonObject Registration()
    {
        var now = App.Time.GetUtcNow();
        return new JsonObject
        {
            ["title"] = Title,
            ["kind"] = "scene",
            ["timeZone"] = "Europe/London",
            ["startsAt"] = Requests.Local(now.AddHours(1)),
            ["endsAt"] = Requests.Local(now.AddHours(5)),
            ["organizer"] = new JsonObject { ["name"] = "Marisol Quintanilla", ["phone"] = MarisolPhone, ["email"] = MarisolEmail },
            ["people"] = new JsonArray
            {
                new JsonObject { ["key"] = "thad", ["name"] = "Thaddeus Brightwater", ["phone"] = ThaddeusPhone, ["email"] = ThaddeusEmail, ["timeZone"] = "Europe/London" },
                new JsonObject { ["key"] = "wren", ["name"] = "Wrenfield Abernathy", ["email"] = WrenEmail },
            },
            ["checkIns"] = new JsonArray
            {
                new JsonObject { ["to"] = "organizer", ["channel"] = "sms", ["after"] = "end", ["offset"] = "PT30M", ["message"] = CheckInToMarisol },
                new JsonObject { ["to"] = "thad", ["channel"] = "sms", ["at"] = Requests.Local(now.AddHours(6.5)), ["message"] = CheckInToThaddeus },
                new JsonObject { ["to"] = "thad", ["channel"] = "email", ["at"] = Requests.Local(now.AddHours(7.5)), ["message"] = EmailToThaddeus },
            },
            ["aftercare"] = new JsonObject
            {
                ["plan"] = PlanBefore,
                ["needs"] = new JsonObject { ["organizer"] = MarisolNeeds, ["thad"] = ThaddeusNeeds },
                ["reminders"] = new JsonArray { new JsonObject { ["to"] = "wren", ["after"] = "end", ["offset"] = "PT1H" } },
            },
        };
    }

    /// <summary>Opens and agrees on the consent page of every consent email sent since <paramref name="from"/>; returns their tokens.</summary>
    private async Task<List<string>> AgreeOnEveryConsentPageAsync(int from)
    {
        var tokens = new List<string>();
        var emails = _sender.All.Skip(from).OfType<EmailMessage>().Where(m => m.Kind == MessageKinds.ConsentRequest).ToList();
        Assert.NotEmpty(emails);
        foreach (var email in emails)
        {
            var path = ConsentLinks.PathIn(email.Text);
            tokens.Add(path["/api/consent/".Length..]);
            Assert.Equal(HttpStatusCode.OK, (await Browser().GetAsync(path, Ct)).StatusCode);
            var agreed = await Browser().PostAsync(path, new FormUrlEncodedContent([new("decision", "agree"), new("quietFrom", "22:00"), new("quietTo", "07:00")]), Ct);
            Assert.Equal(HttpStatusCode.OK, agreed.StatusCode);
        }

        return tokens;
    }

    private void AdvanceTo(int hour, int minute) =>
        App.Time.Advance(new DateTimeOffset(2026, 11, 24, hour, minute, 0, TimeSpan.Zero) - App.Time.GetUtcNow());

    /// <summary>The dispatch timer as the Functions host fires it.</summary>
    private Task FireTimerAsync() => App.RunTimerAsync("DispatchDueCheckIns");

    private async Task<HttpResponseMessage> SmsAsync(string from, string body, bool signed = true)
    {
        var form = new Dictionary<string, string>
        {
            ["MessageSid"] = "SM" + Interlocked.Increment(ref _inbound).ToString("D32", CultureInfo.InvariantCulture),
            ["AccountSid"] = "AC0123456789abcdef0123456789abcdef",
            ["From"] = from,
            ["To"] = "+14155550123",
            ["Body"] = body,
            ["NumMedia"] = "0",
        };
        using var request = signed ? TwilioWebhook.Request("/api/twilio/sms", form) : TwilioWebhook.Unsigned("/api/twilio/sms", form);

        var response = await App.CreateClient().SendAsync(request, Ct);
        Assert.Equal(signed ? HttpStatusCode.OK : HttpStatusCode.Forbidden, response.StatusCode);
        return response;
    }

    private async Task StatusAsync(string eventId, string checkInId, string status)
    {
        var path = "/api/twilio/status?eventId=" + Uri.EscapeDataString(eventId) + "&checkInId=" + Uri.EscapeDataString(checkInId);
        var form = new Dictionary<string, string>
        {
            ["MessageSid"] = Sid, ["MessageStatus"] = status, ["AccountSid"] = "AC0123456789abcdef0123456789abcdef",
            ["From"] = "+14155550123", ["To"] = MarisolPhone,
        };
        using var request = TwilioWebhook.Request(path, form);
        Assert.Equal(HttpStatusCode.OK, (await App.CreateClient().SendAsync(request, Ct)).StatusCode);
    }

    private async Task<HttpResponseMessage> SendGridAsync(string eventId, string checkInId, string kind)
    {
        var item = new JsonObject
        {
            ["email"] = ThaddeusEmail,
            ["timestamp"] = App.Time.GetUtcNow().ToUnixTimeSeconds(),
            ["event"] = kind,
            ["reason"] = "550 5.1.1 <" + ThaddeusEmail + ">: mailbox of Thaddeus Brightwater unknown",
            ["sg_event_id"] = "sg-event-" + kind,
            ["sg_message_id"] = "sg-email-1.filter0001",
            ["kind"] = MessageKinds.CheckIn,
            ["eventId"] = eventId,
            ["checkInId"] = checkInId,
        };
        using var request = SendGridWebhook.Request(new JsonArray(item).ToJsonString(), _sendGridKey, App.Time.GetUtcNow());
        return await App.CreateClient().SendAsync(request, Ct);
    }

    private static CheckInView CheckIn(EventView view, string to, Channel channel) =>
        view.CheckIns.Single(c => c.Kind == CheckInKind.CheckIn && c.To == to && c.Channel == channel);

    private IEnumerable<T> Sent<T>() => _sender.All.OfType<T>();

    private HttpClient ApiClient() => App.CreateClient(AppFactory.ClientAKey);

    private HttpClient Browser() => App.CreateBrowser();
}
