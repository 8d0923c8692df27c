using AftercareNudge.Messaging;

namespace AftercareNudge.Consent;

/// <summary>
/// <c>Service__Contact</c>: how a person reaches whoever runs the service (an email address, a URL or a
/// phone number). HELP answers with it, as carriers require. Required in a deployed app (providers
/// configured); in a local run with the development outbox, <see cref="LocalDefault"/> stands in.
/// </summary>
public sealed class ServiceOptions
{
    public const string Section = "Service";

    /// <summary>What HELP names in a local run when nothing is set: nobody real is texted there.</summary>
    public const string LocalDefault = "help@localhost";

    /// <summary>Above this, the HELP text no longer fits in one SMS.</summary>
    public const int MaxContactLength = 40;

    public string? Contact { get; set; }

    /// <summary>Set from <see cref="DeliveryOptions.ReachesPeople"/>: real people are written to, and may text HELP.</summary>
    public bool ReachesPeople { get; set; }

    /// <summary>The contact HELP names.</summary>
    public string ContactOrDefault => string.IsNullOrWhiteSpace(Contact) ? LocalDefault : Contact.Trim();

    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrWhiteSpace(Contact))
        {
            if (ReachesPeople)
            {
                yield return "Service:Contact is required: HELP answers with it, so people (and carriers) can reach whoever runs the service. Set an email address, a URL or a phone number, such as help@example.org.";
            }
        }
        else if (Contact.Trim().Length > MaxContactLength)
        {
            yield return $"Service:Contact must be at most {MaxContactLength} characters, so that the HELP answer fits in one text message.";
        }
    }
}
