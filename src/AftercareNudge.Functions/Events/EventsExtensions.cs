namespace AftercareNudge.Events;

public static class EventsExtensions
{
    public static IServiceCollection AddEvents(this IServiceCollection services)
    {
        services.AddSingleton<EventValidator>();
        services.AddTransient<EventService>();
        services.AddTransient<EventChanges>();
        services.AddSingleton<IdempotencyKeys>();
        services.AddSingleton<ClientEventBackfill>();
        return services;
    }
}
