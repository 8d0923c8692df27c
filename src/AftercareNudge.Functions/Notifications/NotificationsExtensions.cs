using AftercareNudge.Consent;
using AftercareNudge.Hosting;
using AftercareNudge.Schedule;

namespace AftercareNudge.Notifications;

public static class NotificationsExtensions
{
    public static IServiceCollection AddNotifications(this IServiceCollection services)
    {
        services.AddValidatedOptions<WebhookOptions>(
            (o, c) =>
            {
                foreach (var key in c.GetSection("Api:Keys").GetChildren())
                {
                    o.KnownClients.Add(key.Key);
                }

                o.LookAhead = c.GetValue("Notifications:LookAhead", o.LookAhead);
                foreach (var client in c.GetSection("Api:Webhooks").GetChildren())
                {
                    var url = client["Url"];
                    var secret = client["Secret"];
                    if (!string.IsNullOrEmpty(url) || !string.IsNullOrEmpty(secret))
                    {
                        o.Configured[client.Key] = (url, secret);
                    }
                }
            },
            o => o.Problems());
        services.AddSingleton<WebhookNotifications>();

        // Client apps are told what happened: the features raise it, not knowing who listens.
        services.AddSingleton<IHandles<CheckInFinished>>(s => s.GetRequiredService<WebhookNotifications>());
        services.AddSingleton<IHandles<ReplyReceived>>(s => s.GetRequiredService<WebhookNotifications>());
        services.AddSingleton<IHandles<OrganizerUnconfirmed>>(s => s.GetRequiredService<WebhookNotifications>());
        services.AddSingleton<IHandles<ConsentChanged>>(s => s.GetRequiredService<WebhookNotifications>());
        services.AddSingleton<IHandles<SafetyNetChanged>>(s => s.GetRequiredService<WebhookNotifications>());
        services.AddSingleton<WebhookDelivery>();
        services.AddSingleton<WebhookAtOnce>();
        services.AddHostedService(s => s.GetRequiredService<WebhookAtOnce>());

        // No retry handler on purpose: the outbox's backoff is the retry. No redirects, no cookies.
        services.AddHttpClient(WebhookDelivery.HttpClientName, c => c.Timeout = WebhookDelivery.RequestTimeout)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        return services;
    }
}

public sealed class NotificationFunctions(WebhookDelivery delivery, ILogger<NotificationFunctions> logger)
{
    /// <summary>Every minute, at second 30: what client webhooks are owed.</summary>
    [Microsoft.Azure.Functions.Worker.Function("DeliverWebhookNotifications")]
    public async Task DeliverWebhookNotifications(
        [Microsoft.Azure.Functions.Worker.TimerTrigger("30 * * * * *")] Microsoft.Azure.Functions.Worker.TimerInfo timer,
        CancellationToken cancellationToken)
    {
        var report = await delivery.RunAsync(cancellationToken);
        Hosting.TimerLog.Ran(logger, "DeliverWebhookNotifications", timer.IsPastDue, $"delivered {report.Delivered}, not accepted {report.Failed}, given up {report.GaveUp}, cleaned {report.Cleaned}");
    }
}
