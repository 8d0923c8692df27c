using AftercareNudge.Hosting;
using AftercareNudge.Messaging;

namespace AftercareNudge.Consent;

public static class ConsentExtensions
{
    public static IServiceCollection AddConsent(this IServiceCollection services)
    {
        services.AddValidatedOptions<ServiceOptions>(
            (o, c) =>
            {
                c.GetSection(ServiceOptions.Section).Bind(o);
                o.ReachesPeople = DeliveryOptions.ReachesPeople(c);
            },
            o => o.Problems());
        services.AddValidatedOptions<MissingConsentOptions>((o, c) => c.GetSection(MissingConsentOptions.Section).Bind(o), o => o.Problems());
        services.AddTransient<MissingConsentNotices>();
        services.AddSingleton<ConsentStore>();
        services.AddSingleton<ConsentGate>();
        services.AddTransient<ConsentPages>();
        services.AddSingleton<LinkTokens>();
        services.AddTransient<ConsentRequests>();
        services.AddSingleton<OptOuts>();
        services.AddSingleton<ConsentSkips>();
        services.AddSingleton<RefusedCheckIns>();
        services.AddSingleton<SmsKeywordAnswers>();
        services.AddSingleton<HeldConsentRequests>();
        services.AddSingleton<ConsentRequestCap>();

        // Every email the app sends carries its unsubscribe link: Consent's, over Messaging's email transport.
        services.AddTransient<IEmailSender, UnsubscribeLinks>();
        return services;
    }
}
