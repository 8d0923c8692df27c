using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;

namespace AftercareNudge.IntegrationTests.Replies;

/// <summary>
/// Nothing a person writes meets silence: a text from a number with check-ins planned but none sent yet
/// is answered truthfully (not passed on, not kept, contact the person directly), naming who planned them
/// only when exactly one organiser across every client did, and is never forwarded to anyone.
/// </summary>
public sealed class NothingSentYetTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string AlexPhone = "+447911123457";
    private const string Message = "Rough night. Can you ring me?";

    [Fact]
    public async Task Text_BeforeAnyCheckIn_IsAnsweredOnce_NamingTheOneOrganizer_AndIsKeptNowhere()
    {
        var view = await App.RegisterAsync(Requests.DinnerTextingAlex(App.Time.GetUtcNow()));
        await App.ReplyAsync(AlexPhone, "YES");
        var before = (await App.OutboxAsync()).Count(m => m.Kind != MessageKinds.ConsentReply);

        var answer = await App.ReplyAsync(AlexPhone, Message);
        var again = await App.ReplyAsync(AlexPhone, "Hello?");

        Assert.Contains("Your message was not passed on or kept. To reach Sam, contact them directly.", answer, StringComparison.Ordinal);
        Assert.Contains("No one reads this number.", answer, StringComparison.Ordinal);
        Assert.Contains("not an emergency service", answer, StringComparison.Ordinal);
        Assert.Equal("<Response></Response>", again);
        // Nothing went anywhere but the answer to Alex: no relay, no notice, nothing to Sam.
        Assert.Equal(before, (await App.OutboxAsync()).Count(m => m.Kind != MessageKinds.ConsentReply));
        Assert.All((await App.GetEventAsync(view.Id)).CheckIns, c => Assert.Empty(c.Replies));
    }

    [Fact]
    public async Task Text_BeforeAnyCheckIn_FromANumberTwoOrganizersPlannedFor_NamesNeither()
    {
        await App.RegisterAsync(Requests.DinnerTextingAlex(App.Time.GetUtcNow()));
        await App.RegisterAsync(Requests.DinnerTextingAlex(App.Time.GetUtcNow(), "Jo", "+447911123458"));

        var answer = await App.ReplyAsync(AlexPhone, Message);

        Assert.Contains("To reach the person who planned your check-ins, contact them directly.", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("Sam", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("Jo", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Text_FromANumberThatOptedOut_GetsNothing()
    {
        await App.RegisterAsync(Requests.DinnerTextingAlex(App.Time.GetUtcNow()));
        await App.ReplyAsync(AlexPhone, "STOP");

        Assert.Equal("<Response></Response>", await App.ReplyAsync(AlexPhone, Message));
    }

    [Fact]
    public async Task Text_FromANumberNothingIsPlannedFor_GetsNothing()
    {
        Assert.Equal("<Response></Response>", await App.ReplyAsync("+447911123499", Message));
        Assert.DoesNotContain(await App.OutboxAsync(), m => m.Kind == MessageKinds.Relay);
    }
}
