using System.Text.RegularExpressions;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Outbox;

namespace AftercareNudge.IntegrationTests.Infrastructure;

/// <summary>A recipient's side of email consent: the consent emails in the outbox, their links, and a browser that follows them.</summary>
internal static partial class ConsentLinks
{
    /// <summary>A browser or mail client arriving from an email: no cookies, no API key, redirects not followed.</summary>
    public static HttpClient Browser(AppFactory app) =>
        app.CreateBrowser();

    public static Task<HttpResponseMessage> PostFormAsync(AppFactory app, string url, params (string Name, string Value)[] fields) =>
        Browser(app).PostAsync(url, new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))), TestContext.Current.CancellationToken);

    public static Task<IReadOnlyList<OutboxMessage>> OutboxAsync(AppFactory app) => app.OutboxAsync();

    public static async Task<IReadOnlyList<OutboxMessage>> ConsentEmailsAsync(AppFactory app, string to) =>
        (await OutboxAsync(app)).Where(m => m.Kind == MessageKinds.ConsentRequest && m.Channel == "email" && m.To == to).ToList();

    /// <summary>The consent page's path (<c>/api/consent/{token}</c>) in an email body.</summary>
    public static string PathIn(string body) => PathOf(ConsentLinkPattern(), body, "consent");

    /// <summary>The unsubscribe page's path (<c>/api/unsubscribe/{token}</c>) in an email body.</summary>
    public static string UnsubscribePathIn(string body) => PathOf(UnsubscribeLinkPattern(), body, "unsubscribe");

    private static string PathOf(Regex pattern, string body, string what)
    {
        var match = pattern.Match(body);
        Assert.True(match.Success, $"No {what} link in the email body.");
        return match.Groups["path"].Value;
    }

    /// <summary>The path of the only consent email sent to <paramref name="to"/>.</summary>
    public static async Task<string> OnlyPathAsync(AppFactory app, string to) => PathIn(Assert.Single(await ConsentEmailsAsync(app, to)).Body);

    [GeneratedRegex(@"https://aftercare\.example\.org(?<path>/api/consent/[A-Za-z0-9_-]+)")]
    private static partial Regex ConsentLinkPattern();

    [GeneratedRegex(@"https://aftercare\.example\.org(?<path>/api/unsubscribe/[A-Za-z0-9_-]+)")]
    private static partial Regex UnsubscribeLinkPattern();
}
