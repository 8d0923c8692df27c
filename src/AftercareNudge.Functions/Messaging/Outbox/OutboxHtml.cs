using System.Text;
using System.Text.RegularExpressions;
using AftercareNudge.Hosting;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AftercareNudge.Messaging.Outbox;

/// <summary>
/// An outbox email's HTML, kept with its row and shown at <c>GET /api/dev/outbox/{id}</c>, so that the
/// emails can be seen as a person would see them without SendGrid.
/// </summary>
internal static partial class OutboxHtml
{
    /// <summary>Where an outbox email is shown (the function's route; host.json's route prefix is empty).</summary>
    public const string Route = "api/dev/outbox/{id}";

    /// <summary>
    /// A string property holds at most 64 KiB (32K UTF-16 characters): an email's HTML longer than a part
    /// is kept in <c>Html</c>, <c>Html1</c>, <c>Html2</c>… (a row holds 1 MiB).
    /// </summary>
    private const int PartLength = 30_000;

    private const string Property = "Html";

    /// <summary>Where the email with this id is shown, at the app's public address; null where that is not set.</summary>
    public static Uri? Url(PublicOptions options, string id) =>
        options.BaseUrl is null ? null : options.Url(Route.Replace("{id}", id, StringComparison.Ordinal));

    /// <summary>Whether <paramref name="id"/> could be an outbox row key (19 digits, '-', 12 hex digits).</summary>
    public static bool IsId(string? id) => id is not null && RowKey().IsMatch(id);

    public static void Write(TableEntity row, string? html)
    {
        for (var (part, at) = (0, 0); at < (html?.Length ?? 0); part++, at += PartLength)
        {
            row[part == 0 ? Property : Property + part] = html!.Substring(at, Math.Min(PartLength, html.Length - at));
        }
    }

    public static string? Read(TableEntity row)
    {
        if (row.GetString(Property) is not { } first)
        {
            return null;
        }

        var html = new StringBuilder(first);
        for (var part = 1; row.GetString(Property + part) is { } more; part++)
        {
            html.Append(more);
        }

        return html.ToString();
    }

    /// <summary>
    /// The email's HTML as a page. It holds what people wrote and links with tokens: no scripts run and
    /// nothing is fetched (the emails are self-contained, inline styles only), it cannot be framed, and
    /// no link opened from it tells where it came from.
    /// </summary>
    public static ContentHttpResult Show(HttpContext http, string html)
    {
        var headers = http.Response.Headers;
        headers.CacheControl = "no-store";
        headers["Referrer-Policy"] = "no-referrer";
        headers["X-Robots-Tag"] = "noindex";
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'";
        return TypedResults.Content(html, Pages.HtmlContentType);
    }

    [GeneratedRegex("^[0-9]{19}-[0-9a-f]{12}$")]
    private static partial Regex RowKey();
}
