using System.Net;
using System.Text.Json.Nodes;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;

namespace AftercareNudge.IntegrationTests.Consent;

/// <summary>
/// The organiser is spoken to as the organiser: asked to confirm their own number or address for what
/// they planned for themself and for the replies and notices about their plans, never told that
/// someone "would like to send you check-ins" or that they will get the check-ins they arranged.
/// </summary>
public sealed class OrganizerWordingTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string Mo = "mo@example.com";
    private const string SamPhone = "+447911123456";

    [Fact]
    public async Task EmailConfirmation_ToTheOrganizer_SaysWhatItIsFor_OnTheEmailAndThePages()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["organizer"] = new JsonObject { ["name"] = "Mo", ["email"] = Mo };
        body["checkIns"] = new JsonArray
        {
            new JsonObject { ["to"] = "organizer", ["channel"] = "email", ["after"] = "end", ["offset"] = "PT1H", ["message"] = "How are you?" },
        };
        await App.RegisterAsync(body);

        var email = Assert.Single(await ConsentLinks.ConsentEmailsAsync(App, Mo));
        var path = ConsentLinks.PathIn(email.Body);
        var page = await (await App.CreateBrowser().GetAsync(path, Ct)).Content.ReadAsStringAsync(Ct);
        var agreed = await ConsentLinks.PostFormAsync(App, path, ("decision", "agree"));
        var agreedPage = await agreed.Content.ReadAsStringAsync(Ct);

        Assert.Equal("Please confirm your address for your check-in plans", email.Subject);
        Assert.DoesNotContain("would like to send you", email.Subject, StringComparison.Ordinal);
        Assert.Contains("the replies and notices about your plans", email.Body, StringComparison.Ordinal);
        Assert.Contains("Confirm your address for your plans", page, StringComparison.Ordinal);
        Assert.Contains("the replies and notices about your plans", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, agreed.StatusCode);
        Assert.Contains("Thank you, this address is confirmed", agreedPage, StringComparison.Ordinal);
        Assert.Contains("the replies and notices about your plans", agreedPage, StringComparison.Ordinal);
        Assert.DoesNotContain("check-in emails will arrive", agreedPage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SmsYesAndNo_FromTheOrganizer_AreAnsweredAsTheOrganizer()
    {
        await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var request = Assert.Single(await App.OutboxAsync(MessageKinds.ConsentRequest), m => m.To == SamPhone);

        var yes = await App.ReplyAsync(SamPhone, "YES");

        Assert.Contains("please confirm this number for your plans: the 1 check-in text you planned (", request.Body, StringComparison.Ordinal);
        Assert.Contains("), replies and notices.", request.Body, StringComparison.Ordinal);
        Assert.Contains("this number is confirmed for your plans", yes, StringComparison.Ordinal);
        Assert.DoesNotContain("you'll get the check-ins Sam arranged", yes, StringComparison.Ordinal);

        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["organizer"]!["phone"] = "+447911123458";
        await App.RegisterAsync(body);
        var no = await App.ReplyAsync("+447911123458", "NO");
        Assert.Contains("nothing about your plans will be texted to this number", no, StringComparison.Ordinal);
    }
}
