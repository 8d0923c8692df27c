using System.Net.Http.Json;
using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging.Outbox;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Consent;

/// <summary>Lock screens are read by others: no SMS and no email subject the service writes names the event's title or kind.</summary>
public sealed class DiscretionTests(AzuriteFixture azurite)
{
    [Theory]
    [InlineData("scene", "Rope scene with Jordan")]
    [InlineData("therapy", "Therapy session with Dr Lee")]
    [InlineData("enm-date", "ENM date night")]
    [InlineData("date", "First date with Alex")]
    [InlineData("conversation", "Hard conversation about the move")]
    public async Task EveryMessage_NeverNamesTheEventsTitleOrKind_InAnSmsOrAnEmailSubject(string kind, string title)
    {
        await using var app = new AppFactory(azurite);
        var body = Requests.Dinner(app.Time.GetUtcNow());
        body["kind"] = kind;
        body["title"] = title;
        var view = await app.RegisterAsync(body);
        var client = app.CreateClient();
        foreach (var reply in new[] { "YES", "HELP", "I'm okay" })
        {
            await client.PostAsJsonAsync("/api/dev/sms", new { from = "+447911123456", body = reply }, TestContext.Current.CancellationToken);
        }

        await app.GrantAsync(view, "alex", Channel.Email);
        app.Time.Advance(TimeSpan.FromDays(1));
        await app.DispatchAsync();
        await client.PostAsJsonAsync("/api/dev/sms", new { from = "+447911123456", body = "STOP" }, TestContext.Current.CancellationToken);
        await client.PostAsJsonAsync("/api/dev/sms", new { from = "+447911123456", body = "START" }, TestContext.Current.CancellationToken);

        var outbox = await app.Services.GetRequiredService<OutboxSender>().ListAsync(1000, CancellationToken.None);
        var visible = outbox.Select(m => m.Channel == "sms" ? m.Body : m.Subject!).ToList();
        Assert.Contains(outbox, m => m.Channel == "sms" && m.Kind == "check-in");
        Assert.Contains(outbox, m => m.Channel == "email" && m.Kind == "check-in");
        Assert.Contains(outbox, m => m.Kind == "consent-request");
        Assert.Contains(outbox, m => m.Kind == "consent-reply");
        var forbidden = title.Split(' ').Where(w => w.Length > 3 && w != "with" && w != "about").Append(kind).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        foreach (var text in visible)
        {
            foreach (var word in forbidden)
            {
                Assert.DoesNotContain(word, text, StringComparison.OrdinalIgnoreCase);
            }
        }
    }
}
