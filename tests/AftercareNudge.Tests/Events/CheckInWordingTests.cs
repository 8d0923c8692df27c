using AftercareNudge.Events;

namespace AftercareNudge.Tests.Events;

public sealed class CheckInWordingTests
{
    [Fact]
    public void Sms_AnyMessage_StartsWithSenderName()
    {
        var sms = CheckInWording.Sms("Sam", "Hey, how are you feeling?");

        Assert.StartsWith("Sam via AftercareNudge: ", sms, StringComparison.Ordinal);
        Assert.Equal("Sam via AftercareNudge: Hey, how are you feeling?", sms);
    }

    [Theory]
    [InlineData("date")]
    [InlineData("therapy")]
    [InlineData("scene")]
    [InlineData("enm-date")]
    public void EmailSubject_ForAnyEvent_NamesOnlyTheSender(string kind)
    {
        var subject = CheckInWording.EmailSubject("Sam");

        Assert.Equal("A check-in from Sam", subject);
        Assert.DoesNotContain(kind, subject, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Dinner with Alex", subject, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void EmailText_Message_ComesFirstThenWhoAsked()
    {
        var text = CheckInWording.EmailText("Sam", "Morning!");

        Assert.StartsWith("Morning!\n", text, StringComparison.Ordinal);
        Assert.Contains("Sam asked AftercareNudge", text, StringComparison.Ordinal);
    }

    [Fact]
    public void EmailHtml_ScriptInMessage_IsEncoded()
    {
        var html = CheckInWording.EmailHtml("Sam", "<script>alert('x')</script>");

        Assert.DoesNotContain("<script>", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;", html, StringComparison.Ordinal);
    }

    [Fact]
    public void EmailHtml_MarkupInOrganizerName_IsEncoded()
    {
        var html = CheckInWording.EmailHtml("<b>Sam</b>", "Hi");

        Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;Sam&lt;/b&gt;", html, StringComparison.Ordinal);
    }

    [Fact]
    public void EmailHtml_NewLines_BecomeBreaks()
    {
        var html = CheckInWording.EmailHtml("Sam", "line one\nline two");

        Assert.Contains("line one<br>line two", html, StringComparison.Ordinal);
    }
}
