using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AftercareNudge.Hosting;

/// <summary>
/// The pages a person opens in a browser (consent and unsubscribe links, and the calm answers when the
/// app is busy): a Razor template in <c>PageLayout</c>, rendered with its model, with the pages' headers.
/// </summary>
public static class Pages
{
    public const string HtmlContentType = "text/html; charset=utf-8";

    /// <summary>A page of plain words, in the pages' layout and headers.</summary>
    public static ContentHttpResult ShowNotice(HttpContext http, int statusCode, NoticePageModel model) => Show<NoticePage>(http, statusCode, model);

    /// <summary>A whole page: the template <typeparamref name="TPage"/> rendered with its model (which it encodes), and the pages' headers.</summary>
    public static ContentHttpResult Show<TPage>(HttpContext http, int statusCode, object model)
        where TPage : IComponent
    {
        ArgumentNullException.ThrowIfNull(http);
        var headers = http.Response.Headers;

        // A token in the URL is a credential: keep it out of caches, search engines and Referer headers.
        headers.CacheControl = "no-store";
        headers["Referrer-Policy"] = "no-referrer";
        headers["X-Robots-Tag"] = "noindex";
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

        return TypedResults.Content(HtmlTemplates.Render<TPage>(model), HtmlContentType, statusCode: statusCode);
    }
}

/// <summary>What <c>NoticePage</c> shows: a title, an optional highlighted notice, paragraphs, and perhaps a link back to the page.</summary>
public sealed record NoticePageModel(string Title, IReadOnlyList<string> Paragraphs, string? Notice = null, bool ChangeAnswer = false);
