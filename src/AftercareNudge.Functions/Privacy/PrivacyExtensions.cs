namespace AftercareNudge.Privacy;

public static class PrivacyExtensions
{
    public static IServiceCollection AddPrivacy(this IServiceCollection services)
    {
        services.AddTransient<EventPurge>();
        services.AddTransient<AddressErasure>();
        return services;
    }
}
