namespace AftercareNudge.Security;

public static class SecurityExtensions
{
    /// <summary>Client API keys (and the operator's), the abuse limits per caller, and each client's daily quotas.</summary>
    public static IServiceCollection AddSecurity(this IServiceCollection services) =>
        services.AddApiKeys().AddRateLimits().AddClientQuotas();
}
