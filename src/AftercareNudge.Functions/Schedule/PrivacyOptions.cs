namespace AftercareNudge.Schedule;

/// <summary>Settings <c>Privacy__*</c>.</summary>
public sealed class PrivacyOptions
{
    public const string Section = "Privacy";

    public static readonly TimeSpan MinimumRetention = TimeSpan.FromDays(1);
    public static readonly TimeSpan MaximumRetention = TimeSpan.FromDays(3650);

    /// <summary>How long an event's content is kept after its last check-in (or its end, if later).</summary>
    public TimeSpan RetainEventContentFor { get; set; } = TimeSpan.FromDays(30);

    public IEnumerable<string> Problems()
    {
        if (RetainEventContentFor < MinimumRetention || RetainEventContentFor > MaximumRetention)
        {
            yield return "Privacy:RetainEventContentFor must be between 1.00:00:00 (a day, so that late delivery reports and replies still find their event) "
                + "and 3650.00:00:00, such as 30.00:00:00 for thirty days.";
        }
    }
}
