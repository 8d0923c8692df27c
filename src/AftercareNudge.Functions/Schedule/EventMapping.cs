namespace AftercareNudge.Schedule;

/// <summary>
/// The one mapping from validated domain values (<see cref="PlannedEvent"/>, <see cref="PlannedCheckIn"/>)
/// to what is stored: a registration's rows, the fields a change (PATCH) rewrites on the event, and
/// the check-ins a change adds.
/// </summary>
internal static class EventMapping
{
    public static EventRecord NewEvent(string eventId, string clientId, string organizerId, PlannedEvent planned, DateTimeOffset createdAt) =>
        WithPlanned(new EventRecord(eventId, clientId, organizerId, planned.Title, planned.Kind, planned.Zone.Id, "", "", default, default, planned.Organizer, planned.People, createdAt, null), planned);

    /// <summary>
    /// The event as planned: its zone and times (wall-clock text and UTC instant), its plan, and
    /// everyone as planned (needs, and a zone that follows the event's).
    /// </summary>
    public static EventRecord WithPlanned(EventRecord record, PlannedEvent planned) => record with
    {
        TimeZone = planned.Zone.Id,
        StartsAtLocal = EventTime.FormatLocal(planned.StartsAt.LocalDateTime),
        EndsAtLocal = EventTime.FormatLocal(planned.EndsAt.LocalDateTime),
        StartsAtUtc = planned.StartsAt.ToDateTimeOffset().ToUniversalTime(),
        EndsAtUtc = planned.EndsAt.ToDateTimeOffset().ToUniversalTime(),
        Organizer = planned.Organizer,
        People = planned.People,
        Plan = planned.Plan,
    };

    /// <summary>A check-in not yet tried: due, and next looked at, at its planned instant.</summary>
    public static CheckInRecord NewCheckIn(string eventId, string checkInId, int position, PlannedCheckIn planned, DateTimeOffset? movedAt = null)
    {
        var due = planned.DueAt.ToDateTimeOffset();
        return new CheckInRecord(eventId, checkInId, position, planned.To, planned.Channel, planned.Message, planned.Timing, due, due, CheckInStatus.Scheduled, null, 0, null, null, null, Kind: planned.Kind, MovedAt: movedAt, AwaitsReply: planned.Net is not null);
    }

    /// <summary>
    /// What the armed check-ins among <paramref name="planned"/> add to a registration (stored as
    /// <paramref name="checkIns"/>, in the same order): each one's ladder rows and its safety net,
    /// awaited from its due time.
    /// </summary>
    public static (IReadOnlyList<CheckInRecord> Ladders, IReadOnlyList<AwaitedReply> Awaited) Armed(EventRecord record, IReadOnlyList<PlannedCheckIn> planned, IReadOnlyList<CheckInRecord> checkIns)
    {
        var ladders = new List<CheckInRecord>();
        var awaited = new List<AwaitedReply>();
        for (var i = 0; i < planned.Count; i++)
        {
            if (planned[i].Net is { } net)
            {
                ladders.AddRange(SafetyLadder.Rows(record, checkIns[i], net));
                awaited.Add(new AwaitedReply(record.Id, checkIns[i].Id, net, checkIns[i].DueAt));
            }
        }

        return (ladders, awaited);
    }

    /// <summary>The check-in a change's journal adds (<see cref="CheckInChangeKind.Add"/>).</summary>
    public static CheckInRecord AddedCheckIn(string eventId, CheckInChange added) =>
        NewCheckIn(eventId, added.CheckInId, added.Position, new PlannedCheckIn(added.To!, added.Channel!.Value, NodaTime.Instant.FromDateTimeOffset(added.DueAt!.Value), added.Message!, added.Timing!, added.Kind), added.MovedAt)
            with { RelatesTo = added.RelatesTo, AwaitsReply = added.AwaitsReply == true };
}
