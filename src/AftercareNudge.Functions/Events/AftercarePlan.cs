using System.Security.Cryptography;
using System.Text;

namespace AftercareNudge.Events;

/// <summary>
/// The aftercare plan of an event: the shared plan and each person's needs. Agreeing on the consent page
/// means agreeing to the plan as written, so the plan has a version (a hash of every word of it); a
/// person who agreed to an older version is asked again, and gets no email until they agree.
/// </summary>
public static class AftercarePlan
{
    public const int MaxPlanLength = 2000;
    public const int MaxNeedsLength = 500;
    public const int MaxReminders = 10;

    /// <summary>Whether the event has a plan for anyone to agree to.</summary>
    public static bool Exists(EventRecord record) =>
        !string.IsNullOrEmpty(record.Plan) || record.Everyone.Any(p => !string.IsNullOrEmpty(p.Needs));

    /// <summary>A short digest of the plan's words: changes with any word of the plan or of anyone's needs.</summary>
    public static string? Version(EventRecord record)
    {
        if (!Exists(record))
        {
            return null;
        }

        var text = new StringBuilder().Append("plan\n").Append(record.Plan ?? "").Append('\n');
        foreach (var person in record.Everyone.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Append("needs ").Append(person.Key).Append('\n').Append(person.Needs ?? "").Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    /// <summary>
    /// Whether a person must agree to the plan before emails reach them: everyone but the organiser
    /// (who wrote it), when there is a plan. Texts never carry the plan, so only email waits for it.
    /// </summary>
    public static bool MustAgree(EventRecord record, Participant person) =>
        person.Key != Participant.OrganizerKey && person.Email is not null && Exists(record);

    /// <summary>Whether the person agreed to the plan as it is now (true when there is nothing to agree to).</summary>
    public static bool Agreed(EventRecord record, Participant person) =>
        !MustAgree(record, person) || person.AgreedPlan == Version(record);
}
