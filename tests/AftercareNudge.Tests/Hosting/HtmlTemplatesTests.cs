using System.Text.RegularExpressions;
using AftercareNudge.Consent;
using AftercareNudge.Dispatch;
using AftercareNudge.Hosting;
using Microsoft.AspNetCore.Components;

namespace AftercareNudge.Tests.Hosting;

/// <summary>Every HTML email leaves in the one email layout, and what the templates are given is text, never markup.</summary>
public sealed partial class HtmlTemplatesTests
{
    private static readonly Uri Unsubscribe = new("https://example.test/api/unsubscribe/t?a=1&b=2");

    [Fact]
    public void EmailAsSent_IsOneDocument_WithTheSubjectAsTitle_TheBodyInItsColumn_AndTheFooterInsideTheBody()
    {
        var html = UnsubscribeLinks.Document("A check-in from Sam", CheckInWording.EmailHtml("Sam", "How are you?"), Unsubscribe);

        Assert.StartsWith("<!doctype html>\n<html lang=\"en\">", html, StringComparison.Ordinal);
        Assert.Contains("<title>A check-in from Sam</title>", html, StringComparison.Ordinal);
        Assert.Contains("max-width:560px", html, StringComparison.Ordinal);
        Assert.Single(Regex.Matches(html, "<body"));
        var body = html.IndexOf("<body", StringComparison.Ordinal);
        var message = html.IndexOf("How are you?", StringComparison.Ordinal);
        var footer = html.IndexOf("<a href=\"https://example.test/api/unsubscribe/t?a=1&amp;b=2\">Stop every email from AftercareNudge</a>", StringComparison.Ordinal);
        var end = html.IndexOf("</body></html>", StringComparison.Ordinal);
        Assert.True(body < message && message < footer && footer < end, "The body, then the message, then the footer, then the end of the document.");
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void EmailAsSent_SubjectWithMarkup_IsEncodedInTheTitle()
    {
        var html = UnsubscribeLinks.Document("<script>x</script> would like to send you check-ins", "<p>Hi</p>", Unsubscribe);

        Assert.Contains("<title>&lt;script&gt;x&lt;/script&gt; would like to send you check-ins</title>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryEmailBody_MarkupInWhatPeopleWrote_IsText()
    {
        const string Hostile = "<img src=x onerror=alert(1)> & \"quoted\"";
        var bodies = new[]
        {
            CheckInWording.EmailHtml(Hostile, Hostile, Hostile),
            DeliveryNotices.FallbackEmailHtml(Hostile, Hostile),
            DeliveryNotices.NoticeEmailHtml(Hostile, Hostile),
        };

        Assert.All(bodies, html =>
        {
            Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
            Assert.Contains("&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quoted&quot;", html, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void CheckInEmail_KeepsTheLineBreaksOfTheMessage_AndNothingElse()
    {
        var html = CheckInWording.EmailHtml("Sam", "one\ntwo\nthree");

        Assert.StartsWith("<p>one<br>two<br>three</p>", html, StringComparison.Ordinal);
        Assert.Contains("Sam asked AftercareNudge to send you this check-in, as you agreed.", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_TemplateThatThrows_ThrowsItsOwnException()
    {
        var thrown = Assert.Throws<FormatException>(() => HtmlTemplates.Render<Throws>(new Dictionary<string, object?>()));

        Assert.Equal("the template's own failure", thrown.Message);
    }

    /// <summary>A component that fails as it is given its parameters, as a template with a bad model would.</summary>
    private sealed class Throws : IComponent
    {
        public void Attach(RenderHandle renderHandle)
        {
        }

        public Task SetParametersAsync(ParameterView parameters) => throw new FormatException("the template's own failure");
    }
}
