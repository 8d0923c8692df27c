using AftercareNudge.Hosting;
using AftercareNudge.Messaging.Email;
using AftercareNudge.Messaging.Outbox;
using AftercareNudge.Messaging.Sms;
using Microsoft.Extensions.Options;

namespace AftercareNudge.Messaging;

/// <summary>
/// Which way messages leave: through Twilio and SendGrid when both are configured, or into the
/// development outbox when neither is. One without the other is a configuration error: a deployed app
/// must never quietly send half its messages nowhere.
/// </summary>
public sealed class DeliveryOptions
{
    public bool TwilioConfigured { get; set; }

    public bool SendGridConfigured { get; set; }

    public bool PublicBaseUrlSet { get; set; }

    /// <summary>
    /// Deployed: the host did not say this is a development run. <c>func start</c> and the local host
    /// set <c>AZURE_FUNCTIONS_ENVIRONMENT=Development</c>; Azure sets nothing, which is Production.
    /// </summary>
    public bool Deployed { get; set; }

    public bool UsesOutbox => !TwilioConfigured && !SendGridConfigured;

    /// <summary>
    /// Whether messages reach real people: Twilio or SendGrid is configured, so the outbox does not
    /// stand in. Not the same as <see cref="Deployed"/>: a local run with providers configured writes to people too.
    /// </summary>
    public static bool ReachesPeople(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return TwilioConfiguredIn(configuration) || SendGridConfiguredIn(configuration);
    }

    internal static bool TwilioConfiguredIn(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration["Twilio:AccountSid"]);

    internal static bool SendGridConfiguredIn(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration["SendGrid:ApiKey"]);

    public IEnumerable<string> Problems()
    {
        if (TwilioConfigured != SendGridConfigured)
        {
            yield return TwilioConfigured
                ? "SendGrid:ApiKey is required when Twilio is configured: configure both providers, or neither to use the development outbox."
                : "Twilio:AccountSid is required when SendGrid is configured: configure both providers, or neither to use the development outbox.";
        }

        if (UsesOutbox && Deployed)
        {
            // The outbox prints and lists people's numbers and messages: never in a deployed app.
            yield return "Twilio and SendGrid must be configured where the host does not say Development (AZURE_FUNCTIONS_ENVIRONMENT): the development outbox is for local runs only (Twilio:AccountSid and SendGrid:ApiKey are not set).";
        }

        if (!PublicBaseUrlSet)
        {
            yield return "Public:BaseUrl is required: the links in emails and the webhook signatures are built from it (locally, http://127.0.0.1:7071).";
        }
    }
}

public static class MessagingExtensions
{
    /// <summary>The key of the email sender that hands an email to SendGrid or the outbox as it is.</summary>
    public const string EmailTransportKey = "email-transport";

    public static IServiceCollection AddMessaging(this IServiceCollection services)
    {
        services.AddValidatedOptions<PublicOptions>((o, c) => c.GetSection(PublicOptions.Section).Bind(o), o => o.Problems());
        services.AddValidatedOptions<TwilioOptions>((o, c) => c.GetSection(TwilioOptions.Section).Bind(o), o => o.Problems());
        services.AddValidatedOptions<SendGridOptions>((o, c) => c.GetSection(SendGridOptions.Section).Bind(o), o => o.Problems());
        services.AddValidatedOptions<DeliveryOptions>(
            (o, c) =>
            {
                o.TwilioConfigured = DeliveryOptions.TwilioConfiguredIn(c);
                o.SendGridConfigured = DeliveryOptions.SendGridConfiguredIn(c);
                o.PublicBaseUrlSet = !string.IsNullOrWhiteSpace(c["Public:BaseUrl"]);
                o.Deployed = c[HostDefaults.EnvironmentKey] is not { } environment
                    || environment.Equals(Environments.Production, StringComparison.OrdinalIgnoreCase);
            },
            o => o.Problems());

        services.AddValidatedOptions<SmsCountryOptions>(
            (o, c) =>
            {
                o.AllowedCountries = c[SmsCountryOptions.Setting] is { Length: > 0 } listed ? listed : null;
                o.TwilioFrom = c["Twilio:From"];
                o.TwilioMessagingService = !string.IsNullOrWhiteSpace(c["Twilio:MessagingServiceSid"]);
                o.UsesOutbox = !DeliveryOptions.ReachesPeople(c);
            },
            o => o.Problems());

        // Transient: the SendGrid client is a typed HttpClient, which must not be captured by singletons.
        services.AddTwilioSms();
        services.AddSendGridEmail();
        services.AddOutbox();

        services.AddTransient<ISmsSender>(sp => sp.GetRequiredService<IOptions<DeliveryOptions>>().Value.UsesOutbox
            ? sp.GetRequiredService<OutboxSender>()
            : sp.GetRequiredService<TwilioSmsClient>());

        // Keyed: the email transport alone. The IEmailSender the app sends through is registered by the
        // feature that decides what every email carries (Consent: the unsubscribe link), over this one.
        services.AddKeyedTransient<IEmailSender>(EmailTransportKey, (sp, _) => sp.GetRequiredService<IOptions<DeliveryOptions>>().Value.UsesOutbox
            ? sp.GetRequiredService<OutboxSender>()
            : sp.GetRequiredService<SendGridEmailSender>());
        return services;
    }
}
