namespace AftercareNudge.Hosting;

/// <summary><c>Public__BaseUrl</c>: the URL the world reaches the app at. Links and webhook signatures are built from it.</summary>
public sealed class PublicOptions
{
    public const string Section = "Public";

    public Uri? BaseUrl { get; set; }

    /// <summary>An absolute URL for an app route such as <c>api/twilio/status</c>.</summary>
    public Uri Url(string relative)
    {
        var baseUrl = BaseUrl ?? throw new InvalidOperationException("Public:BaseUrl is not set.");
        var text = baseUrl.AbsoluteUri.TrimEnd('/') + "/" + relative.TrimStart('/');
        return new Uri(text, UriKind.Absolute);
    }

    public IEnumerable<string> Problems()
    {
        if (BaseUrl is { IsAbsoluteUri: false } || BaseUrl is { Scheme: not ("http" or "https") })
        {
            yield return "Public:BaseUrl must be an absolute http(s) URL, such as https://aftercare-nudge.azurewebsites.net.";
        }
    }
}
