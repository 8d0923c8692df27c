using AftercareNudge.Consent;
using AftercareNudge.Schedule;

namespace AftercareNudge.Tests.Consent;

/// <summary>
/// The consent rules, written once: what the gate answers for every state in force, with and without
/// a plan the message carries, and how each sender reads the answer. The storage half (one request for
/// the global and the organiser's row; a global opt-out wins) is in the integration tests' ConsentGateTests.
/// </summary>
public sealed class ConsentGateRuleTests
{
    private static readonly Participant Alex = new("alex", "Alex", "+447911123456", "alex@example.com", "Etc/UTC", Needs: "A hug.");
    private static readonly Participant Sam = new(Participant.OrganizerKey, "Sam", "+447700900123", "sam@example.com", "Etc/UTC");

    private static EventRecord Event(string? plan, Participant person) => new(
        "ev_1", "clientA", "org", "Dinner", "date", "Etc/UTC", "2026-12-05T19:00", "2026-12-05T23:00",
        DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, Sam, [person], DateTimeOffset.UnixEpoch, null, Plan: plan);

    private static Participant Agreed(string? plan) => Alex with { AgreedPlan = AftercarePlan.Version(Event(plan, Alex), Alex) };

    [Theory]
    [InlineData(ConsentState.OptedOut, GateAnswer.OptedOut)]
    [InlineData(ConsentState.Pending, GateAnswer.NotAgreed)]
    [InlineData(ConsentState.Declined, GateAnswer.Declined)]
    [InlineData(ConsentState.Granted, GateAnswer.Allowed)]
    public void WithoutThePlan_TheStateInForceDecides(ConsentState inForce, GateAnswer expected)
    {
        // A text never carries the plan: not having agreed to it does not hold a text back.
        Assert.Equal(expected, ConsentGate.Decide(inForce, carriesPlan: false, Event("Blankets.", Alex), Alex));
    }

    [Theory]
    [InlineData(ConsentState.OptedOut, GateAnswer.OptedOut)]
    [InlineData(ConsentState.Pending, GateAnswer.NotAgreed)]
    [InlineData(ConsentState.Declined, GateAnswer.Declined)]
    public void AnOptOutOrAMissingConsent_ComesBeforeThePlan(ConsentState inForce, GateAnswer expected)
    {
        // In order: the opt-out, then the organiser's consent, and only then the plan.
        Assert.Equal(expected, ConsentGate.Decide(inForce, carriesPlan: true, Event("Blankets.", Alex), Alex));
        Assert.Equal(expected, ConsentGate.Decide(inForce, carriesPlan: true, Event("Blankets.", Alex), Agreed("Blankets.")));
    }

    [Fact]
    public void AMessageCarryingThePlan_NeedsTheAgreementToThePlanAsItNowReads()
    {
        var record = Event("Blankets.", Alex);

        Assert.Equal(GateAnswer.PlanNotAgreed, ConsentGate.Decide(ConsentState.Granted, carriesPlan: true, record, Alex));
        Assert.Equal(GateAnswer.Allowed, ConsentGate.Decide(ConsentState.Granted, carriesPlan: true, record, Agreed("Blankets.")));
        Assert.Equal(GateAnswer.PlanChanged, ConsentGate.Decide(ConsentState.Granted, carriesPlan: true, record, Agreed("Blankets and tea.")));
    }

    [Fact]
    public void WithNoPlan_OrToTheOrganiserWhoWroteIt_ThereIsNothingToAgreeTo()
    {
        var noPlan = Alex with { Needs = null };

        Assert.Equal(GateAnswer.Allowed, ConsentGate.Decide(ConsentState.Granted, carriesPlan: true, Event(null, noPlan), noPlan));
        Assert.Equal(GateAnswer.Allowed, ConsentGate.Decide(ConsentState.Granted, carriesPlan: true, Event("Blankets.", Alex), Sam));
    }

    [Fact]
    public void OnlyAnEmailCarriesThePlan()
    {
        Assert.True(ConsentGate.CarriesPlan(Channel.Email));
        Assert.False(ConsentGate.CarriesPlan(Channel.Sms));
    }

    [Theory]
    [InlineData(GateAnswer.OptedOut, "opted-out", ConsentState.OptedOut, false)]
    [InlineData(GateAnswer.NotAgreed, "no-consent", ConsentState.Pending, true)]
    [InlineData(GateAnswer.Declined, "declined", ConsentState.Declined, false)]
    [InlineData(GateAnswer.PlanNotAgreed, "no-consent", ConsentState.Pending, true)]
    [InlineData(GateAnswer.PlanChanged, "plan-changed", ConsentState.Pending, true)]
    public void EachSender_ReadsAHeldBackAnswer_OneWay(GateAnswer answer, string skipReason, ConsentState shown, bool asked)
    {
        Assert.Equal(skipReason, answer.SkipReason());
        Assert.Equal(shown, answer.ShownAs());
        Assert.Equal(asked, answer.WaitsForAnAnswer());
    }

    [Fact]
    public void AnAllowedMessage_ShowsAsGranted_IsNotAskedAgain_AndIsNeverSkipped()
    {
        Assert.Equal(ConsentState.Granted, GateAnswer.Allowed.ShownAs());
        Assert.False(GateAnswer.Allowed.WaitsForAnAnswer());
        Assert.Throws<ArgumentOutOfRangeException>(() => GateAnswer.Allowed.SkipReason());
    }
}
