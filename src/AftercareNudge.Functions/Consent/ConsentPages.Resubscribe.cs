using AftercareNudge.Schedule;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AftercareNudge.Consent;

/// <summary>
/// The way back in after an email unsubscribe, on the unsubscribe page itself: the person's own
/// explicit action (a POST from the page's form with <c>action=resubscribe</c>; a GET never changes
/// anything), recorded in the ledger as <c>opted-in</c> like START is for SMS. A mail client's RFC 8058
/// one-click POST (<c>List-Unsubscribe=One-Click</c>, or any other body) still only ever stops.
/// </summary>
public sealed partial class ConsentPages
{
    private const string ResubscribeAction = "resubscribe";

    /// <summary>What the page says while the address gets emails.</summary>
    internal const string SubscribedState = $"This address can get emails from {ConsentWording.Brand}: only those it agreed to.";

    /// <summary>What the page says once the address is unsubscribed, above the way back in.</summary>
    internal const string UnsubscribedState =
        $"This address is unsubscribed: {ConsentWording.Brand} sends it no emails, from anyone.";

    /// <summary>The words beside the button, kept in the ledger as what the person was shown when they opted back in.</summary>
    internal const string ResubscribeText =
        $"Start receiving emails again: {ConsentWording.Brand} may then email this address what you agreed to before, from those you agreed to. "
        + "Nothing new arrives unless you agree to it, and nothing stopped while you were unsubscribed is sent. You can unsubscribe again at any time.";

    private const string OneClickField = UnsubscribeForm.OneClickField;
    private const string OneClickValue = "One-Click";

    private static ContentHttpResult ResubscribePage(HttpContext http) => Page<UnsubscribePage>(
        http,
        StatusCodes.Status200OK,
        new UnsubscribePageModel("You're unsubscribed", UnsubscribedState, ResubscribeText, UnsubscribeForm.ActionField, ResubscribeAction, "Start receiving emails again", Primary: true));

    /// <summary>The page's own form asking to start again, with no one-click field in it. Anything else, or an unreadable body, is a stop.</summary>
    private static async Task<bool> IsResubscribeAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            return false;
        }

        try
        {
            var form = await request.ReadFormAsync(cancellationToken);
            return !form.ContainsKey(OneClickField)
                && string.Equals(form[UnsubscribeForm.ActionField].ToString().Trim(), ResubscribeAction, StringComparison.OrdinalIgnoreCase);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            return false;
        }
    }

    /// <summary>Lifts the email opt-out for this address, ledger line first, and says what that means.</summary>
    private static async Task<ContentHttpResult> ResubscribeAsync(HttpContext http, LinkToken link, ConsentStore consents, ILogger logger)
    {
        // Finished even if the browser goes away: the ledger line and the state in force must not part ways.
        await consents.OptInAsync(Channel.Email, link.Address, "web:" + http.TraceIdentifier, ResubscribeText, CancellationToken.None);
        ConsentPagesLog.OptedIn(logger);
        return Page<UnsubscribePage>(
            http,
            StatusCodes.Status200OK,
            new UnsubscribePageModel(
                "You'll receive emails again",
                SubscribedState,
                "Emails you agreed to before can arrive again; nothing stopped while you were unsubscribed will come. "
                + "To stop again, use this page or the link at the bottom of any email.",
                OneClickField,
                OneClickValue,
                "Stop every email",
                Primary: false));
    }
}
