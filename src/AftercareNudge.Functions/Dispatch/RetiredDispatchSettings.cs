namespace AftercareNudge.Dispatch;

/// <summary>At start-up, a warning for each retired <c>Dispatch__*</c> setting a deployment still sets (<see cref="DispatchOptions.Retired"/>).</summary>
public sealed class RetiredDispatchSettings(IConfiguration configuration, ILogger<RetiredDispatchSettings> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var (setting, replacedBy) in Found(name => configuration[name]))
        {
            DispatchLog.RetiredSetting(logger, setting, replacedBy);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <param name="setting">A setting's value by its configuration name (<c>Dispatch:LookAhead</c>); null if not set.</param>
    internal static IEnumerable<(string Setting, string ReplacedBy)> Found(Func<string, string?> setting) =>
        DispatchOptions.Retired.Where(r => setting(DispatchOptions.Section + ":" + r.Key) is not null).Select(r => (r.Key, r.Value));
}
