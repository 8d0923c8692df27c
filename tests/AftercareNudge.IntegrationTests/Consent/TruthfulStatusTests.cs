using System.Net;
using System.Text.Json.Nodes;
using AftercareNudge.Consent;
using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Schedule;

namespace AftercareNudge.IntegrationTests.Consent;

/// <summary>
/// NO is heard at once, and the event's status says what is left: a NO skips that organiser's
/// check-ins to the person on the channel now (reason <c>declined</c>); check-ins planned to an address
/// that already refused are skipped at registration; an event with nothing left reads <c>completed</c>
/// when something was sent and <c>ended</c> when nothing was; a channel no message uses reads
/// <c>not-needed</c> instead of pending for ever.
/// </summary>
public sealed class TruthfulStatusTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string SamPhone = "+447911123456";
    private const string AlexPhone = "+447911123457";
    private const string AlexEmail = "alex@example.com";

    [Fact]
    public async Task SmsNo_SkipsThatOrganizersCheckInsToThePerson_AtOnce_AndTheOrganizerHearsWhenItWouldHaveArrived()
    {
        var view = await App.RegisterAsync(Requests.DinnerTextingAlex(App.Time.GetUtcNow()));
        await App.ReplyAsync(SamPhone, "YES");

        var answer = await App.ReplyAsync(AlexPhone, "NO");

        Assert.Contains("you won't get check-ins from Sam", answer, StringComparison.Ordinal);
        var after = await App.GetEventAsync(view.Id);
        var toAlex = after.CheckIns.Single(c => c.To == "alex" && c.Kind == CheckInKind.CheckIn);
        Assert.Equal(CheckInStatus.Skipped, toAlex.Status);
        Assert.Equal(CheckInReasons.Declined, toAlex.Reason);
        Assert.Equal(ConsentState.Declined, after.People.Single().Consent["sms"]);
        // What is left is the organiser's own check-in, which they agreed to, and the notice about Alex's.
        Assert.Equal(EventStatus.Scheduled, after.Status);
        var notice = after.CheckIns.Single(c => c.Kind == CheckInKind.Notice);
        Assert.Equal(toAlex.DueAt, notice.DueAt);

        // A day on (Alex's check-in was due at 05:00, in the organiser's quiet hours, which hold the notice).
        App.Time.Advance(TimeSpan.FromDays(1));
        await App.DispatchAsync();
        var told = Assert.Single(await App.OutboxAsync(MessageKinds.Notice));
        Assert.Contains("Alex said no to getting your check-in texts", told.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(await App.OutboxAsync(MessageKinds.CheckIn), m => m.To == AlexPhone);
    }

    [Fact]
    public async Task Decline_OnTheConsentPage_SkipsThatOrganizersCheckInEmails_AtOnce()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));

        var declined = await ConsentLinks.PostFormAsync(App, await ConsentLinks.OnlyPathAsync(App, AlexEmail), ("decision", "decline"));

        Assert.Equal(HttpStatusCode.OK, declined.StatusCode);
        var toAlex = (await App.GetEventAsync(view.Id)).CheckIns.Single(c => c.To == "alex");
        Assert.Equal(CheckInStatus.Skipped, toAlex.Status);
        Assert.Equal(CheckInReasons.Declined, toAlex.Reason);
    }

    [Fact]
    public async Task OnlyCheckIn_DeclinedByTheOrganizer_EndsTheEvent_AsEndedNotCompleted()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["checkIns"] = new JsonArray { body["checkIns"]![0]!.DeepClone() };
        var view = await App.RegisterAsync(body);

        await App.ReplyAsync(SamPhone, "NO");

        var after = await App.GetEventAsync(view.Id);
        Assert.Equal(CheckInReasons.Declined, Assert.Single(after.CheckIns).Reason);
        Assert.Equal(EventStatus.Ended, after.Status);
    }

    [Fact]
    public async Task OnlyRecipient_AlreadyOptedOut_IsSkippedAtRegistration_AndTheEventEnds()
    {
        await App.ReplyAsync(AlexPhone, "STOP");
        var body = Requests.DinnerTextingAlex(App.Time.GetUtcNow());
        body["checkIns"] = new JsonArray { body["checkIns"]![1]!.DeepClone() };

        var view = await App.RegisterAsync(body);

        var only = Assert.Single(view.CheckIns);
        Assert.Equal(CheckInStatus.Skipped, only.Status);
        Assert.Equal(CheckInReasons.OptedOut, only.Reason);
        Assert.Equal(ConsentState.OptedOut, view.People.Single().Consent["sms"]);
        Assert.Equal(EventStatus.Ended, view.Status);
        Assert.Equal(EventStatus.Ended, (await App.GetEventAsync(view.Id)).Status);
    }

    [Fact]
    public async Task AllSent_IsCompleted()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["checkIns"] = new JsonArray { body["checkIns"]![0]!.DeepClone() };
        var view = await App.RegisterAsync(body);
        await App.ReplyAsync(SamPhone, "YES");

        App.Time.Advance(view.CheckIns[0].DueAt - App.Time.GetUtcNow() + TimeSpan.FromSeconds(1));
        await App.DispatchAsync();

        Assert.Equal(EventStatus.Completed, (await App.GetEventAsync(view.Id)).Status);
    }

    [Fact]
    public async Task Channels_NoMessageUses_ReadNotNeeded_WhileThoseInUseReadPending()
    {
        // Sam gets a text and Alex an email; neither is asked about the other channel.
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));

        Assert.Equal(ConsentState.Pending, view.Organizer.Consent["sms"]);
        Assert.Equal(ConsentState.NotNeeded, view.Organizer.Consent["email"]);
        Assert.Equal(ConsentState.Pending, view.People.Single().Consent["email"]);
        Assert.Equal(ConsentState.NotNeeded, view.People.Single().Consent["sms"]);
        Assert.Equal(EventStatus.AwaitingConsent, view.Status);
        Assert.DoesNotContain(await App.OutboxAsync(MessageKinds.ConsentRequest), m => m.To is "sam@example.com" or AlexPhone);
    }
}
