using AftercareNudge.Hosting;

namespace AftercareNudge.Safety;

public static class SafetyExtensions
{
    /// <summary>Check-ins that wait for an answer, and the trusted contacts told if none comes (issue 23, landing in steps).</summary>
    public static IServiceCollection AddSafety(this IServiceCollection services)
    {
        services.AddValidatedOptions<SafetyOptions>((o, c) => c.GetSection(SafetyOptions.Section).Bind(o), _ => SafetyOptions.Problems());
        services.AddSingleton<AwaitedAnswers>();
        return services;
    }
}
