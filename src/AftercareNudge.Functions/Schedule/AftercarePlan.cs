using System.Text;
using AftercareNudge.Storage;

namespace AftercareNudge.Schedule;

/// <summary>
/// The aftercare plan of an event: the shared plan and each person's needs. Agreeing on the consent page
/// means agreeing to the plan as written, so the plan has a version per person (a hash of the words
/// that person is shown); a person who agreed to older words is asked again, and gets no email until they agree.
/// </summary>
public static class AftercarePlan
{
    public const int MaxPlanLength = 2000;
    public const int MaxNeedsLength = 500;
    public const int MaxReminders = 10;

    /// <summary>Whether the event has a plan for anyone to agree to.</summary>
    public static bool Exists(EventRecord record) =>
        !string.IsNullOrEmpty(record.Plan) || record.Everyone.Any(p => !string.IsNullOrEmpty(p.Needs));

    /// <summary>
    /// A short digest of what this person is shown and agrees to: the shared plan and what the organiser
    /// wrote about them (the consent page shows no one else's needs). It changes with those words only,
    /// so nothing done to someone else (their needs, an erasure, a new key) touches this person's agreement.
    /// </summary>
    public static string? Version(EventRecord record, Participant person)
    {
        if (!Exists(record))
        {
            return null;
        }

        var text = new StringBuilder()
            .Append("plan\n").Append(record.Plan ?? "").Append('\n')
            .Append("needs\n").Append(person.Needs ?? "").Append('\n');
        return Sha256Hex.OfUtf8(text.ToString())[..16];
    }

    /// <summary>Whether the plan's words changed for anyone between two states of an event.</summary>
    public static bool ChangedForAnyone(EventRecord before, EventRecord after) =>
        after.Everyone.Any(p => before.Find(p.Key) is not { } old || Version(before, old) != Version(after, p));

    /// <summary>
    /// Whether a person must agree to the plan before emails reach them: everyone but the organiser
    /// (who wrote it) and trusted contacts (who are never shown it), when there is a plan. Texts never
    /// carry the plan, so only email waits for it.
    /// </summary>
    public static bool MustAgree(EventRecord record, Participant person) =>
        person.Key != Participant.OrganizerKey && !person.IsTrustedContact() && person.Email is not null && Exists(record);

    /// <summary>Whether the person agreed to the plan as it is now (true when there is nothing to agree to).</summary>
    public static bool Agreed(EventRecord record, Participant person) =>
        !MustAgree(record, person) || person.AgreedPlan == Version(record, person);
}
