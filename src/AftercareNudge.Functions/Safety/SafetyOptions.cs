namespace AftercareNudge.Safety;

/// <summary>
/// <c>Safety__AcceptAwaitReply</c>: whether a registration may arm check-ins (<c>checkIns[].awaitReply</c>)
/// and name trusted contacts. Off by default: issue 23 lands in steps, and a half-built safety net is
/// worse than none, so until all of it works only tests turn it on.
/// </summary>
public sealed class SafetyOptions
{
    public const string Section = "Safety";

    /// <summary>What a body with <c>awaitReply</c> is told while <see cref="AcceptAwaitReply"/> is off.</summary>
    public const string NotAvailableYet =
        "'awaitReply' is not available yet: a check-in that waits for an answer and tells trusted contacts is being built, and none is armed until all of it works. Leave it out: the check-in then goes as any other, and nobody is told if no answer comes.";

    public bool AcceptAwaitReply { get; set; }

    // A bool has nothing to get wrong; validated with the others so that it is bound and checked at start-up alike.
    public static IEnumerable<string> Problems() => [];
}
