using AftercareNudge.Consent;

namespace AftercareNudge.Replies;

public static class RepliesExtensions
{
    public static IServiceCollection AddReplies(this IServiceCollection services)
    {
        // Transient, as the relay it makes: a relay due now is sent through the dispatcher's senders, which hold typed HttpClients.
        services.AddTransient<InboundSms>();
        services.AddTransient<ReplyRelays>();
        services.AddSingleton<ReplyAcknowledgements>();
        services.AddSingleton<ReplyChoices>();
        services.AddSingleton<WaitingRelays>();
        services.AddSingleton<IConsentObserver>(sp => sp.GetRequiredService<WaitingRelays>());
        return services;
    }
}
