using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AftercareNudge.Consent;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging.Outbox;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Events;

/// <summary>
/// An opt-out cannot be dodged by an address that only looks like the one that opted out: invisible and
/// direction-changing characters are refused in email addresses, as in names, and so are the forms
/// SendGrid will not deliver to. Addresses stored before the rule can still be erased.
/// </summary>
public sealed class EmailAddressRuleTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string Unsubscribed = "alex.rlo@example.com";

    [Theory]
    [InlineData("\u202E", "U+202E")]
    [InlineData("\u200B", "U+200B")]
    public async Task Register_UnsubscribedAddressWithAnInvisibleCharacterAppended_Is400ByField_AndAsksNoOne(string character, string named)
    {
        await App.Services.GetRequiredService<OptOuts>().OptOutAsync(Channel.Email, Unsubscribed, "sendgrid:unsubscribe:sg-1", "Unsubscribed (SendGrid event webhook).", CancellationToken.None);
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["people"]![0]!["email"] = Unsubscribed + character;

        var response = await App.CreateClient(AppFactory.ClientAKey).PostAsJsonAsync("/api/events", body, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        var error = (string?)problem!["errors"]!["people[0].email"]![0];
        Assert.Equal($"An email address cannot contain invisible or direction-changing characters ({named} at position 21): retype it without them.", error);
        Assert.Empty(await App.Services.GetRequiredService<OutboxSender>().ListAsync(100, CancellationToken.None));
    }

    [Theory]
    [InlineData("\"a b\"@example.com")]
    [InlineData("alex@[127.0.0.1]")]
    public async Task Register_AddressSendGridWillNotDeliverTo_Is400ByField(string address)
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["organizer"]!["email"] = address;

        var response = await App.CreateClient(AppFactory.ClientAKey).PostAsJsonAsync("/api/events", body, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.Equal(EmailAddresses.NotDeliverable, (string?)problem!["errors"]!["organizer.email"]![0]);
    }

    [Theory]
    [InlineData("alex.rlo@example.com\u202E")]
    [InlineData("\"a b\"@example.com")]
    public async Task Erase_AddressRegistrationTookBeforeTheRule_IsStillTaken(string stored)
    {
        var response = await App.CreateClient(AppFactory.ClientAKey).DeleteAsync("/api/people/" + Uri.EscapeDataString(stored), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
