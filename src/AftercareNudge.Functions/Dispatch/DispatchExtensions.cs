using AftercareNudge.Hosting;
using AftercareNudge.Schedule;

namespace AftercareNudge.Dispatch;

public static class DispatchExtensions
{
    public static IServiceCollection AddDispatch(this IServiceCollection services)
    {
        services.AddValidatedOptions<DispatchOptions>((o, c) => c.GetSection(DispatchOptions.Section).Bind(o), o => o.Problems());
        services.AddTransient<Dispatcher>();
        services.AddSingleton<SendQueue>();
        services.AddTransient<SendScheduler>();
        services.AddTransient<QueuedSends>();
        services.AddHostedService<RetiredDispatchSettings>();
        services.AddTransient<AftercareReminders>();
        services.AddSingleton<DeliveryFollowUps>();
        services.AddSingleton<IHandles<SkippedByRecipient>>(s => s.GetRequiredService<DeliveryFollowUps>());
        services.AddTransient<IHandles<RelayDue>, RelaysAtOnce>();
        services.AddSingleton<DeliveryReports>();
        services.AddTransient<SendGridEvents>();
        return services;
    }
}
