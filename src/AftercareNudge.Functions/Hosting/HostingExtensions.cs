namespace AftercareNudge.Hosting;

public static class HostingExtensions
{
    /// <summary>
    /// The worker platform: the clock, telemetry (with the logs that could carry a link token held
    /// quiet), problem details, and how every HTTP answer writes JSON. On the builder, as telemetry
    /// needs its logging and configuration.
    /// </summary>
    public static IHostApplicationBuilder AddHosting(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddTelemetry();
        builder.Services.AddProblemDetails();
        builder.Services.AddJsonAnswers();
        return builder;
    }
}
