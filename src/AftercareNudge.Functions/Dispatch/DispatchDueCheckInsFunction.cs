using AftercareNudge.Hosting;

namespace AftercareNudge.Dispatch;

/// <summary>The <c>DispatchDueCheckIns</c> timer (every minute): one dispatch run.</summary>
public sealed class DispatchDueCheckInsFunction(IServiceScopeFactory scopes) : ITimerFunction
{
    public string Name => "DispatchDueCheckIns";

    public async Task<IReadOnlyList<string>> RunAsync(TimerInfo timer, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var report = await scope.ServiceProvider.GetRequiredService<Dispatcher>().RunAsync(cancellationToken);
        return [$"Dispatch run{(timer.IsPastDue ? " (past due)" : "")}: {report}"];
    }
}

public static class DispatchExtensions
{
    public static IServiceCollection AddDispatch(this IServiceCollection services)
    {
        services.AddValidatedOptions<DispatchOptions>((o, c) => c.GetSection(DispatchOptions.Section).Bind(o), o => o.Problems());
        services.AddSingleton<DueCheckInIndex>();
        services.AddTransient<Dispatcher>();
        services.AddTransient<Events.AftercareReminders>();
        services.AddSingleton<DeliveryFollowUps>();
        services.AddSingleton<ReplyRelays>();
        services.AddSingleton<DeliveryReports>();
        services.AddSingleton<ITimerFunction, DispatchDueCheckInsFunction>();
        return services;
    }
}
