using AftercareNudge.Hosting;
using AftercareNudge.Schedule;

namespace AftercareNudge.Dispatch;

public static class DispatchExtensions
{
    public static IServiceCollection AddDispatch(this IServiceCollection services)
    {
        services.AddValidatedOptions<DispatchOptions>((o, c) => c.GetSection(DispatchOptions.Section).Bind(o), o => o.Problems());
        services.AddTransient<Dispatcher>();
        services.AddTransient<AftercareReminders>();
        services.AddSingleton<DeliveryFollowUps>();
        services.AddSingleton<IHandles<SkippedForOptOut>>(s => s.GetRequiredService<DeliveryFollowUps>());
        // Transient, as the dispatcher it sends through now: its senders hold typed HttpClients, which no singleton may keep.
        services.AddTransient<ReplyRelays>();
        services.AddTransient<IReplyRelay>(s => s.GetRequiredService<ReplyRelays>());
        services.AddSingleton<WaitingRelays>();
        services.AddSingleton<Consent.IConsentObserver>(sp => sp.GetRequiredService<WaitingRelays>());
        services.AddSingleton<DeliveryReports>();
        services.AddTransient<SendGridEvents>();
        return services;
    }
}
