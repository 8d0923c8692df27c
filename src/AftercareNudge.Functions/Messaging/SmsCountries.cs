using PhoneNumbers;

namespace AftercareNudge.Messaging;

/// <summary>
/// <c>Messaging__AllowedCountries</c>: the countries (ISO 3166 alpha-2, comma-separated) whose numbers
/// this deployment texts. Without it: the country of <c>Twilio__From</c>; with a messaging service
/// (whose senders the app cannot see) it is required; in outbox mode nothing leaves the machine, so
/// every country is allowed. A number elsewhere is refused at registration, before anything is sent:
/// an open list of countries is what SMS pumping (toll fraud) needs.
/// </summary>
public sealed class SmsCountryOptions
{
    public const string Setting = "Messaging:AllowedCountries";

    private static readonly PhoneNumberUtil Phones = PhoneNumberUtil.GetInstance();

    /// <summary>The setting as given (null: not set).</summary>
    public string? AllowedCountries { get; set; }

    public string? TwilioFrom { get; set; }

    public bool TwilioMessagingService { get; set; }

    public bool UsesOutbox { get; set; }

    /// <summary>The countries numbers may be in; null: any (outbox mode with no setting).</summary>
    public IReadOnlySet<string>? Allowed =>
        Listed() is { Count: > 0 } listed ? listed
        : !UsesOutbox && RegionOf(TwilioFrom) is { } from ? new HashSet<string>([from], StringComparer.Ordinal)
        : null;

    /// <summary>The country of an E.164 number (<c>GB</c>, <c>US</c>…), or null if libphonenumber cannot place it.</summary>
    public static string? RegionOf(string? e164)
    {
        if (string.IsNullOrWhiteSpace(e164))
        {
            return null;
        }

        try
        {
            return Phones.GetRegionCodeForNumber(Phones.Parse(e164, null)) is { } region && region != "ZZ" ? region : null;
        }
        catch (NumberParseException)
        {
            return null;
        }
    }

    public IEnumerable<string> Problems()
    {
        var supported = Phones.GetSupportedRegions();
        foreach (var code in (AllowedCountries ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!supported.Contains(code.ToUpperInvariant()))
            {
                yield return $"{Setting}: '{code}' is not an ISO 3166 alpha-2 country code with phone numbers; list countries such as GB,IE,US.";
            }
        }

        if (UsesOutbox || Listed() is { Count: > 0 })
        {
            yield break;
        }

        if (TwilioMessagingService && string.IsNullOrWhiteSpace(TwilioFrom))
        {
            yield return $"{Setting} is required with Twilio:MessagingServiceSid (the app cannot see the service's sender numbers): list the countries it texts, such as GB,IE.";
        }
        else if (!string.IsNullOrWhiteSpace(TwilioFrom) && RegionOf(TwilioFrom) is null)
        {
            yield return $"{Setting} is required: the country of Twilio:From cannot be told from its number; list the countries this service texts, such as GB,IE.";
        }
    }

    private HashSet<string>? Listed() =>
        AllowedCountries is null ? null
        : new HashSet<string>((AllowedCountries).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(c => c.ToUpperInvariant()), StringComparer.Ordinal);
}
