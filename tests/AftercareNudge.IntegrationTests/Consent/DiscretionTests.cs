using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Outbox;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Consent;

/// <summary>Lock screens are read by others: no SMS and no email subject the service writes names the event's title or kind.</summary>
public sealed class DiscretionTests(AzuriteFixture azurite) : AppTest(azurite)
{
    [Theory]
    [InlineData("scene", "Rope scene with Jordan")]
    [InlineData("therapy", "Therapy session with Dr Lee")]
    [InlineData("enm-date", "ENM date night")]
    [InlineData("date", "First date with Alex")]
    [InlineData("conversation", "Hard conversation about the move")]
    public async Task EveryMessage_NeverNamesTheEventsTitleOrKind_InAnSmsOrAnEmailSubject(string kind, string title)
    {
        var app = UseApp(new AppFactory(Azurite));
        var body = Requests.Dinner(app.Time.GetUtcNow());
        body["kind"] = kind;
        body["title"] = title;
        body["aftercare"] = new JsonObject
        {
            ["plan"] = "Water, blankets, a quiet hour.",
            ["needs"] = new JsonObject { ["alex"] = "A hug." },
            ["reminders"] = new JsonArray { new JsonObject { ["to"] = "organizer", ["after"] = "end", ["offset"] = "PT1H" } },
        };
        var view = await app.RegisterAsync(body);
        await app.GrantAsync(view, "organizer", Channel.Email);
        var client = app.CreateClient();
        foreach (var reply in new[] { "YES", "HELP", "I'm okay" })
        {
            await client.PostAsJsonAsync("/api/dev/sms", new { from = "+447911123456", body = reply }, Ct);
        }

        await app.GrantAsync(view, "alex", Channel.Email);
        await app.AgreeToPlanAsync(view.Id, "alex");
        app.Time.Advance(TimeSpan.FromDays(1));
        await app.DispatchAsync();
        await client.PostAsJsonAsync("/api/dev/sms", new { from = "+447911123456", body = "STOP" }, Ct);
        await client.PostAsJsonAsync("/api/dev/sms", new { from = "+447911123456", body = "START" }, Ct);

        var outbox = await app.Services.GetRequiredService<OutboxSender>().ListAsync(1000, CancellationToken.None);
        var visible = outbox.Select(m => m.Channel == "sms" ? m.Body : m.Subject!).ToList();
        Assert.Contains(outbox, m => m.Channel == "sms" && m.Kind == "check-in");
        Assert.Contains(outbox, m => m.Channel == "email" && m.Kind == "check-in");
        Assert.Contains(outbox, m => m.Kind == "consent-request");
        Assert.Contains(outbox, m => m.Kind == "consent-reply");
        Assert.Contains(outbox, m => m.Channel == "email" && m.Kind == "reminder");
        var forbidden = title.Split(' ').Where(w => w.Length > 3 && w != "with" && w != "about").Append(kind).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        foreach (var text in visible)
        {
            foreach (var word in forbidden)
            {
                Assert.DoesNotContain(word, text, StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    /// <summary>
    /// Fallbacks (a check-in again on its other channel) and notices (the organiser told that a check-in
    /// did not arrive, by SMS or by email) are messages the service writes too. Every check-in here fails
    /// at the provider, so each of the four kinds of follow-up goes out.
    /// </summary>
    [Theory]
    [InlineData("scene", "Rope scene with Jordan")]
    [InlineData("therapy", "Therapy session with Dr Lee")]
    [InlineData("enm-date", "ENM date night")]
    [InlineData("date", "First date with Alex")]
    [InlineData("conversation", "Hard conversation about the move")]
    public async Task FallbacksAndNotices_NeverNameTheEventsTitleOrKind_OrRepeatTheMessageInANotice(string kind, string title)
    {
        const string message = "Hey, how are you feeling? I'm here if you want to talk.";
        var sender = new ScriptedSender(SendResult.Permanent("twilio-30005"));
        var app = UseApp(AppFactory.WithProviders(Azurite, () => sender));
        var now = app.Time.GetUtcNow();

        // Robin agreed to both channels: each failed check-in goes out on the other. Kit agreed to
        // nothing: the check-in is skipped and the organiser is told, by SMS in one event and by email
        // in the other (whose organiser has only an email address).
        var bySms = Body(now, kind, title, new JsonObject { ["name"] = "Sam", ["phone"] = "+447911123456", ["email"] = "sam@example.com" });
        var byEmail = Body(now, kind, title, new JsonObject { ["name"] = "Sam", ["email"] = "sam.b@example.com" });
        var first = await app.RegisterAsync(bySms);
        var second = await app.RegisterAsync(byEmail);
        await app.GrantAsync(first, "robin", Channel.Sms);
        await app.GrantAsync(first, "robin", Channel.Email);
        await app.GrantAsync(first, "organizer", Channel.Sms);
        await app.GrantAsync(second, "organizer", Channel.Email);
        app.Time.Advance(TimeSpan.FromHours(5.5));
        await app.DispatchAsync();
        await app.DispatchAsync();

        var followUps = sender.FollowUps.ToList();
        Assert.Contains(followUps, m => m is SmsMessage { Kind: MessageKinds.Fallback });
        Assert.Contains(followUps, m => m is EmailMessage { Kind: MessageKinds.Fallback });
        Assert.Contains(followUps, m => m is SmsMessage { Kind: MessageKinds.Notice });
        Assert.Contains(followUps, m => m is EmailMessage { Kind: MessageKinds.Notice });
        var visible = followUps.Concat(sender.Sent).Select(m => m is SmsMessage sms ? sms.Body : ((EmailMessage)m).Subject).ToList();
        var notices = followUps.Select(m => m switch
        {
            SmsMessage { Kind: MessageKinds.Notice } sms => sms.Body,
            EmailMessage { Kind: MessageKinds.Notice } email => email.Subject + "\n" + email.Text + "\n" + email.Html,
            _ => null,
        }).OfType<string>().ToList();
        var forbidden = title.Split(' ').Where(w => w.Length > 3 && w != "with" && w != "about").Append(kind).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        foreach (var text in visible.Concat(notices))
        {
            foreach (var word in forbidden)
            {
                Assert.DoesNotContain(word, text, StringComparison.OrdinalIgnoreCase);
            }
        }

        Assert.All(notices, text => Assert.DoesNotContain("how are you feeling", text, StringComparison.OrdinalIgnoreCase));
        Assert.All(notices, text => Assert.DoesNotContain(message, text, StringComparison.Ordinal));
    }

    private static JsonObject Body(DateTimeOffset now, string kind, string title, JsonObject organizer)
    {
        const string message = "Hey, how are you feeling? I'm here if you want to talk.";
        var body = Requests.Dinner(now);
        body["kind"] = kind;
        body["title"] = title;
        body["organizer"] = organizer;
        body["people"] = new JsonArray
        {
            new JsonObject { ["key"] = "robin", ["name"] = "Robin", ["phone"] = "+447911123457", ["email"] = "robin@example.com" },
            new JsonObject { ["key"] = "kit", ["name"] = "Kit", ["phone"] = "+447911123458" },
        };
        body["checkIns"] = new JsonArray
        {
            new JsonObject { ["to"] = "robin", ["channel"] = "sms", ["after"] = "end", ["offset"] = "PT30M", ["message"] = message },
            new JsonObject { ["to"] = "robin", ["channel"] = "email", ["after"] = "end", ["offset"] = "PT30M", ["message"] = message },
            new JsonObject { ["to"] = "kit", ["channel"] = "sms", ["after"] = "end", ["offset"] = "PT30M", ["message"] = message },
        };
        return body;
    }
}
