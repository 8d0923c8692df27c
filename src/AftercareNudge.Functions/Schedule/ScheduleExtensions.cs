using AftercareNudge.Hosting;

namespace AftercareNudge.Schedule;

public static class ScheduleExtensions
{
    /// <summary>The schedule every feature plans around: its store, its indexes, and the domain events it raises.</summary>
    public static IServiceCollection AddSchedule(this IServiceCollection services)
    {
        services.AddValidatedOptions<PrivacyOptions>((o, c) => c.GetSection(PrivacyOptions.Section).Bind(o), o => o.Problems());
        services.AddSingleton<EventStore>();
        services.AddSingleton<PendingChanges>();
        services.AddSingleton<ClientEventIndex>();
        services.AddSingleton<DueCheckInIndex>();
        services.AddSingleton<RecipientCheckIns>();
        services.AddSingleton<PurgeIndex>();
        services.AddSingleton<AddressIndex>();
        services.AddSingleton<PrivacyIndexes>();
        services.AddTransient(typeof(DomainEvents<>));
        return services;
    }
}
