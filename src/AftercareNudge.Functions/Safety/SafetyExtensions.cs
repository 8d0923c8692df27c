using AftercareNudge.Consent;
using AftercareNudge.Hosting;
using AftercareNudge.Schedule;

namespace AftercareNudge.Safety;

public static class SafetyExtensions
{
    /// <summary>Check-ins that wait for an answer, and the trusted contacts told if none comes (issue 23).</summary>
    public static IServiceCollection AddSafety(this IServiceCollection services)
    {

        // Transient: an answer after an alert sends the all-clear at once, through the dispatcher's senders (typed HttpClients).
        services.AddTransient<AwaitedAnswers>();
        services.AddSingleton<AlertFollowUps>();
        services.AddSingleton<SafetySteps>();
        services.AddSingleton<EscalationOutcomes>();
        services.AddTransient<ContactRequests>();
        services.AddTransient<SafetyCancellations>();
        services.AddTransient<ContactPages>();
        services.AddSingleton<ContactAgreements>();
        services.AddSingleton<IHandles<ConsentChanged>>(s => s.GetRequiredService<ContactAgreements>());

        // A contact who leaves: the handler only writes a row and raises an event (it must not need the
        // consent store, which raised the decision); the organiser's notices are sent by a timer.
        services.AddSingleton<SafetyNoticeList>();
        services.AddSingleton<HeldContactRequests>();
        services.AddSingleton<ContactGaps>();
        services.AddSingleton<IHandles<ConsentChanged>>(s => s.GetRequiredService<ContactGaps>());
        services.AddTransient<SafetyNotices>();
        return services;
    }
}
