using System.Text.Json.Serialization;

namespace AftercareNudge.Consent;

// The forms the consent and unsubscribe pages post, as the OpenAPI document describes them; the pages
// read the fields by these names (ConsentPages).

/// <summary>
/// <c>POST /api/consent/{token}</c>: <c>decision</c> (<c>agree</c> or <c>decline</c>) and, optionally,
/// quiet hours as two local times (<c>quietFrom</c>, <c>quietTo</c>, <c>HH:mm</c>).
/// </summary>
public sealed record ConsentDecisionForm(
    [property: JsonPropertyName(ConsentDecisionForm.DecisionField)] string Decision,
    [property: JsonPropertyName(ConsentDecisionForm.QuietFromField)] string? QuietFrom = null,
    [property: JsonPropertyName(ConsentDecisionForm.QuietToField)] string? QuietTo = null)
{
    public const string DecisionField = "decision";
    public const string QuietFromField = "quietFrom";
    public const string QuietToField = "quietTo";
}

/// <summary>
/// <c>POST /api/unsubscribe/{token}</c>: a mail client's RFC 8058 one-click (<c>List-Unsubscribe=One-Click</c>),
/// the page's Stop button (the same field), or the page's way back in (<c>action=resubscribe</c>, and no
/// one-click field). Any other body, or none, stops.
/// </summary>
public sealed record UnsubscribeForm(
    [property: JsonPropertyName(UnsubscribeForm.OneClickField)] string? ListUnsubscribe = null,
    [property: JsonPropertyName(UnsubscribeForm.ActionField)] string? Action = null)
{
    /// <summary>The RFC 8058 field that means "stop": what a mail client posts, and the Stop button too.</summary>
    public const string OneClickField = "List-Unsubscribe";

    public const string ActionField = "action";
}
