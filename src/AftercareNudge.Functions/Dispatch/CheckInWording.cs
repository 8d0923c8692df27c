namespace AftercareNudge.Dispatch;

/// <summary>
/// How a check-in reads. SMS: the sender's name first (<c>Sam via AftercareNudge: ...</c>) and nothing
/// about the event. Email subject: neutral; the event's title and kind never appear in a subject.
/// </summary>
public static class CheckInWording
{
    public static string Sms(string organizerName, string message) => $"{organizerName} via AftercareNudge: {message}";

    public static string EmailSubject(string organizerName) => $"A check-in from {organizerName}";

    public static string EmailText(string organizerName, string message) =>
        $"{message}\n\n-- \n{organizerName} asked AftercareNudge to send you this check-in, as you agreed.";

    /// <summary>The check-in email's body (<c>CheckInEmail</c>); <paramref name="note"/> says why it came by email, where it did not come by text.</summary>
    public static string EmailHtml(string organizerName, string message, string? note = null) =>
        Hosting.HtmlTemplates.Render<CheckInEmail>(new Dictionary<string, object?>
        {
            [nameof(CheckInEmail.OrganizerName)] = organizerName,
            [nameof(CheckInEmail.Message)] = message,
            [nameof(CheckInEmail.Note)] = note,
        });
}
