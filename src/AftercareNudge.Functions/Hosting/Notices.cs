namespace AftercareNudge.Hosting;

/// <summary>
/// What the service says in its own name to an organiser (a check-in that did not arrive, consent still
/// missing): an SMS starts with the brand, an email is one sentence (<c>NoticeEmail</c>) and what sends it.
/// </summary>
public static class Notices
{
    public const string SmsSender = Brand.Name + ": ";

    /// <summary>A notice email's body: the sentence, and what sends it when <paramref name="footer"/> is given.</summary>
    public static string EmailHtml(string sentence, string? footer) =>
        HtmlTemplates.Render<NoticeEmail>(new Dictionary<string, object?>
        {
            [nameof(NoticeEmail.Sentence)] = sentence,
            [nameof(NoticeEmail.Footer)] = footer,
        });
}
