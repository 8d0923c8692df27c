using AftercareNudge.Consent;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Consent;

/// <summary>
/// The consent gate over the consent rows in storage (Azurite): the address's opt-out of a channel
/// wins over any organiser's consent; one organiser's consent is not another's; a channel is not the
/// other channel. The rule's every case, without storage, is in ConsentGateRuleTests.
/// </summary>
public sealed class ConsentGateTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private ConsentStore Consents => App.Services.GetRequiredService<ConsentStore>();

    private ConsentGate Gate => App.Services.GetRequiredService<ConsentGate>();

    private static Participant Person()
    {
        // A fresh address per test: the suite shares one storage account.
        var digits = Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new Participant("alex", "Alex", "+4479" + digits, $"alex{digits}@example.com", "Etc/UTC");
    }

    private static EventRecord Event(Participant person, string organizerId, string? plan = null) => new(
        "ev_gate", "clientA", organizerId, "Dinner", "date", "Etc/UTC", "2026-12-05T19:00", "2026-12-05T23:00",
        DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, new Participant(Participant.OrganizerKey, "Sam", "+447700900123", null, "Etc/UTC"),
        [person], DateTimeOffset.UnixEpoch, null, Plan: plan);

    private Task DecideAsync(Channel channel, Participant person, string? organizerId, ConsentState state) =>
        Consents.RecordAsync(new ConsentDecision(channel, person.Address(channel)!, organizerId, state, "test:gate", ""), Ct);

    [Fact]
    public async Task NothingDecided_IsNotAgreed_AndAGrant_Allows()
    {
        var alex = Person();
        var record = Event(alex, "org-a");
        await Consents.EnsurePendingAsync(Channel.Sms, alex.Phone!, "org-a", Ct);

        Assert.Equal(GateAnswer.NotAgreed, await Gate.AskAsync(record, alex, Channel.Sms, Ct));

        await DecideAsync(Channel.Sms, alex, "org-a", ConsentState.Granted);
        Assert.Equal(GateAnswer.Allowed, await Gate.AskAsync(record, alex, Channel.Sms, Ct));
        Assert.True(await Gate.MayReachAsync(record, alex, Channel.Sms, Ct));
    }

    [Fact]
    public async Task AnOptOutOfTheChannel_WinsOverTheOrganisersConsent_OnThatChannelOnly()
    {
        var alex = Person();
        var record = Event(alex, "org-a");
        await DecideAsync(Channel.Sms, alex, "org-a", ConsentState.Granted);
        await DecideAsync(Channel.Email, alex, "org-a", ConsentState.Granted);

        await DecideAsync(Channel.Sms, alex, null, ConsentState.OptedOut);

        Assert.Equal(GateAnswer.OptedOut, await Gate.AskAsync(record, alex, Channel.Sms, Ct));
        Assert.Equal(GateAnswer.Allowed, await Gate.AskAsync(record, alex, Channel.Email, Ct));
    }

    [Fact]
    public async Task OneOrganisersConsent_IsNotAnothers()
    {
        var alex = Person();
        await DecideAsync(Channel.Sms, alex, "org-a", ConsentState.Granted);
        await DecideAsync(Channel.Sms, alex, "org-b", ConsentState.Declined);

        Assert.Equal(GateAnswer.Allowed, await Gate.AskAsync(Event(alex, "org-a"), alex, Channel.Sms, Ct));
        Assert.Equal(GateAnswer.Declined, await Gate.AskAsync(Event(alex, "org-b"), alex, Channel.Sms, Ct));
        Assert.Equal(GateAnswer.NotAgreed, await Gate.AskAsync(Event(alex, "org-c"), alex, Channel.Sms, Ct));
    }

    [Fact]
    public async Task AnEmail_WaitsForThePlan_ATextDoesNot()
    {
        var alex = Person() with { Needs = "A hug." };
        var record = Event(alex, "org-a", plan: "Blankets.");
        await DecideAsync(Channel.Sms, alex, "org-a", ConsentState.Granted);
        await DecideAsync(Channel.Email, alex, "org-a", ConsentState.Granted);

        Assert.Equal(GateAnswer.Allowed, await Gate.AskAsync(record, alex, Channel.Sms, Ct));
        Assert.Equal(GateAnswer.PlanNotAgreed, await Gate.AskAsync(record, alex, Channel.Email, Ct));

        var agreed = alex with { AgreedPlan = AftercarePlan.Version(record, alex) };
        Assert.Equal(GateAnswer.Allowed, await Gate.AskAsync(record with { People = [agreed] }, agreed, Channel.Email, Ct));
    }

    [Fact]
    public async Task APersonWithNoAddressOnTheChannel_IsNotAgreed()
    {
        var alex = Person() with { Email = null };

        Assert.Equal(GateAnswer.NotAgreed, await Gate.AskAsync(Event(alex, "org-a"), alex, Channel.Email, Ct));
    }
}
