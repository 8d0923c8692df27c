namespace AftercareNudge.Schedule;

/// <summary>
/// What a name reads once it is gone: erased on the person's request (<see cref="Erased"/>) or purged
/// with the event's content (<see cref="Deleted"/>). Stored in place of the name.
/// </summary>
public static class RemovedNames
{
    public const string Erased = "(erased)";

    public const string Deleted = "(deleted)";

    /// <summary>The name as others may be told it, or null once it was erased or purged.</summary>
    public static string? Readable(string name) => name is Erased or Deleted ? null : name;
}
