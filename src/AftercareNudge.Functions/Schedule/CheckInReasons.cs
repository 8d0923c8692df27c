namespace AftercareNudge.Schedule;

/// <summary>
/// The reasons the app records on a check-in (<c>CheckInRecord.Reason</c>): why it was skipped,
/// cancelled, held or failed. They are stored and shown in the API as they are, so the values
/// must not change; a provider's own code is kept with its prefix (<c>twilio-…</c>).
/// </summary>
internal static class CheckInReasons
{
    /// <summary>The recipient has not agreed to the channel.</summary>
    public const string NoConsent = "no-consent";

    /// <summary>The recipient said no to this organiser on the channel (NO by text, Decline on the consent page).</summary>
    public const string Declined = "declined";

    /// <summary>The recipient opted out (STOP, unsubscribe, spam report).</summary>
    public const string OptedOut = "opted-out";

    /// <summary>The recipient agreed to an earlier version of the aftercare plan, not this one.</summary>
    public const string PlanChanged = "plan-changed";

    /// <summary>Held until the recipient's quiet hours end.</summary>
    public const string QuietHours = "quiet-hours";

    /// <summary>The recipient's address was erased.</summary>
    public const string Erased = "erased";

    /// <summary>The check-in was taken out of the plan by a change.</summary>
    public const string Removed = "removed";

    /// <summary>The event was cancelled.</summary>
    public const string EventCancelled = "event-cancelled";

    /// <summary>The plan has no address for the recipient on the channel.</summary>
    public const string RecipientMissing = "recipient-missing";

    /// <summary>Email to the address hard-bounced before, so nothing more is sent to it (SendGrid).</summary>
    public const string Undeliverable = "undeliverable";

    /// <summary>The email bounced (SendGrid).</summary>
    public const string Bounced = "bounced";

    /// <summary>SendGrid would not send to the address.</summary>
    public const string Dropped = "dropped";

    /// <summary>A relay waits for its organiser to confirm a channel (still scheduled; see <c>WaitingRelays</c>).</summary>
    public const string AwaitingOrganizer = "awaiting-organizer";

    /// <summary>A relay not sent because the reply it quotes was erased, or purged with its event.</summary>
    public const string ReplyErased = "reply-erased";

    /// <summary>Held until the next UTC day: the client sent its daily quota of messages (still scheduled).</summary>
    public const string DailyQuota = "daily-quota";

    /// <summary>The prefix of a send whose outcome we never learned, followed by what we know.</summary>
    public const string OutcomeUnknownPrefix = "outcome-unknown:";

    /// <summary>
    /// The prefix of a check-in the provider refused for its rate (followed by the provider's code, such
    /// as <c>twilio-20429</c>): still scheduled, tried again shortly, no try counted, and still at the
    /// moment the recipient agreed to (quiet hours do not hold it).
    /// </summary>
    public const string ThrottledPrefix = "throttled:";

    /// <summary>A follow-up (fallback, notice, relay) whose check-in is gone: nothing to follow up.</summary>
    public const string RelatedMissing = "related-missing";

    /// <summary>A follow-up of a check-in that was delivered after all, before the follow-up went.</summary>
    public const string DeliveredAfterAll = "delivered-after-all";

    /// <summary>After <see cref="OutcomeUnknownPrefix"/>: sending threw, so whether it went is not known.</summary>
    public const string SendError = "send-error";

    /// <summary>
    /// After <see cref="OutcomeUnknownPrefix"/>: every try (<c>Dispatch:MaxAttempts</c>) was claimed and
    /// never recorded, so one may have gone out.
    /// </summary>
    public const string Abandoned = "abandoned";

    /// <summary>A safety reminder or alert withheld, or cancelled, because the person answered the armed check-in first.</summary>
    public const string Answered = "answered";

    /// <summary>
    /// A safety reminder or alert whose armed check-in was never theirs to answer (it was cancelled, or
    /// skipped for want of the organiser's confirmed consent), so nothing waits for an answer.
    /// </summary>
    public const string NotArmed = "not-armed";

    /// <summary>An alert to a trusted contact who has not agreed to be told, or agreed to other terms (another time or note).</summary>
    public const string ContactNotAgreed = "contact-not-agreed";

    /// <summary>What follows a contact's alert (an all-clear, an urgent follow-up, the news of a cancellation) waits until the alert's own send is finished (still scheduled).</summary>
    public const string AwaitingAlert = "awaiting-alert";

    /// <summary>An all-clear, or the news of a cancellation, not sent because the alert it follows ended without being sent.</summary>
    public const string AlertNotSent = "alert-not-sent";
}
